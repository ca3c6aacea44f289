import type { RequestStatus } from "../db/schema.ts";
import { errorMessage } from "../errorMessage.ts";
import type { IdentityClients } from "../identity/client.ts";
import { IdentityApiError } from "../identity/errors.ts";
import type { AppLogger } from "../log.ts";
import type { Announcer } from "./announcer.ts";
import { toIdentityBody } from "./identityBody.ts";
import type { Request, RequestRepository } from "./repository.ts";
import { Slots } from "./slots.ts";
import type { Transitions } from "./transitions.ts";

export interface CreationPolicy {
  /** How long one creation may keep retrying; a `creating` request older than this was abandoned. */
  creationWindowMs: number;
  /** Creations (Identity API call and announcements) running at once; more wait their turn. */
  maxConcurrentCreations: number;
}

/**
 * Creates the clients of approved requests through the Identity API, in the background and a few
 * at a time, and tells everyone how it went. Takes up creations a stopped process left.
 */
export class Creations {
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly creationSlots: Slots;
  private stopping = false;

  constructor(
    private readonly repo: RequestRepository,
    private readonly identity: IdentityClients,
    private readonly transitions: Transitions,
    private readonly announcer: Announcer,
    private readonly policy: CreationPolicy,
    private readonly log: AppLogger,
    private readonly now: () => number,
  ) {
    this.creationSlots = new Slots(policy.maxConcurrentCreations);
  }

  /** The creation of request `id` under way in this process, if any. */
  underWay(id: number): Promise<void> | undefined {
    return this.inFlight.get(id);
  }

  /**
   * Starts creating the client in the background (the Slack listener has acked already).
   * A request already being created in this process is left to that run. `first` runs once the
   * request is claimed, before the Identity API is called (e.g. to edit the approval message).
   */
  start(
    id: number,
    actor: string,
    from: RequestStatus[],
    first: (claimed: Request) => Promise<void> = async () => {},
  ): Promise<void> {
    return this.inFlight.get(id) ?? this.launch(id, actor, from, first) ?? Promise.resolve();
  }

  /**
   * Claims the request (from one of `from` to `creating`, one conditional UPDATE, synchronously, so
   * the resume sweep and other clicks see it taken at once) and runs the creation in the background.
   * Undefined when nothing was started: already under way here, stopping, or not in `from` any more.
   */
  launch(
    id: number,
    actor: string,
    from: RequestStatus[],
    first: (claimed: Request) => Promise<void>,
  ): Promise<void> | undefined {
    if (this.inFlight.has(id) || this.stopping) return undefined;
    const started = this.now();
    const claimed = this.transitions.move({ id, from, to: "creating", actor, detail: "calling the Identity API" });
    if (!claimed) return undefined;
    const run = first(claimed)
      // Bounded: under a burst of approvals, acks of new requests keep their event loop turns.
      .then(() => this.creationSlots.run(() => this.create(claimed, started)))
      .catch((error: unknown) =>
        this.log.event("error", "creation_crashed", { request: id, error: errorMessage(error) }),
      )
      .finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, run);
    return run;
  }

  /**
   * Takes up what a stopped process left: creations under way (at start all of them, later those
   * abandoned for longer than the creation window) and outcomes not yet told.
   */
  async resume(atStart: boolean): Promise<void> {
    const staleBefore = atStart ? Number.POSITIVE_INFINITY : this.now() - this.policy.creationWindowMs;
    for (const request of this.repo.listInCreation()) {
      if (this.inFlight.has(request.id)) continue;
      if (request.status === "creating" && request.updatedAt >= staleBefore) continue;
      this.log.event("info", "creation_resumed", { request: request.id, status: request.status });
      this.start(request.id, "system", [request.status]);
    }
    for (const request of this.repo.listUntoldOutcomes()) {
      if (this.inFlight.has(request.id)) continue;
      if (request.status === "created") await this.announcer.announceOutcome(request, "created");
      else await this.announcer.announceOutcome(request, "failed");
    }
  }

  /** Stops starting creations and waits (bounded) for those under way. */
  async drain(timeoutMs: number): Promise<boolean> {
    this.stopping = true;
    const all = Promise.allSettled([...this.inFlight.values()]).then(() => true);
    const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
    return Promise.race([all, timeout]);
  }

  isCreating(id: number): boolean {
    return this.inFlight.has(id);
  }

  private async create(claimed: Request, started: number): Promise<void> {
    const id = claimed.id;
    let outcome: Request | undefined;
    this.repo.raiseAttempts(id);
    try {
      const ensured = await this.identity
        .forTenant(claimed.tenant)
        .ensureAuthorizationCodeClient(toIdentityBody(claimed), {
          onRetry: ({ attempt, delayMs, error }) => {
            // Counts every call to the Identity API, so "failed after N attempts" is true; also shows the run is alive.
            this.repo.raiseAttempts(id);
            this.repo.touch(id);
            this.log.event("warn", "identity_retry", {
              request: id,
              attempt,
              delayMs,
              status: error.status,
              error: error.error,
              operationId: error.operationId,
            });
          },
        });
      outcome = this.transitions.move({
        id,
        from: ["creating"],
        to: "created",
        actor: "system",
        detail: `client ${ensured.clientId}${ensured.alreadyExisted ? " (found after a repeated request)" : ""}`,
        set: { createdClientId: ensured.clientId, lastError: null, outcomeNotifiedAt: null },
        durationMs: this.now() - started,
      });
      if (outcome) await this.announcer.announceOutcome(outcome, "created");
    } catch (error) {
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
      outcome = this.transitions.move({
        id,
        from: ["creating"],
        to: "failed",
        actor: "system",
        detail: [stored.status, stored.error, stored.operationId && `OperationId ${stored.operationId}`]
          .filter(Boolean)
          .join(" "),
        set: { lastError: stored, outcomeNotifiedAt: null },
        durationMs: this.now() - started,
      });
      if (outcome) await this.announcer.announceOutcome(outcome, "failed");
    }
  }
}
