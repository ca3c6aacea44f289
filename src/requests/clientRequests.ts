import type { IdentityClients } from "../identity/client.ts";
import {
  type ClientRequestKind,
  type ClientSettings,
  changesBetween,
  hasChanges,
  LIST_FIELDS,
  type SettingsChanges,
  settingsOfForm,
} from "./clients.ts";
import type { RequestForm } from "./form.ts";
import type { RequestStore } from "./ports.ts";
import type { Request } from "./request.ts";
import { Slots } from "./slots.ts";

/*
 * Clients created through the bot, after their creation: who may manage which, and what the
 * tenant says of them now (docs/ARCHITECTURE.md, "After the client exists").
 */

/** A client as the tenant has it now: its settings, gone (404), or unreadable (any failure, a slow answer). */
export type LiveClient = ClientSettings | "gone" | "unreadable";

/** A client created through the bot, as listed and looked up. */
export interface ClientEntry {
  clientId: string;
  tenant: string;
  /** The request that created it (kind "create", status created). */
  createdBy: Request;
  live: LiveClient;
  /** Requests about it still open (pending, approved, being applied), oldest first. */
  open: Request[];
}

/** A client that can be asked about now: read from the tenant just now. */
type ReadableClientEntry = ClientEntry & { live: ClientSettings };

/**
 * Why a request about a client cannot be made. "not_found" also answers someone who may not
 * manage it: a refusal must not tell whose client it is.
 */
export type ClientRefusal = "not_found" | "gone" | "unreadable" | "approvers_unknown";

export type ClientLookup = { ok: true; entry: ClientEntry } | { ok: false; refusal: "not_found" | "approvers_unknown" };
export type ClientForRequest = { ok: true; entry: ReadableClientEntry } | { ok: false; refusal: ClientRefusal };

/** How the client differs from the request's baseline now: changed, or gone. */
export interface Drift {
  live: ClientSettings | "gone";
  /** baseline → live; empty when the client is gone. */
  changes: SettingsChanges;
}

/** The decision reason of a request sent back for drift: the notifier words a "denied" event so. */
export const SENT_BACK_REASON =
  "Sent back: the client changed in the tenant since the request was made. Submit the change again from its current settings.";

export function isSentBack(request: Pick<Request, "status" | "decisionReason">): boolean {
  return request.status === "denied" && request.decisionReason === SENT_BACK_REASON;
}

/** Live reads of a listing run a few at a time. */
const LIVE_READS_AT_ONCE = 3;

/** Whether `userId` approves `tenant`'s requests; "unknown" while the directory cannot tell. */
export type ApproverCheck = (userId: string, tenant: string) => Promise<boolean | "unknown">;

export class ClientRequests {
  constructor(
    private readonly store: RequestStore,
    private readonly identity: IdentityClients,
    private readonly approverOf: ApproverCheck,
  ) {}

  /** The clients `userId` asked for through the bot, newest first, each read live (bounded, never throws). */
  async clientsOf(userId: string, limit: number): Promise<ClientEntry[]> {
    const origins = await this.store.managedClientsOf(userId, limit);
    const open = await this.openAbout(origins);
    const slots = new Slots(LIVE_READS_AT_ONCE);
    return Promise.all(
      origins.map(async (createdBy) => {
        const clientId = createdBy.createdClientId ?? "";
        const live = await slots.run(() => this.readLive(createdBy.tenant, clientId));
        return { clientId, tenant: createdBy.tenant, createdBy, live, open: open.get(clientId) ?? [] };
      }),
    );
  }

  /**
   * A client by a request number (`12`, `#12`: the request that created it, or any request about
   * it) or by its client Id, for its original requester or an approver of its tenant.
   */
  async lookUp(query: string, viewerId: string): Promise<ClientLookup> {
    const createdBy = await this.originOf(query.trim());
    if (!createdBy) return { ok: false, refusal: "not_found" };
    const access = await this.mayManage(createdBy, viewerId);
    if (access !== "yes") return { ok: false, refusal: access };
    return { ok: true, entry: await this.entryOf(createdBy) };
  }

  /** A client of `tenant` that `userId` may ask about, read live just now (to pre-fill a form, to confirm). */
  async forRequest(tenant: string, clientId: string, userId: string): Promise<ClientForRequest> {
    const createdBy = await this.store.createRequestOfClient(clientId);
    if (!createdBy || createdBy.tenant !== tenant) return { ok: false, refusal: "not_found" };
    const access = await this.mayManage(createdBy, userId);
    if (access !== "yes") return { ok: false, refusal: access };
    const entry = await this.entryOf(createdBy);
    if (entry.live === "gone" || entry.live === "unreadable") return { ok: false, refusal: entry.live };
    return { ok: true, entry: { ...entry, live: entry.live } };
  }

  /** How the request's client differs from its baseline now; "unreadable" when it cannot be read. */
  async driftOf(request: Request): Promise<Drift | "none" | "unreadable"> {
    const live = await this.readLive(request.tenant, request.targetClientId ?? "");
    if (live === "unreadable") return live;
    if (live === "gone") return { live, changes: {} };
    // A request about a client always has its baseline; without one, nothing can be compared.
    if (!request.baseline) return "unreadable";
    const changes = changesBetween(request.baseline, live);
    return hasChanges(changes) ? { live, changes } : "none";
  }

  private async originOf(query: string): Promise<Request | undefined> {
    const number = /^#?([1-9]\d{0,11})$/.exec(query)?.[1];
    if (number === undefined) return query === "" ? undefined : this.store.createRequestOfClient(query);
    const request = await this.store.get(Number(number));
    if (!request) return undefined;
    if (request.kind === "create") {
      return request.status === "created" && request.createdClientId ? request : undefined;
    }
    return request.targetClientId ? this.store.createRequestOfClient(request.targetClientId) : undefined;
  }

  /** Its original requester, and the approvers of its tenant. */
  private async mayManage(createdBy: Request, userId: string): Promise<"yes" | "not_found" | "approvers_unknown"> {
    if (createdBy.requesterId === userId) return "yes";
    const approver = await this.approverOf(userId, createdBy.tenant);
    if (approver === "unknown") return "approvers_unknown";
    return approver ? "yes" : "not_found";
  }

  private async entryOf(createdBy: Request): Promise<ClientEntry> {
    const clientId = createdBy.createdClientId ?? "";
    const [live, open] = await Promise.all([
      this.readLive(createdBy.tenant, clientId),
      this.store.openRequestsAbout([clientId]),
    ]);
    return { clientId, tenant: createdBy.tenant, createdBy, live, open };
  }

  private async openAbout(origins: Request[]): Promise<Map<string, Request[]>> {
    const ids = origins.flatMap((r) => (r.createdClientId ? [r.createdClientId] : []));
    const byClient = new Map<string, Request[]>();
    for (const request of await this.store.openRequestsAbout(ids)) {
      const id = request.targetClientId ?? "";
      byClient.set(id, [...(byClient.get(id) ?? []), request]);
    }
    return byClient;
  }

  /** One bounded read (IdentityClient's short timeout, no retries); a failure is "unreadable", never thrown. */
  private async readLive(tenant: string, clientId: string): Promise<LiveClient> {
    try {
      return (await this.identity.forTenant(tenant).readAuthorizationCodeClient(clientId)) ?? "gone";
    } catch {
      return "unreadable";
    }
  }
}

/**
 * The form a request about a client records: for a change, the settings asked for; otherwise the
 * baseline's. The tenant and the justification are the request's own.
 */
export function askedForm(
  input: { kind: ClientRequestKind; tenant: string; form?: RequestForm; justification: string },
  baseline: ClientSettings,
): RequestForm {
  const { tenant, justification } = input;
  if (input.kind === "change" && input.form) return { ...input.form, tenant, justification };
  return {
    tenant,
    name: baseline.name,
    redirectUris: [...baseline.redirectUris],
    postLogoutRedirectUris: [...baseline.postLogoutRedirectUris],
    allowedCorsOrigins: [...baseline.allowedCorsOrigins],
    accessTokenLifetime: baseline.accessTokenLifetime,
    justification,
  };
}

/** A change to the settings the client has, disabling a disabled client, enabling an enabled one. */
export function changesNothing(kind: ClientRequestKind, baseline: ClientSettings, form: RequestForm): boolean {
  if (kind === "change") return !hasChanges(changesBetween(baseline, settingsOfForm(form, baseline.enabled)));
  return (kind === "disable" && !baseline.enabled) || (kind === "enable" && baseline.enabled);
}

const FIELD_WORDS: Record<keyof SettingsChanges, string> = {
  name: "name",
  redirectUris: "redirect URLs",
  postLogoutRedirectUris: "logout redirect URLs",
  allowedCorsOrigins: "CORS origins",
  accessTokenLifetime: "token lifetime",
  enabled: "enabled",
};

/** What an approval despite drift records (the outcome note, the audit detail). */
export function driftNote(actor: string, drift: Drift): string {
  if (drift.live === "gone") {
    return `approved although the client was no longer in the tenant (approved by <@${actor}>)`;
  }
  const fields = (["name", ...LIST_FIELDS, "accessTokenLifetime", "enabled"] as const).filter(
    (field) => drift.changes[field] !== undefined,
  );
  return `applied although the client had changed in the tenant since the request (approved by <@${actor}>; changed: ${fields.map((f) => FIELD_WORDS[f]).join(", ")})`;
}
