import { errorMessage } from "../errorMessage.ts";
import type { IdentityClients } from "../identity/client.ts";
import { IdentityApiError } from "../identity/errors.ts";
import type { RetryHooks } from "../identity/retry.ts";
import type { AppLogger } from "../log.ts";
import { withTimeout } from "../timeout.ts";
import type { Announcer } from "./announcer.ts";
import { type RequestKind, settingsOfForm } from "./clients.ts";
import { toIdentityBody } from "./identityBody.ts";
import { type RequestMetrics, type RequestStore, StoreUnavailableError } from "./ports.ts";
import type { Request, RequestStatus } from "./request.ts";
import { Slots } from "./slots.ts";
import type { Transitions } from "./transitions.ts";

/** The outcome note of a delete that found its client gone. */
export const ALREADY_DELETED_NOTE = "already deleted in the tenant";

const APPLIED_WORDS: Record<Exclude<RequestKind, "create" | "delete">, string> = {
  change: "changed",
  disable: "disabled",
  enable: "enabled",
};

/** What applying a request did: the client it made or acted on, the audit detail, and a note when there is one. */
interface Applied {
  clientId: string;
  detail: string;
  note?: string;
}

export interface CreationPolicy {
  /**
   * A creation under way renews its lease (the request's updated_at) every third of this; one
   * whose lease ended was abandoned by a process that died, and any process takes it over.
   */
  creationLeaseMs: number;
  /** Creations (Identity API call and announcements) running at once; more wait their turn. */
  maxConcurrentCreations: number;
  /** How long a created or failed request may wait for its own process to announce it before another does. */
  outcomeGraceMs: number;
}

/**
 * Creates the clients of approved requests through the Identity API, in the background and a few
 * at a time, and tells everyone how it went. Takes up creations a dead process left.
 */
export class Creations {
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly creationSlots: Slots;
  private stopping = false;

  constructor(
    private readonly store: RequestStore,
    private readonly identity: IdentityClients,
    private readonly transitions: Transitions,
    private readonly announcer: Announcer,
    private readonly policy: CreationPolicy,
    private readonly log: AppLogger,
    private readonly now: () => number,
    private readonly metrics: RequestMetrics,
  ) {
    this.creationSlots = new Slots(policy.maxConcurrentCreations);
  }

  /** The creation of request `id` under way in this process, if any. */
  underWay(id: number): Promise<void> | undefined {
    return this.inFlight.get(id);
  }

  /**
   * Claims the request (from `from` to `creating`, one conditional UPDATE) and runs the creation in
   * the background; `first` runs once it is claimed, before the Identity API is called. Resolves to
   * false when nothing was started: already under way here, stopping, or no longer in `from`.
   */
  launch(
    id: number,
    actor: string,
    from: RequestStatus,
    options: { first?: (claimed: Request) => Promise<void>; leaseEndedBefore?: number } = {},
  ): Promise<boolean> {
    if (this.inFlight.has(id) || this.stopping) return Promise.resolve(false);
    const started = this.now();
    let claimed: (value: boolean) => void = () => {};
    const claim = new Promise<boolean>((resolve) => {
      claimed = resolve;
    });
    // In the map before the claim is awaited, so a second click in this process waits for this one.
    const run = (async () => {
      const request = await this.transitions.move({
        id,
        from,
        to: "creating",
        actor,
        detail: "calling the Identity API",
        ...(options.leaseEndedBefore !== undefined ? { leaseEndedBefore: options.leaseEndedBefore } : {}),
      });
      claimed(request !== undefined);
      if (!request) return;
      const lease = this.keepLease(id);
      try {
        await options.first?.(request);
        // Bounded: under a burst of approvals, acks of new requests keep their event loop turns.
        await this.creationSlots.run(() => this.create(request, started));
      } finally {
        clearInterval(lease);
      }
    })()
      .catch((error: unknown) => {
        claimed(false);
        if (error instanceof StoreUnavailableError) {
          this.log.event("warn", "creation_interrupted", {
            request: id,
            error: error.message,
            resumes: "when its lease ends, on any process",
          });
        } else {
          this.log.event("error", "creation_crashed", { request: id, error: errorMessage(error) });
        }
      })
      .finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, run);
    return claim;
  }

  /**
   * Takes up what dead processes left: creations whose lease ended (at the start of a process that
   * alone writes its database, all of them) and outcomes nobody told.
   */
  async resume(atStart: boolean): Promise<void> {
    const now = this.now();
    const alone = atStart && !this.store.shared;
    const leaseEndedBefore = alone ? now + 1 : now - this.policy.creationLeaseMs;
    for (const request of await this.store.listCreationsToResume(leaseEndedBefore)) {
      if (this.inFlight.has(request.id)) continue;
      const resumed = await this.launch(request.id, "system", request.status, { leaseEndedBefore });
      if (resumed) this.log.event("info", "creation_resumed", { request: request.id, status: request.status });
    }
    const untoldBefore = alone ? now + 1 : now - this.policy.outcomeGraceMs;
    for (const request of await this.store.listUntoldOutcomes(untoldBefore, 50)) {
      if (this.inFlight.has(request.id)) continue;
      await this.announcer.announceOutcome(request, request.status === "created" ? "created" : "failed");
    }
  }

  /** Stops starting creations and waits (bounded) for those under way. */
  async drain(timeoutMs: number): Promise<boolean> {
    this.stopping = true;
    return (await withTimeout(Promise.allSettled([...this.inFlight.values()]), timeoutMs)).done;
  }

  isCreating(id: number): boolean {
    return this.inFlight.has(id);
  }

  /** Renews the lease of a claimed creation until cleared: other processes see it alive, queued or calling. */
  private keepLease(id: number): NodeJS.Timeout {
    const renewal = setInterval(() => {
      this.store.renewLease(id).catch((error: unknown) => {
        this.log.event("warn", "lease_renewal_failed", { request: id, error: errorMessage(error) });
      });
    }, this.policy.creationLeaseMs / 3);
    renewal.unref();
    return renewal;
  }

  /**
   * Does what the request asks of the Identity API: creates its client, changes the client it is
   * about (PUT, all its managed settings), or deletes it. Each is safe to repeat after a crash or a
   * lost answer: our own GUID for a creation, the same values for a change, a 404 for a delete.
   */
  private async apply(request: Request, hooks: RetryHooks): Promise<Applied> {
    const identity = this.identity.forTenant(request.tenant);
    if (request.kind === "create") {
      const ensured = await identity.ensureAuthorizationCodeClient(toIdentityBody(request), hooks);
      return {
        clientId: ensured.clientId,
        detail: `client ${ensured.clientId}${ensured.alreadyExisted ? " (found after a repeated request)" : ""}`,
      };
    }
    const target = request.targetClientId;
    if (!target || !request.baseline) throw new Error(`Request #${request.id} names no client to ${request.kind}`);
    if (request.kind === "delete") {
      const deleted = await identity.deleteAuthorizationCodeClient(target, hooks);
      // Gone at the first call of this run, but an earlier run (a crash, a retry) called already:
      // that call may well have deleted it.
      const goneBefore = deleted.alreadyGone && request.attempts === 0;
      return goneBefore
        ? { clientId: target, detail: `client ${target} was already gone`, note: ALREADY_DELETED_NOTE }
        : { clientId: target, detail: `client ${target} deleted` };
    }
    const enabled = request.kind === "change" ? request.baseline.enabled : request.kind === "enable";
    await identity.updateAuthorizationCodeClient(target, settingsOfForm(request, enabled), hooks);
    return { clientId: target, detail: `client ${target} ${APPLIED_WORDS[request.kind]}` };
  }

  private async create(claimed: Request, started: number): Promise<void> {
    const id = claimed.id;
    let outcome: Request | undefined;
    try {
      await this.store.countAttempt(id);
      const applied = await this.apply(claimed, {
        onRetry: async ({ attempt, delayMs, error }) => {
          this.log.event("warn", "identity_retry", {
            request: id,
            attempt,
            delayMs,
            status: error.status,
            error: error.error,
            operationId: error.operationId,
          });
          // Counts every call, so "failed after N attempts" is true.
          await this.store.countAttempt(id);
        },
      });
      const note = [claimed.outcomeNote, applied.note].filter(Boolean).join("; ");
      outcome = await this.transitions.move({
        id,
        from: "creating",
        to: "created",
        actor: "system",
        detail: applied.detail,
        set: {
          createdClientId: applied.clientId,
          lastError: null,
          outcomeNotifiedAt: null,
          ...(applied.note ? { outcomeNote: note } : {}),
        },
        durationMs: this.now() - started,
      });
      if (outcome) {
        this.metrics.creationFinished("created", this.now() - started);
        await this.announcer.announceOutcome(outcome, "created");
      }
    } catch (error) {
      // The database, not the Identity API, failed: the client may well exist by now. Calling the
      // request failed would be wrong (and would not be recorded either if the database stays
      // down); left `creating`, it is taken over once its lease ends and finished by a 409 and a GET.
      if (error instanceof StoreUnavailableError) throw error;
      if (error instanceof IdentityApiError && error.kind === "configuration") {
        // Not the request's fault: the bot's own settings are wrong, and only an administrator can fix them.
        this.log.event("error", "identity_configuration_problem", {
          request: id,
          tenant: claimed.tenant,
          error: error.error,
          resolution: error.resolution,
        });
      }
      const stored =
        error instanceof IdentityApiError
          ? error.toStored()
          : { error: "The bot could not complete the request.", reason: errorMessage(error) };
      outcome = await this.transitions.move({
        id,
        from: "creating",
        to: "failed",
        actor: "system",
        detail: [stored.status, stored.error, stored.operationId && `OperationId ${stored.operationId}`]
          .filter(Boolean)
          .join(" "),
        set: { lastError: stored, outcomeNotifiedAt: null },
        durationMs: this.now() - started,
      });
      if (outcome) {
        this.metrics.creationFinished("failed", this.now() - started);
        await this.announcer.announceOutcome(outcome, "failed");
      }
    }
  }
}
