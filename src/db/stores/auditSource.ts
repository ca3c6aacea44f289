import { and, asc, gt, gte, inArray, or } from "drizzle-orm";
import type { AuditSource } from "../../requests/ports.ts";
import type { AuditEntry, Request } from "../../requests/request.ts";
import type { Kit } from "../kit.ts";

/** The audit export's reads, in batches so memory stays flat however large the tables are. */
export class KitAuditSource implements AuditSource {
  constructor(private readonly kit: Kit) {}

  async exportBatch(
    since: number | undefined,
    afterId: number,
    limit: number,
  ): Promise<{ requests: Request[]; events: AuditEntry[] }> {
    const { requests: r, auditEvents: a } = this.kit.t;
    const touched = since === undefined ? undefined : or(gte(r.updatedAt, since), gte(r.createdAt, since));
    const requests = await this.kit
      .requests()
      .where(and(gt(r.id, afterId), touched))
      .orderBy(asc(r.id))
      .limit(limit);
    if (requests.length === 0) return { requests, events: [] };
    const events = await this.kit
      .auditEvents()
      .where(
        and(
          inArray(
            a.requestId,
            requests.map((request) => request.id),
          ),
          since === undefined ? undefined : gte(a.at, since),
        ),
      )
      .orderBy(asc(a.requestId), asc(a.id));
    return { requests, events };
  }
}
