import type { KnownBlock } from "@slack/types";
import { APPROVAL_CHANNEL, type Harness, textOf } from "../../devkit/harness.ts";
import {
  type Person,
  payloadBody,
  postSigned,
  type SignedResponse,
  TEAM,
  viewButtonClickPayload,
} from "../../devkit/slackRequests.ts";
import type { SlackCall } from "../../devkit/slackStandIn.ts";
import { rawSql } from "../support/rawSql.ts";

/** Generous: the machine is shared, and these waits are for the app, not for timing. */
export const WAIT_MS = 10_000;

let seq = 0;

/** An Events API delivery of app_home_opened, signed and sent as JSON exactly as Slack does. */
export function openHome(h: Harness, user: Person, tab: "home" | "messages" = "home"): Promise<SignedResponse> {
  const body = JSON.stringify({
    token: "legacy-verification-token",
    team_id: TEAM.id,
    api_app_id: "A0TEST",
    type: "event_callback",
    event_id: `Ev${++seq}${Date.now()}`,
    event_time: Math.floor(Date.now() / 1000),
    event: {
      type: "app_home_opened",
      user: user.id,
      channel: `D${user.id}`,
      tab,
      event_ts: `${Date.now() / 1000}`,
    },
  });
  return postSigned(h.baseUrl, body, { headers: { "Content-Type": "application/json" } });
}

/** A button clicked in the Home tab: no channel, no response_url; the view is in the payload. */
export function clickInHome(
  h: Harness,
  user: Person,
  actionId: string,
  value: string,
  privateMetadata = "{}",
): Promise<SignedResponse> {
  return h.post(
    payloadBody(
      viewButtonClickPayload(user, {
        view: { id: `VHOME${user.id}`, type: "home", callbackId: "home", title: "Home", privateMetadata },
        actionId,
        value,
        blockId: "home",
        triggerId: h.slack.issueTrigger(),
      }),
    ),
  );
}

export interface PublishedHome {
  call: SlackCall;
  blocks: KnownBlock[];
  privateMetadata: string;
  text: string;
}

/** Every views.publish for `user`, oldest first. */
export function homesOf(h: Harness, user: Person): PublishedHome[] {
  return h.slack
    .callsOf("views.publish")
    .filter((c) => c.args.user_id === user.id)
    .map((call) => {
      const view = call.args.view as { blocks: KnownBlock[]; private_metadata?: string };
      return {
        call,
        blocks: view.blocks,
        privateMetadata: view.private_metadata ?? "",
        text: textOf({ blocks: view.blocks }),
      };
    });
}

/** Waits for a views.publish for `user` after the first `after` ones that satisfies `predicate`. */
export function waitForHome(
  h: Harness,
  user: Person,
  predicate: (home: PublishedHome) => boolean = () => true,
  after = 0,
): Promise<PublishedHome> {
  return h.slack.waitFor(() => homesOf(h, user).slice(after).find(predicate), WAIT_MS, `a Home tab for ${user.id}`);
}

/** The button values of one action id in a set of blocks (accessories included). */
export function buttonValues(blocks: KnownBlock[], actionId: string): string[] {
  const values: string[] = [];
  for (const block of blocks) {
    const elements: unknown[] =
      block.type === "actions" ? block.elements : block.type === "section" && block.accessory ? [block.accessory] : [];
    for (const e of elements) {
      const el = e as { type?: string; action_id?: string; value?: string };
      if (el.type === "button" && el.action_id === actionId && el.value !== undefined) values.push(el.value);
    }
  }
  return values;
}

/** The action ids of every button in `blocks`, in order. */
export function actionIdsIn(blocks: unknown): string[] {
  const ids: string[] = [];
  JSON.stringify(blocks ?? [], (_key, value: unknown) => {
    const el = value as { type?: unknown; action_id?: unknown } | null;
    if (el && typeof el === "object" && el.type === "button" && typeof el.action_id === "string")
      ids.push(el.action_id);
    return value;
  });
  return ids;
}

export function hasButtons(blocks: unknown): boolean {
  return JSON.stringify(blocks ?? []).includes('"type":"button"');
}

/** Replies in the thread of the approval message `ts`. */
export function threadReplies(h: Harness, ts: string): SlackCall[] {
  return h.slack
    .callsOf("chat.postMessage")
    .filter((c) => c.args.channel === APPROVAL_CHANNEL && c.args.thread_ts === ts);
}

/** chat.update calls of one message. */
export function updatesOf(h: Harness, channel: string, ts: string): SlackCall[] {
  return h.slack.callsOf("chat.update").filter((c) => c.args.channel === channel && c.args.ts === ts);
}

/**
 * Moves a request's clock in the database itself (SQLite or PostgreSQL, behind the app's back), as
 * if time had passed while nothing ran.
 */
export async function setRequestTime(
  h: Harness,
  id: number,
  column: "next_reminder_at" | "expires_at",
  value: number,
): Promise<void> {
  await rawSql(h, `update requests set ${column} = ? where id = ?`, [value, id]);
}
