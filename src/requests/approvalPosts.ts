import { errorMessage } from "../errorMessage.ts";
import type { AppLogger } from "../log.ts";
import type { Announcer } from "./announcer.ts";
import type { ApprovalPostQueue, MessageRef, Notifier, RequestStore } from "./ports.ts";
import type { Request } from "./request.ts";

export interface ApprovalPostPolicy {
  /** Wait before posting again a request the approval channel refused; doubles per failure (default 1 min). */
  approvalPostRetryMs?: number;
  /** Longest wait between two posts of a refused request (default 15 min). */
  approvalPostRetryMaxMs?: number;
}

/**
 * How long one approval post may take, Slack's own retries included: a post claimed this long ago
 * has died with its process. A request recorded less than this ago is still being announced.
 */
const approvalPostClaimMs = 2 * 60_000;

/**
 * Posts requests in the approval channel. A post the channel refused is tried again later, with a
 * growing backoff; the requester hears once that the approvers have not seen the request yet.
 */
export class ApprovalPosts {
  /** Requests recorded before this belong to an earlier run: nothing here is posting them. */
  private readonly startedAt: number;
  private stopping = false;

  constructor(
    private readonly store: RequestStore,
    private readonly queue: ApprovalPostQueue,
    private readonly notifier: Notifier,
    private readonly announcer: Announcer,
    private readonly policy: ApprovalPostPolicy,
    private readonly log: AppLogger,
    private readonly now: () => number,
  ) {
    this.startedAt = now();
  }

  /** Posts a recorded request for approval and tells the requester where it waits. */
  async announce(request: Request): Promise<void> {
    const posted = await this.postForApproval(request);
    if (posted) {
      await this.announcer.tellRequester(posted, "recorded");
    } else {
      await this.tellUnposted(request);
    }
  }

  /**
   * Posts requests the approval channel refused earlier (each after its backoff; at start, all
   * at once) or that a stopped run never posted. The requester hears once when one finally is.
   */
  async postWaitingRequests(atStart: boolean): Promise<void> {
    if (atStart) await this.queue.makeDue(this.now());
    const now = this.now();
    // A request recorded lately is being posted by the process that recorded it. Only this process
    // writes an unshared database: what it did not record itself belongs to an earlier run.
    const recent = now - approvalPostClaimMs;
    const untriedBefore = this.store.shared ? recent : Math.max(this.startedAt, recent);
    for (const request of await this.queue.listUnposted(now, untriedBefore, 50)) {
      if (this.stopping) return;
      if (!(await this.queue.claim(request.id, this.now(), this.now() + approvalPostClaimMs))) continue;
      const posted = await this.postForApproval(request);
      if (!posted) {
        await this.tellUnposted(request);
        continue;
      }
      this.log.event("info", "approval_posted_late", {
        request: request.id,
        failedAttempts: (await this.queue.retryOf(request.id))?.attempts ?? 0,
      });
      if (posted.status === "pending") {
        await this.announcer.tellRequester(posted, "recorded");
      }
    }
  }

  /** Stops the sweep of waiting requests (the process is stopping). */
  stop(): void {
    this.stopping = true;
  }

  /** Tells the requester, once, that the request is recorded but the approvers have not seen it yet. */
  private async tellUnposted(request: Request): Promise<void> {
    if (!(await this.queue.claimUnpostedNotice(request.id, this.now()))) return;
    await this.announcer.tellRequester(request, "recorded_unposted");
  }

  private approvalPostBackoffMs(failures: number): number {
    const base = this.policy.approvalPostRetryMs ?? 60_000;
    const max = this.policy.approvalPostRetryMaxMs ?? 15 * 60_000;
    return Math.min(max, base * 2 ** Math.min(failures - 1, 30));
  }

  /** Posts the request for approval; undefined when Slack refused (it is then tried again later). */
  private async postForApproval(request: Request): Promise<Request | undefined> {
    let ref: MessageRef;
    try {
      ref = await this.notifier.postForApproval(request);
    } catch (error) {
      const retry = await this.queue.defer(request.id, this.now(), errorMessage(error), (n) =>
        this.approvalPostBackoffMs(n),
      );
      this.log.event("warn", "approval_post_failed", {
        request: request.id,
        attempt: retry.attempts,
        nextAttemptAt: new Date(retry.nextAttemptAt).toISOString(),
        error: errorMessage(error),
      });
      return undefined;
    }
    const stored = await this.store.setApprovalMessage(request.id, ref);
    // Decided (or expired) while the post was on its way: the message just posted is already stale.
    if (stored && stored.status !== request.status) {
      await this.announcer.refreshApprovalMessage(stored);
    }
    // The channel works: requests that waited for it need not sit out their backoff.
    const due = await this.queue.makeDue(this.now());
    if (due > 0) this.log.event("info", "approval_posts_due", { request: request.id, waiting: due });
    return stored;
  }
}
