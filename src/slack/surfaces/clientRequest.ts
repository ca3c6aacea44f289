import {
  type ClientRequestKind,
  type ClientSettings,
  changesBetween,
  type SettingsChanges,
  settingsOfForm,
} from "../../requests/clients.ts";
import type { Request } from "../../requests/request.ts";

/**
 * A request about a client that exists already (a change, disable, enable or delete): what it
 * acts on, and the client's settings as read when it was made (the diff's "before").
 */
interface ClientRequestFields {
  kind: ClientRequestKind;
  targetClientId: string;
  baseline: ClientSettings;
  outcomeNote: string | null;
}

export type ClientRequest = Request & ClientRequestFields;

/** How each kind reads in titles, buttons and status lines. */
interface KindWords {
  /** "Change": the title's word. */
  title: string;
  /** "to change": what the requester asks. */
  asks: string;
  /** "applying the change": under way. */
  applying: string;
  /** "change applied": done. */
  applied: string;
  /** What Approve does, as a button's confirmation heading. */
  confirmTitle: string;
}

export const KIND_WORDS: Record<ClientRequestKind, KindWords> = {
  change: {
    title: "Change",
    asks: "to change",
    applying: "applying the change",
    applied: "change applied",
    confirmTitle: "Apply this change?",
  },
  disable: {
    title: "Disable",
    asks: "to disable",
    applying: "disabling the client",
    applied: "client disabled",
    confirmTitle: "Disable this client?",
  },
  enable: {
    title: "Enable",
    asks: "to enable",
    applying: "enabling the client",
    applied: "client enabled",
    confirmTitle: "Enable this client?",
  },
  delete: {
    title: "Delete",
    asks: "to delete",
    applying: "deleting the client",
    applied: "client deleted",
    confirmTitle: "Delete this client?",
  },
};

/** The title of a request about a client (plain_text: the name as typed or as read). */
export const clientRequestTitle = (r: Pick<ClientRequest, "id" | "kind" | "name">) =>
  `Request #${r.id} · ${KIND_WORDS[r.kind].title}: ${r.name}`;

/**
 * The settings Approve sends for a change, disable or enable: the form's columns (for a change the
 * settings asked for, otherwise a copy of the baseline), enabled as the kind says.
 */
export function desiredSettings(r: ClientRequest): ClientSettings {
  const enabled = r.kind === "disable" ? false : r.kind === "enable" ? true : r.baseline.enabled;
  return settingsOfForm(r, enabled);
}

/** What Approve changes, from the client as read when the request was made (a delete changes no setting). */
export function requestedChanges(r: ClientRequest): SettingsChanges {
  return r.kind === "delete" ? {} : changesBetween(r.baseline, desiredSettings(r));
}

/** "yes" / "no". */
export const yesNo = (value: boolean) => (value ? "yes" : "no");

/** The request as one about an existing client, or undefined for a creation (or a row without its client). */
export function asClientRequest(r: Request): ClientRequest | undefined {
  if (r.kind === "create" || r.targetClientId === null || r.baseline === null) return undefined;
  return { ...r, kind: r.kind, targetClientId: r.targetClientId, baseline: r.baseline };
}
