import { and, asc, eq, exists, gt, isNull, lt, lte, not, or, type SQL, sql } from "drizzle-orm";
import { POLICY_ACTOR } from "../../requests/policies.ts";
import type { ApprovalPostQueue } from "../../requests/ports.ts";
import type { ApprovalPostRetry, Request } from "../../requests/request.ts";
import { allOf, type Kit, slot } from "../kit.ts";

/** No process is posting it now: never claimed, or its claim has lapsed. */
function unclaimed(p: Kit["t"]["approvalPostRetries"], now: number): SQL | undefined {
  return or(isNull(p.claimedUntil), lte(p.claimedUntil, now));
}

/** Approval posts waiting for the channel to work, kept beside the requests (approval_post_retries). */
export class KitApprovalPostQueue implements ApprovalPostQueue {
  constructor(private readonly kit: Kit) {}

  async listUnposted(now: number, untriedBefore: number, limit: number): Promise<Request[]> {
    const { requests: r, approvalPostRetries: p } = this.kit.t;
    const retryOf = eq(p.requestId, r.id);
    return this.kit
      .requests()
      .where(
        and(
          // A request approved by policy is posted all the same, so the approvers see it.
          or(eq(r.status, "pending"), eq(r.decidedBy, POLICY_ACTOR)),
          isNull(r.approvalMessageTs),
          or(
            exists(this.kit.approvalPostRetries().where(and(retryOf, lte(p.nextAttemptAt, now), unclaimed(p, now)))),
            and(not(exists(this.kit.approvalPostRetries().where(retryOf))), lt(r.createdAt, untriedBefore)),
          ),
        ),
      )
      .orderBy(asc(r.id))
      .limit(limit);
  }

  async claim(id: number, now: number, until: number): Promise<boolean> {
    const p = this.kit.t.approvalPostRetries;
    const claimed = await this.kit.upsertApprovalPostRetry(
      { requestId: id, attempts: 0, nextAttemptAt: now, claimedUntil: until, lastError: null, requesterToldAt: null },
      { claimedUntil: until },
      allOf(lte(p.nextAttemptAt, now), unclaimed(p, now)),
    );
    return claimed.length === 1;
  }

  async defer(
    id: number,
    now: number,
    error: string,
    backoffMs: (failures: number) => number,
  ): Promise<ApprovalPostRetry> {
    const p = this.kit.t.approvalPostRetries;
    const lastError = error.slice(0, 500);
    // Counted first (one statement), then scheduled from the count: only the caller holding the
    // claim defers, and until it does the claim keeps the row out of everyone's sweep.
    const [counted] = await this.kit.upsertApprovalPostRetry(
      {
        requestId: id,
        attempts: 1,
        nextAttemptAt: now + backoffMs(1),
        claimedUntil: null,
        lastError,
        requesterToldAt: null,
      },
      { attempts: sql`${p.attempts} + 1`, lastError },
    );
    if (!counted) throw new Error(`The approval post retry of request #${id} was not written`);
    const nextAttemptAt = now + backoffMs(counted.attempts);
    if (nextAttemptAt !== counted.nextAttemptAt || counted.claimedUntil !== null) {
      // Scheduled and released in one statement.
      await this.kit.updateApprovalPostRetries({ nextAttemptAt, claimedUntil: null }, eq(p.requestId, id));
    }
    return { ...counted, nextAttemptAt, claimedUntil: null };
  }

  async claimUnpostedNotice(id: number, now: number): Promise<boolean> {
    const p = this.kit.t.approvalPostRetries;
    const told = await this.kit.updateApprovalPostRetries(
      { requesterToldAt: now },
      allOf(eq(p.requestId, id), isNull(p.requesterToldAt)),
    );
    return told.length === 1;
  }

  async makeDue(now: number): Promise<number> {
    const { requests: r, approvalPostRetries: p } = this.kit.t;
    // Runs after every approval post. A correlated EXISTS looks up only the (few) retry rows'
    // requests (bench/results.md). Claims are left as they are: a post under way stays with its process.
    const due = await this.kit.prepared("make_approval_posts_due", () =>
      this.kit.updateApprovalPostRetries(
        { nextAttemptAt: slot("now") },
        allOf(
          gt(p.attempts, 0),
          gt(p.nextAttemptAt, slot("now")),
          exists(
            this.kit.requests().where(and(eq(r.id, p.requestId), eq(r.status, "pending"), isNull(r.approvalMessageTs))),
          ),
        ),
      ),
    )({ now });
    return due.length;
  }

  async retryOf(id: number): Promise<ApprovalPostRetry | undefined> {
    const [row] = await this.kit.approvalPostRetries().where(eq(this.kit.t.approvalPostRetries.requestId, id)).limit(1);
    return row;
  }
}
