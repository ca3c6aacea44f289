import type { ApproverSet } from "../config.ts";
import { errorMessage } from "../errorMessage.ts";
import type { AppLogger } from "../log.ts";
import { type ApproverDirectory, ApproversUnknownError } from "../requests/ports.ts";

/** How long a member list read from Slack counts as current. */
const GROUP_CACHE_MS = 60_000;

/**
 * How long the last member list read stays in use while Slack cannot be asked: someone removed
 * from the group may still decide for at most this long. Past it, decisions by group members are
 * refused (the directory cannot tell) rather than allowed or denied on a guess.
 */
export const LIST_OF_APPROVERS_MAX_AGE_MS = 5 * 60_000;

/** The one Web API call the directory makes (a WebClient has it). */
export interface UsergroupLookup {
  usergroups: {
    users: { list(args: { usergroup: string }): Promise<{ users?: string[] | undefined }> };
  };
}

/**
 * Approvers are the listed users plus the members of a user group (looked up, cached briefly):
 * a tenant's own, or else the global ones. One member list per configured group, so the cache is
 * bounded by the configuration.
 */
export class SlackApprovers implements ApproverDirectory {
  private readonly groups = new Map<string, { members: Set<string>; fetchedAt: number }>();
  private readonly loading = new Map<string, Promise<Set<string>>>();

  constructor(
    private readonly client: UsergroupLookup,
    private readonly global: ApproverSet,
    /** Every configured tenant, with its own approvers or undefined for the global ones. */
    private readonly tenants: ReadonlyMap<string, ApproverSet | undefined>,
    private readonly log: AppLogger,
    private readonly now: () => number = Date.now,
  ) {}

  /** A tenant no longer configured has the global approvers (they can still deny its requests). */
  isApprover(userId: string, tenant: string): Promise<boolean> {
    return this.inSet(userId, this.tenants.get(tenant) ?? this.global);
  }

  /**
   * The tenants `userId` approves for. A tenant whose group cannot be read is left out (nothing is
   * shown on a guess); when that leaves none while some could not be told, ApproversUnknownError.
   */
  async tenantsOf(userId: string): Promise<string[]> {
    const tenants: string[] = [];
    let unknown: ApproversUnknownError | undefined;
    for (const [name, own] of this.tenants) {
      try {
        if (await this.inSet(userId, own ?? this.global)) tenants.push(name);
      } catch (error) {
        if (!(error instanceof ApproversUnknownError)) throw error;
        unknown = error;
      }
    }
    if (tenants.length === 0 && unknown) throw unknown;
    return tenants;
  }

  private async inSet(userId: string, set: ApproverSet): Promise<boolean> {
    if (set.userIds.includes(userId)) return true;
    if (!set.usergroupId) return false;
    return (await this.groupMembers(set.usergroupId)).has(userId);
  }

  private async groupMembers(usergroup: string): Promise<Set<string>> {
    const group = this.groups.get(usergroup);
    if (group && this.now() - group.fetchedAt < GROUP_CACHE_MS) return group.members;
    let loading = this.loading.get(usergroup);
    if (!loading) {
      loading = this.fetchGroup(usergroup).finally(() => this.loading.delete(usergroup));
      this.loading.set(usergroup, loading);
    }
    return loading;
  }

  private async fetchGroup(usergroup: string): Promise<Set<string>> {
    try {
      const answer = await this.client.usergroups.users.list({ usergroup });
      const members = new Set(answer.users ?? []);
      this.groups.set(usergroup, { members, fetchedAt: this.now() });
      return members;
    } catch (error) {
      const group = this.groups.get(usergroup);
      const ageMs = group ? this.now() - group.fetchedAt : undefined;
      const usable = ageMs !== undefined && ageMs < LIST_OF_APPROVERS_MAX_AGE_MS;
      this.log.event("warn", "usergroup_lookup_failed", {
        usergroup,
        error: errorMessage(error),
        lastKnownAgeSeconds: ageMs === undefined ? null : Math.round(ageMs / 1000),
        using: usable ? "last known members" : "nobody",
      });
      if (usable && group) return group.members;
      throw new ApproversUnknownError(
        `The approvers are unknown: the members of ${usergroup} could not be read (${errorMessage(error)}).`,
        { cause: error },
      );
    }
  }
}
