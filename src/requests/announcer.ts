import { errorMessage } from "../errorMessage.ts";
import type { AppLogger } from "../log.ts";
import type { ApproverEvent, Notifier, RequesterEvent, RequestStore } from "./ports.ts";
import type { Request } from "./request.ts";

/** An end of a request's life that everyone hears about. */
export type OutcomeEvent = "denied" | "cancelled" | "expired" | "created" | "failed";

/**
 * Tells people about a request through the Notifier. Slack being down must not undo a decision:
 * failures to notify are logged, not thrown.
 */
export class Announcer {
  constructor(
    private readonly store: RequestStore,
    private readonly notifier: Notifier,
    private readonly log: AppLogger,
  ) {}

  /**
   * Tells everyone an outcome, once, whichever process gets there first: edits the approval
   * message, replies in its thread, DMs the requester. Claimed before anything is sent, and only
   * while the request still has this outcome: several processes may have read it (a sweep on each
   * replica), and one of them may have read it before a retry replaced it.
   */
  async announceOutcome(request: Request, event: OutcomeEvent): Promise<void> {
    const claimed = await this.store.claimOutcomeNotification(request.id, request.status);
    if (!claimed) return;
    await this.refreshApprovalMessage(claimed);
    await this.tellApprovers(claimed, event);
    await this.tellRequester(claimed, event);
  }

  refreshApprovalMessage(request: Request): Promise<void> {
    return this.safely("refresh approval message", request, () => this.notifier.refreshApprovalMessage(request));
  }

  /** Replies in the approval message's thread. */
  tellApprovers(request: Request, event: Exclude<ApproverEvent, "reminder">): Promise<void> {
    return this.safely("thread reply", request, () => this.notifier.tellApprovers(request, event));
  }

  remind(request: Request): Promise<void> {
    return this.safely("reminder", request, () => this.notifier.tellApprovers(request, "reminder"));
  }

  tellRequester(request: Request, event: RequesterEvent): Promise<void> {
    return this.safely("tell requester", request, () => this.notifier.tellRequester(request, event));
  }

  private async safely(what: string, request: Request, action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.log.event("warn", "notify_failed", { request: request.id, what, error: errorMessage(error) });
    }
  }
}
