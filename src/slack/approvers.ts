import type { WebClient } from "@slack/web-api";
import { errorMessage } from "../errorMessage.ts";
import type { AppLogger } from "../log.ts";
import type { ApproverDirectory } from "../requests/ports.ts";

const GROUP_CACHE_MS = 60_000;

/** Approvers are the listed users plus the members of a user group (looked up, cached briefly). */
export class SlackApprovers implements ApproverDirectory {
  private group: { members: Set<string>; fetchedAt: number } | undefined;
  private loading: Promise<Set<string>> | undefined;

  constructor(
    private readonly client: WebClient,
    private readonly userIds: readonly string[],
    private readonly usergroupId: string | undefined,
    private readonly log: AppLogger,
    private readonly now: () => number = Date.now,
  ) {}

  async isApprover(userId: string): Promise<boolean> {
    if (this.userIds.includes(userId)) return true;
    if (!this.usergroupId) return false;
    return (await this.groupMembers()).has(userId);
  }

  private async groupMembers(): Promise<Set<string>> {
    if (this.group && this.now() - this.group.fetchedAt < GROUP_CACHE_MS) return this.group.members;
    this.loading ??= this.fetchGroup().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async fetchGroup(): Promise<Set<string>> {
    try {
      const answer = await this.client.usergroups.users.list({ usergroup: this.usergroupId as string });
      const members = new Set(answer.users ?? []);
      this.group = { members, fetchedAt: this.now() };
      return members;
    } catch (error) {
      // Fail closed, but keep honouring a recently known membership.
      this.log.event("warn", "usergroup_lookup_failed", {
        error: errorMessage(error),
      });
      return this.group?.members ?? new Set();
    }
  }
}
