import { DrizzleQueryError } from "drizzle-orm";
import {
  type ApprovalPostQueue,
  type AuditSource,
  type RequestReader,
  type RequestStore,
  StoreUnavailableError,
} from "../requests/ports.ts";
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
    requests: failingAsUnavailable(new KitRequestStore(kit, options.shared, options.now)),
    approvalPosts: failingAsUnavailable(new KitApprovalPostQueue(kit)),
    reads: failingAsUnavailable(new KitRequestReader(kit, options.now)),
    audit: failingAsUnavailable(new KitAuditSource(kit)),
  };
}

/**
 * The store, with every failure of its methods turned into a StoreUnavailableError naming the
 * operation: the domain and the listeners tell "the database is down" apart from a bug without
 * knowing which driver runs underneath.
 */
function failingAsUnavailable<T extends object>(store: T): T {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        try {
          const result: unknown = value.apply(target, args);
          return result instanceof Promise ? result.catch((error: unknown) => unavailable(property, error)) : result;
        } catch (error) {
          return unavailable(property, error);
        }
      };
    },
  });
}

function unavailable(operation: PropertyKey, error: unknown): never {
  if (error instanceof StoreUnavailableError) throw error;
  // drizzle wraps the driver's error in one quoting the failed SQL and its parameters (people's
  // data, which must not reach the logs); the database's own words are in its cause.
  const reason = error instanceof DrizzleQueryError && error.cause ? error.cause : error;
  throw new StoreUnavailableError(String(operation), reason);
}
