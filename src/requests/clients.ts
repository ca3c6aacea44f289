import type { RequestForm } from "./form.ts";

/*
 * A client's life after its creation: change, disable, enable, delete, each asked for and
 * approved like a creation (docs/ARCHITECTURE.md, "After the client exists").
 */

/** What a request asks for: a new client, or a change to one the bot created. */
export const requestKinds = ["create", "change", "disable", "enable", "delete"] as const;
export type RequestKind = (typeof requestKinds)[number];
export type ClientRequestKind = Exclude<RequestKind, "create">;

/** The settings of an authorization code client the bot manages, as the Identity API reads them. */
export interface ClientSettings {
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  allowedCorsOrigins: string[];
  accessTokenLifetime: number;
  enabled: boolean;
}

type ListField = "redirectUris" | "postLogoutRedirectUris" | "allowedCorsOrigins";
export const LIST_FIELDS: readonly ListField[] = ["redirectUris", "postLogoutRedirectUris", "allowedCorsOrigins"];

export interface ListChange {
  added: string[];
  removed: string[];
}

/** What differs from `before` to `after`; a field left out did not change. */
export interface SettingsChanges {
  name?: { from: string; to: string };
  redirectUris?: ListChange;
  postLogoutRedirectUris?: ListChange;
  allowedCorsOrigins?: ListChange;
  accessTokenLifetime?: { from: number; to: number };
  enabled?: { from: boolean; to: boolean };
}

function listChange(before: readonly string[], after: readonly string[]): ListChange | undefined {
  const added = after.filter((url) => !before.includes(url));
  const removed = before.filter((url) => !after.includes(url));
  return added.length > 0 || removed.length > 0 ? { added, removed } : undefined;
}

/**
 * The changes from `before` to `after`: the diff approvers see, and drift (the client as read now
 * against the client as read when the request was made). URLs are compared exactly, as the
 * Identity API matches them; their order does not count.
 */
export function changesBetween(before: ClientSettings, after: ClientSettings): SettingsChanges {
  const changes: SettingsChanges = {};
  if (before.name !== after.name) changes.name = { from: before.name, to: after.name };
  for (const field of LIST_FIELDS) {
    const change = listChange(before[field], after[field]);
    if (change) changes[field] = change;
  }
  if (before.accessTokenLifetime !== after.accessTokenLifetime) {
    changes.accessTokenLifetime = { from: before.accessTokenLifetime, to: after.accessTokenLifetime };
  }
  if (before.enabled !== after.enabled) changes.enabled = { from: before.enabled, to: after.enabled };
  return changes;
}

/** Whether what an approver typed is the client's name (surrounding spaces aside, letter case counts). */
export function namesMatch(typed: string, name: string): boolean {
  return typed.trim() === name.trim();
}

export function hasChanges(changes: SettingsChanges): boolean {
  return Object.keys(changes).length > 0;
}

/** The settings a request's form describes (for a change: the settings asked for). */
export function settingsOfForm(
  form: Pick<
    RequestForm,
    "name" | "redirectUris" | "postLogoutRedirectUris" | "allowedCorsOrigins" | "accessTokenLifetime"
  >,
  enabled: boolean,
): ClientSettings {
  return {
    name: form.name,
    redirectUris: [...form.redirectUris],
    postLogoutRedirectUris: [...form.postLogoutRedirectUris],
    allowedCorsOrigins: [...form.allowedCorsOrigins],
    accessTokenLifetime: form.accessTokenLifetime,
    enabled,
  };
}
