import type { ApprovalPostQueue, AuditSource, RequestReader, RequestStore } from "../requests/ports.ts";
import type { Kit } from "./kit.ts";
import { KitApprovalPostQueue } from "./stores/approvalPostQueue.ts";
import { KitAuditSource } from "./stores/auditSource.ts";
import { KitRequestReader } from "./stores/requestReader.ts";
import { KitRequestStore } from "./stores/requestStore.ts";

/** One store per consumer: the lifecycle, the approval-post queue, the reads of App Home and status, the export. */
export interface Stores {
  requests: RequestStore;
  approvalPosts: ApprovalPostQueue;
  reads: RequestReader;
  audit: AuditSource;
}

/** An open database, SQLite or PostgreSQL. */
export interface Database {
  readonly dialect: "sqlite" | "postgres";
  readonly stores: Stores;
  /** True when the database answers a trivial query now. */
  healthy(): Promise<boolean>;
  /** Closes it, waiting for work under way at most `timeoutMs`. */
  close(timeoutMs?: number): Promise<void>;
}

export function storesOver(kit: Kit, options: { shared: boolean; now?: (() => number) | undefined }): Stores {
  return {
    requests: new KitRequestStore(kit, options.shared, options.now),
    approvalPosts: new KitApprovalPostQueue(kit),
    reads: new KitRequestReader(kit),
    audit: new KitAuditSource(kit),
  };
}
