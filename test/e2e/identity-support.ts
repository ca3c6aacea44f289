import type { Harness } from "../../devkit/harness.ts";
import { textOf } from "../../devkit/harness.ts";
import type { Person } from "../../devkit/slackRequests.ts";
import type { SlackCall } from "../../devkit/slackStandIn.ts";
import type { Database } from "../../src/db/database.ts";
import { openPostgres } from "../../src/db/postgres/open.ts";
import { openSqlite } from "../../src/db/sqlite/open.ts";

/** Generous: the machine is small and shared. */
export const WAIT_MS = 10_000;

/** The action ids of every button in a message's blocks. */
export function actionIdsOf(args: Record<string, unknown>): string[] {
  const ids: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node && typeof node === "object") {
      const record = node as Record<string, unknown>;
      if (record.type === "button" && typeof record.action_id === "string") ids.push(record.action_id);
      for (const value of Object.values(record)) walk(value);
    }
  };
  walk(args.blocks);
  return ids;
}

/** chat.update calls that edited the approval message `ts`. */
export function approvalUpdates(h: Harness, ts: string): SlackCall[] {
  return h.slack.callsOf("chat.update").filter((c) => c.args.ts === ts);
}

/** Waits for an edit of the approval message whose text satisfies `predicate`. */
export function waitForApprovalUpdate(h: Harness, ts: string, predicate: (text: string) => boolean, what: string) {
  return h.slack.waitFor(
    () => approvalUpdates(h, ts).find((c) => predicate(textOf(c.args))),
    WAIT_MS,
    `approval message edit: ${what}`,
  );
}

/** Direct messages to `user` whose text contains `needle`. */
export function dmsContaining(h: Harness, user: Person, needle: string): SlackCall[] {
  return h.dmsTo(user).filter((c) => textOf(c.args).includes(needle));
}

/** Waits for the requester's DM carrying the created client's Id. */
export function waitForClientIdDm(h: Harness, user: Person, clientId: string) {
  return h.slack.waitFor(
    () => dmsContaining(h, user, clientId)[0],
    WAIT_MS,
    `a DM to ${user.name} with client Id ${clientId}`,
  );
}

/** Replies in the thread of the approval message `ts`. */
export function threadReplies(h: Harness, ts: string): SlackCall[] {
  return h.slack.callsOf("chat.postMessage").filter((c) => c.args.thread_ts === ts);
}

/**
 * Every recorded Slack call's arguments and every response_url post, as the text a secret could hide in.
 * The `token` argument is left out: it is the credential itself, sent to Slack the way Slack asks
 * (Bolt's auth.test passes it so); what it may hold is checked separately.
 */
export function allSlackArgs(h: Harness): string {
  const args = h.slack.calls.map(({ args: { token: _credential, ...rest } }) => rest);
  return JSON.stringify([...args, ...h.slack.responses.map((r) => r.body)]);
}

/** The methods that were called with a `token` argument, and the distinct values given. */
export function tokenArguments(h: Harness): { methods: string[]; values: unknown[] } {
  const withToken = h.slack.calls.filter((c) => c.args.token !== undefined);
  return {
    methods: [...new Set(withToken.map((c) => c.method))],
    values: [...new Set(withToken.map((c) => c.args.token))],
  };
}

/**
 * A connection of the test's own to the harness's database, SQLite or PostgreSQL: to read it while
 * another process owns the app, or to change a request the way a crash would have left it. What it
 * writes is stamped with `now` (the requests' updated_at, which is a creation's lease).
 */
export async function openOwnConnection(h: Harness, now: () => number = Date.now): Promise<Database> {
  const config = h.config.database;
  return config.kind === "postgres" ? openPostgres(config, { now }) : openSqlite(config.path, { now });
}
