import { and, asc, desc, eq, gt, inArray, lt, ne, not, or, type SQL, sql } from "drizzle-orm";
import type { OpenRequests, PageCursor, RequestPage, RequestReader, WaitingFor } from "../../requests/ports.ts";
import type { AuditEntry, Request, RequestStatus } from "../../requests/request.ts";
import type { Kit } from "../kit.ts";

/** What App Home and `status` read; every query stays on an index (bench/home.ts). */
export class KitRequestReader implements RequestReader {
  constructor(
    private readonly kit: Kit,
    private readonly now: () => number = Date.now,
  ) {}

  private get t() {
    return this.kit.t.requests;
  }

  async get(id: number): Promise<Request | undefined> {
    const [request] = await this.kit.requests().where(eq(this.t.id, id)).limit(1);
    return request;
  }

  async listByRequester(requesterId: string, limit: number): Promise<Request[]> {
    return this.kit.requests().where(eq(this.t.requesterId, requesterId)).orderBy(desc(this.t.id)).limit(limit);
  }

  async countByRequester(requesterId: string): Promise<number> {
    const [counted] = await this.kit.countRequests(eq(this.t.requesterId, requesterId));
    return counted?.n ?? 0;
  }

  async pageByRequester(requesterId: string, cursor: PageCursor, size: number): Promise<RequestPage> {
    const t = this.t;
    const mine = (condition?: SQL) => and(eq(t.requesterId, requesterId), condition);
    const anyMine = async (condition: SQL) => (await this.kit.requests().where(mine(condition)).limit(1)).length > 0;
    if (cursor.after !== undefined) {
      const newer = await this.kit
        .requests()
        .where(mine(gt(t.id, cursor.after)))
        .orderBy(asc(t.id))
        .limit(size + 1);
      const rows = newer.slice(0, size).reverse();
      const last = rows.at(-1);
      // Nothing newer any more: show the newest page instead.
      if (!last) return this.pageByRequester(requesterId, {}, size);
      return { rows, hasNewer: newer.length > size, hasOlder: await anyMine(lt(t.id, last.id)) };
    }
    const older = await this.kit
      .requests()
      .where(mine(cursor.before === undefined ? undefined : lt(t.id, cursor.before)))
      .orderBy(desc(t.id))
      .limit(size + 1);
    const rows = older.slice(0, size);
    const first = rows[0];
    if (!first) {
      // A cursor past the end (nothing older any more): show the newest page instead.
      if (cursor.before === undefined) return { rows, hasNewer: false, hasOlder: false };
      return this.pageByRequester(requesterId, {}, size);
    }
    return {
      rows,
      hasOlder: older.length > size,
      hasNewer: cursor.before !== undefined && (await anyMine(gt(t.id, first.id))),
    };
  }

  async pendingFor(viewer: WaitingFor, limit: number): Promise<{ requests: Request[]; total: number }> {
    const t = this.t;
    if (viewer.tenants.length === 0) return { requests: [], total: 0 };
    const notMine = ne(t.requesterId, viewer.approverId);
    // Past its expiry a request can no longer be decided (the service expires it at the click),
    // whether or not the sweep has got to it: it is not offered.
    const waiting = and(
      eq(t.status, "pending"),
      gt(t.expiresAt, this.now()),
      inArray(t.tenant, [...viewer.tenants]),
      // Never their own request when it needs more than one approval: the requester never counts.
      viewer.ownIncluded ? or(notMine, eq(t.requiredApprovals, 1)) : notMine,
      not(this.kit.jsonHas(t.approvedBy, sql`${viewer.approverId}`)),
    );
    const [requests, [counted]] = await Promise.all([
      this.kit.requests().where(waiting).orderBy(asc(t.id)).limit(limit),
      this.kit.countRequests(waiting),
    ]);
    return { requests, total: counted?.n ?? 0 };
  }

  async openRequests(): Promise<OpenRequests> {
    const t = this.t;
    const count = async (status: RequestStatus) => (await this.kit.countRequests(eq(t.status, status)))[0]?.n ?? 0;
    // All on the (status, id) index.
    const [pending, approved, creating, [oldest]] = await Promise.all([
      count("pending"),
      count("approved"),
      count("creating"),
      this.kit.requests().where(eq(t.status, "pending")).orderBy(asc(t.id)).limit(1),
    ]);
    return { pending, approved, creating, oldestPendingCreatedAt: oldest?.createdAt };
  }

  async auditOf(id: number): Promise<AuditEntry[]> {
    const a = this.kit.t.auditEvents;
    return this.kit.auditEvents().where(eq(a.requestId, id)).orderBy(asc(a.id));
  }
}
