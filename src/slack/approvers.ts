import type { WebClient } from "@slack/web-api";
import type { ApproverSet } from "../config.ts";
import { errorMessage } from "../errorMessage.ts";
import type { AppLogger } from "../log.ts";
import type { ApproverDirectory } from "../requests/ports.ts";

const GROUP_CACHE_MS = 60_000;

/**
 * Approvers are the listed users plus the members of a user group (looked up, cached briefly):
 * a tenant's own, or else the global ones.
 */
export class SlackApprovers implements ApproverDirectory {
  private readonly groups = new Map<string, { members: Set<string>; fetchedAt: number }>();
  private readonly loading = new Map<string, Promise<Set<string>>>();

  constructor(
    private readonly client: WebClient,
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

  async tenantsOf(userId: string): Promise<string[]> {
    const tenants: string[] = [];
    for (const [name, own] of this.tenants) {
      if (await this.inSet(userId, own ?? this.global)) tenants.push(name);
    }
    return tenants;
  }

  private async inSet(userId: string, set: ApproverSet): Promise<boolean> {
    if (set.userIds.includes(userId)) return true;
    if (!set.usergroupId) return false;
    return (await this.groupMembers(set.usergroupId)).has(userId);
  }

  private async groupMembers(usergroupId: string): Promise<Set<string>> {
    const group = this.groups.get(usergroupId);
    if (group && this.now() - group.fetchedAt < GROUP_CACHE_MS) return group.members;
    let loading = this.loading.get(usergroupId);
    if (!loading) {
      loading = this.fetchGroup(usergroupId).finally(() => this.loading.delete(usergroupId));
      this.loading.set(usergroupId, loading);
    }
    return loading;
  }

  private async fetchGroup(usergroupId: string): Promise<Set<string>> {
    try {
      const answer = await this.client.usergroups.users.list({ usergroup: usergroupId });
      const members = new Set(answer.users ?? []);
      this.groups.set(usergroupId, { members, fetchedAt: this.now() });
      return members;
    } catch (error) {
      // Fail closed, but keep honouring a recently known membership.
      this.log.event("warn", "usergroup_lookup_failed", {
        usergroup: usergroupId,
        error: errorMessage(error),
      });
      return this.groups.get(usergroupId)?.members ?? new Set();
    }
  }
}
