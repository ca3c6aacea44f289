import type { ApprovalPostRetry, AuditEntry, Request } from "../requests/request.ts";

type RowOf<T> = T extends { $inferSelect: infer R } ? R : never;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Columns only the database uses (the audit trigger reads them); the domain never sees them. */
type TriggerColumns = "lastActor" | "lastDetail";

/**
 * `true` when the tables' rows are exactly the domain's types; otherwise a message naming the
 * table, which fails the `true satisfies` that checks it. Each dialect's schema asserts it.
 */
export type SameShape<Requests, Audit, Retries> =
  Same<Omit<RowOf<Requests>, TriggerColumns>, Request> extends false
    ? "requests differs from Request"
    : Same<RowOf<Audit>, AuditEntry> extends false
      ? "audit_events differs from AuditEntry"
      : Same<RowOf<Retries>, ApprovalPostRetry> extends false
        ? "approval_post_retries differs from ApprovalPostRetry"
        : true;
