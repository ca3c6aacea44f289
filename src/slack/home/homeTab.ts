import type { HomeView } from "@slack/types";
import type { WebClient } from "@slack/web-api";
import { errorMessage } from "../../errorMessage.ts";
import type { AppLogger } from "../../log.ts";
import { type RequestReader, StoreUnavailableError } from "../../requests/ports.ts";
import type { Request, RequestStatus } from "../../requests/request.ts";
import type { RequestService } from "../../requests/service.ts";
import { section } from "../surfaces/blocks.ts";
import { HOME_CLIENTS_SIZE } from "../surfaces/clientsList.ts";
import { HOME_PAGE_SIZE, HOME_WAITING_SIZE, type HomeCursor, homeView } from "../surfaces/home.ts";

/** What the Home tab reads and shows: the domain, and a few facts of the configuration. */
export interface HomeTabDeps {
  service: RequestService;
  reads: RequestReader;
  log: AppLogger;
  approvalChannelId: string;
  /** Label shown for a tenant, or undefined when only one tenant is configured. */
  tenantLabel: (tenant: string) => string | undefined;
}

export interface HomeTabOptions {
  /** How long after opening the tab someone counts as looking at it (their Home follows changes). */
  watchMs?: number;
  /** At most this many people's Homes are kept up to date at once (the most recent viewers). */
  maxWatchers?: number;
}

interface Watcher {
  cursor: HomeCursor;
  approver: boolean;
  seenAt: number;
}

/** App Home while the database cannot be reached. */
const UNREACHABLE_DATABASE_HOME: HomeView = {
  type: "home",
  blocks: [
    section(
      ":warning: I can't reach my database just now, so I can't show your requests. Please open this tab again in a minute.",
    ),
  ],
};

/** A change into or out of these statuses changes someone's "Waiting for you". */
const WAITING_CHANGES: ReadonlySet<RequestStatus> = new Set(["pending", "approved", "denied", "cancelled", "expired"]);

/**
 * Publishes App Home tabs and keeps those of recent viewers current: after a request changes,
 * its requester's Home and the approvers' Homes are re-published if they opened the tab lately.
 * At most one publish per person runs at a time; changes arriving meanwhile cause one more.
 */
export class HomeTab {
  private readonly watchers = new Map<string, Watcher>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly rerun = new Set<string>();
  private stopped = false;
  private readonly watchMs: number;
  private readonly maxWatchers: number;

  constructor(
    private readonly client: WebClient,
    private readonly deps: HomeTabDeps,
    options: HomeTabOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.watchMs = options.watchMs ?? 15 * 60_000;
    this.maxWatchers = options.maxWatchers ?? 200;
  }

  /** The Home view for one person (database reads only; no Slack call). */
  async build(userId: string, cursor: HomeCursor, notice?: string): Promise<{ view: HomeView; approver: boolean }> {
    const { service, reads } = this.deps;
    const [tenants, page, mineTotal, clients] = await Promise.all([
      service.approverTenants(userId),
      reads.pageByRequester(userId, cursor, HOME_PAGE_SIZE),
      reads.countByRequester(userId),
      service.clientsOf(userId, HOME_CLIENTS_SIZE + 1),
    ]);
    const approver = tenants.length > 0;
    const waitingFor = { approverId: userId, tenants, ownIncluded: service.allowsSelfApproval };
    const view = homeView({
      mine: page.rows,
      mineTotal,
      hasNewer: page.hasNewer,
      hasOlder: page.hasOlder,
      cursor,
      waiting: approver ? await reads.pendingFor(waitingFor, HOME_WAITING_SIZE) : undefined,
      approvalChannelId: this.deps.approvalChannelId,
      tenantLabel: this.deps.tenantLabel,
      notice,
      clients: { entries: clients.slice(0, HOME_CLIENTS_SIZE), more: clients.length > HOME_CLIENTS_SIZE },
    });
    return { view, approver };
  }

  /** Publishes `userId`'s Home at `cursor` (with an optional note): they are looking at it now. */
  publish(userId: string, cursor: HomeCursor = {}, notice?: string): Promise<void> {
    return this.render(userId, cursor, notice, true);
  }

  private async render(userId: string, cursor: HomeCursor, notice: string | undefined, seen: boolean): Promise<void> {
    if (this.stopped) return;
    try {
      const view = await this.build(userId, cursor, notice).then(
        ({ view, approver }) => {
          const seenAt = seen ? this.now() : (this.watchers.get(userId)?.seenAt ?? this.now());
          this.watch(userId, { cursor, approver, seenAt });
          return view;
        },
        (error: unknown) => {
          if (!(error instanceof StoreUnavailableError)) throw error;
          // Better than an empty or stale tab: say why there is nothing to show.
          this.deps.log.event("warn", "home_database_unavailable", { user: userId, error: error.message });
          return UNREACHABLE_DATABASE_HOME;
        },
      );
      await this.client.views.publish({ user_id: userId, view });
    } catch (error) {
      this.deps.log.event("warn", "home_publish_failed", {
        user: userId,
        error: errorMessage(error),
      });
    }
  }

  /** Re-publishes `userId`'s Home as it last was (or at `cursor`), coalescing concurrent refreshes. */
  refresh(userId: string, cursor?: HomeCursor): Promise<void> {
    const known = this.watchers.get(userId);
    if (cursor) this.watch(userId, { cursor, approver: known?.approver ?? false, seenAt: this.now() });
    const running = this.running.get(userId);
    if (running) {
      this.rerun.add(userId);
      return running;
    }
    const run = this.render(userId, this.watchers.get(userId)?.cursor ?? {}, undefined, false).finally(() => {
      this.running.delete(userId);
      if (this.rerun.delete(userId)) void this.refresh(userId);
    });
    this.running.set(userId, run);
    return run;
  }

  /** Called after any request changed: refreshes the Homes that show it to someone looking. */
  requestChanged(request: Request): void {
    if (this.stopped) return;
    const now = this.now();
    for (const [userId, watcher] of this.watchers) {
      if (now - watcher.seenAt > this.watchMs) {
        this.watchers.delete(userId);
        continue;
      }
      if (userId === request.requesterId || (watcher.approver && WAITING_CHANGES.has(request.status))) {
        void this.refresh(userId);
      }
    }
  }

  /** Stops publishing (the app is stopping); waits for publishes under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.running.values()]);
  }

  private watch(userId: string, watcher: Watcher): void {
    this.watchers.delete(userId);
    this.watchers.set(userId, watcher);
    while (this.watchers.size > this.maxWatchers) {
      const oldest = this.watchers.keys().next().value;
      if (oldest === undefined) break;
      this.watchers.delete(oldest);
    }
  }
}
