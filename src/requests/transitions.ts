import { errorMessage } from "../errorMessage.ts";
import type { AppLogger } from "../log.ts";
import type { ApprovalInput, RequestMetrics, RequestStore, TransitionInput } from "./ports.ts";
import type { Request } from "./request.ts";

/**
 * Moves requests from one status to another: every transition is logged, and every change (a new
 * request included) is told to the change listeners.
 */
export class Transitions {
  private readonly changeListeners: ((request: Request) => void)[] = [];

  constructor(
    private readonly store: RequestStore,
    private readonly log: AppLogger,
    private readonly metrics: RequestMetrics,
  ) {}

  /** Listeners must not throw; they run synchronously. */
  onChange(listener: (request: Request) => void): void {
    this.changeListeners.push(listener);
  }

  /** A request just recorded as pending. */
  recorded(request: Request, actor: string): void {
    this.log.event("info", "transition", { request: request.id, actor, from: null, to: "pending" });
    this.metrics.transitioned("pending");
    this.changed(request);
  }

  async move(input: TransitionInput & { durationMs?: number }): Promise<Request | undefined> {
    const moved = await this.store.transition(input);
    if (moved) {
      this.log.event("info", "transition", {
        request: input.id,
        actor: input.actor,
        from: input.from,
        to: input.to,
        ...(input.durationMs !== undefined ? { durationMs: input.durationMs } : {}),
        // How long since the request was recorded (waiting for a decision, for a creation).
        ageMs: moved.updatedAt - moved.createdAt,
      });
      this.metrics.transitioned(input.to);
      this.changed(moved);
    }
    return moved;
  }

  /** Counts an approval (RequestStore.approve); the last one needed moves the request to approved. */
  async approve(input: ApprovalInput): Promise<Request | undefined> {
    const { id, actor } = input;
    const counted = await this.store.approve(input);
    if (!counted) return undefined;
    const approvals = { approvals: counted.approvedBy.length, required: counted.requiredApprovals };
    if (counted.status === "approved") {
      this.log.event("info", "transition", {
        request: id,
        actor,
        from: "pending",
        to: "approved",
        ...approvals,
        ageMs: counted.updatedAt - counted.createdAt,
      });
      this.metrics.transitioned("approved");
    } else {
      this.log.event("info", "approval_counted", { request: id, actor, ...approvals });
    }
    this.changed(counted);
    return counted;
  }

  private changed(request: Request): void {
    for (const listener of this.changeListeners) {
      try {
        listener(request);
      } catch (error) {
        this.log.event("warn", "change_listener_failed", { request: request.id, error: errorMessage(error) });
      }
    }
  }
}
