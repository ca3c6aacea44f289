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
export const APPROVER_LIST_MAX_AGE_MS = 5 * 60_000;

/** The one Web API call the directory makes (a WebClient has it). */
export interface UsergroupLookup {
  usergroups: {
    users: { list(args: { usergroup: string }): Promise<{ users?: string[] | undefined }> };
  };
}

/** Approvers are the listed users plus the members of a user group (looked up, cached briefly). */
export class SlackApprovers implements ApproverDirectory {
  private group: { members: Set<string>; fetchedAt: number } | undefined;
  private loading: Promise<Set<string>> | undefined;

  constructor(
    private readonly client: UsergroupLookup,
    private readonly userIds: readonly string[],
    private readonly usergroupId: string | undefined,
    private readonly log: AppLogger,
    private readonly now: () => number = Date.now,
  ) {}

  async isApprover(userId: string): Promise<boolean> {
    if (this.userIds.includes(userId)) return true;
    if (!this.usergroupId) return false;
    return (await this.groupMembers(this.usergroupId)).has(userId);
  }

  private async groupMembers(usergroup: string): Promise<Set<string>> {
    if (this.group && this.now() - this.group.fetchedAt < GROUP_CACHE_MS) return this.group.members;
    this.loading ??= this.fetchGroup(usergroup).finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async fetchGroup(usergroup: string): Promise<Set<string>> {
    try {
      const answer = await this.client.usergroups.users.list({ usergroup });
      const members = new Set(answer.users ?? []);
      this.group = { members, fetchedAt: this.now() };
      return members;
    } catch (error) {
      const ageMs = this.group ? this.now() - this.group.fetchedAt : undefined;
      const usable = ageMs !== undefined && ageMs < APPROVER_LIST_MAX_AGE_MS;
      this.log.event("warn", "usergroup_lookup_failed", {
        error: errorMessage(error),
        lastKnownAgeSeconds: ageMs === undefined ? null : Math.round(ageMs / 1000),
        using: usable ? "last known members" : "nobody",
      });
      if (usable && this.group) return this.group.members;
      throw new ApproversUnknownError(
        `The approvers are unknown: the members of ${usergroup} could not be read (${errorMessage(error)}).`,
        { cause: error },
      );
    }
  }
}
