import { createHmac } from "node:crypto";

export const SIGNING_SECRET = "test-signing-secret-0123456789abcdef";

export interface SignedResponse {
  status: number;
  text: string;
  json: unknown;
}

/** Slack's request signature: v0= + HMAC-SHA256(secret, "v0:{ts}:{body}"). */
export function sign(body: string, timestamp: number, secret = SIGNING_SECRET): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

/** Sends a form-encoded body to the app exactly as Slack does, signed (or deliberately not). */
export async function postSigned(
  baseUrl: string,
  body: string,
  options: { secret?: string; timestamp?: number; signature?: string; headers?: Record<string, string> } = {},
): Promise<SignedResponse> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const response = await fetch(`${baseUrl}/slack/events`, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      "X-Slack-Request-Timestamp": String(timestamp),
      "X-Slack-Signature": options.signature ?? sign(body, timestamp, options.secret),
      ...options.headers,
    },
    body,
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

export interface Person {
  id: string;
  name: string;
}

export const TEAM = { id: "T0TEST", domain: "example" };

export function slashCommandBody(
  user: Person,
  options: { text?: string; channelId?: string; triggerId: string; responseUrl: string },
): string {
  return new URLSearchParams({
    token: "legacy-verification-token",
    team_id: TEAM.id,
    team_domain: TEAM.domain,
    channel_id: options.channelId ?? "C0ORIGIN",
    channel_name: "general",
    user_id: user.id,
    user_name: user.name,
    command: "/create-auth-client",
    text: options.text ?? "",
    api_app_id: "A0TEST",
    is_enterprise_install: "false",
    response_url: options.responseUrl,
    trigger_id: options.triggerId,
  }).toString();
}

export function payloadBody(payload: unknown): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** Typed text for each field of the request modal (null = left empty). */
export type FormValues = Partial<
  Record<
    | "tenant"
    | "name"
    | "redirectUris"
    | "postLogoutRedirectUris"
    | "allowedCorsOrigins"
    | "accessTokenLifetime"
    | "justification",
    string | null
  >
>;

/** view.state.values as Slack sends them for the request modal. */
export function modalStateValues(values: FormValues): Record<string, Record<string, unknown>> {
  const state: Record<string, Record<string, unknown>> = {};
  for (const [field, value] of Object.entries(values)) {
    if (field === "tenant") {
      state.tenant = {
        value: {
          type: "static_select",
          selected_option: value ? { text: { type: "plain_text", text: value }, value } : null,
        },
      };
    } else if (field === "accessTokenLifetime") {
      state[field] = { value: { type: "number_input", value } };
    } else {
      state[field] = { value: { type: "plain_text_input", value } };
    }
  }
  return state;
}

export function viewSubmissionPayload(
  user: Person,
  view: { id: string; callbackId: string; privateMetadata: string; values: Record<string, Record<string, unknown>> },
) {
  return {
    type: "view_submission",
    team: { id: TEAM.id, domain: TEAM.domain },
    user: { id: user.id, username: user.name, name: user.name, team_id: TEAM.id },
    api_app_id: "A0TEST",
    token: "legacy-verification-token",
    trigger_id: `${Date.now()}.trigger`,
    view: {
      id: view.id,
      team_id: TEAM.id,
      type: "modal",
      blocks: [],
      private_metadata: view.privateMetadata,
      callback_id: view.callbackId,
      state: { values: view.values },
      hash: `${Date.now()}.hash`,
      title: { type: "plain_text", text: "Request a client" },
      close: null,
      submit: null,
      clear_on_close: false,
      notify_on_close: false,
      root_view_id: view.id,
      previous_view_id: null,
      app_id: "A0TEST",
      external_id: "",
      app_installed_team_id: TEAM.id,
      bot_id: "B0TEST",
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

export function buttonClickPayload(
  user: Person,
  options: {
    actionId: string;
    value: string;
    channelId: string;
    messageTs: string;
    triggerId: string;
    responseUrl: string;
    blockId?: string;
  },
) {
  return {
    type: "block_actions",
    user: { id: user.id, username: user.name, name: user.name, team_id: TEAM.id },
    api_app_id: "A0TEST",
    token: "legacy-verification-token",
    container: { type: "message", message_ts: options.messageTs, channel_id: options.channelId, is_ephemeral: false },
    trigger_id: options.triggerId,
    team: { id: TEAM.id, domain: TEAM.domain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: options.channelId, name: "approvals" },
    message: { type: "message", ts: options.messageTs, text: "", blocks: [] },
    response_url: options.responseUrl,
    actions: [
      {
        type: "button",
        action_id: options.actionId,
        block_id: options.blockId ?? "decision",
        text: { type: "plain_text", text: options.actionId, emoji: true },
        value: options.value,
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
}

/**
 * A button clicked in a view (the Home tab, a modal): no channel and no response_url, the view
 * itself in the payload, as Slack sends it.
 */
export function viewButtonClickPayload(
  user: Person,
  options: {
    view: { id: string; type: "home" | "modal"; callbackId: string; title: string; privateMetadata?: string };
    actionId: string;
    value: string;
    blockId: string;
    triggerId: string;
  },
) {
  const { view } = options;
  return {
    type: "block_actions",
    user: { id: user.id, username: user.name, name: user.name, team_id: TEAM.id },
    api_app_id: "A0TEST",
    token: "legacy-verification-token",
    container: { type: "view", view_id: view.id },
    trigger_id: options.triggerId,
    team: { id: TEAM.id, domain: TEAM.domain },
    enterprise: null,
    is_enterprise_install: false,
    view: {
      id: view.id,
      team_id: TEAM.id,
      type: view.type,
      blocks: [],
      private_metadata: view.privateMetadata ?? "{}",
      callback_id: view.callbackId,
      state: { values: {} },
      hash: `${Date.now()}.hash`,
      title: { type: "plain_text", text: view.title },
      clear_on_close: false,
      notify_on_close: false,
      close: null,
      submit: null,
      previous_view_id: null,
      root_view_id: view.id,
      app_id: "A0TEST",
      external_id: "",
      app_installed_team_id: TEAM.id,
      bot_id: "B0TEST",
    },
    actions: [
      {
        type: "button",
        action_id: options.actionId,
        block_id: options.blockId,
        text: { type: "plain_text", text: options.actionId, emoji: true },
        value: options.value,
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
}

/** The slash command as Socket Mode delivers it: a JSON payload (with the fields the app reads), not a signed form. */
export function socketSlashCommandPayload(user: Person, options: { triggerId: string; responseUrl: string }) {
  return {
    command: "/create-auth-client",
    text: "",
    user_id: user.id,
    user_name: user.name,
    channel_id: "C0ORIGIN",
    team_id: TEAM.id,
    trigger_id: options.triggerId,
    response_url: options.responseUrl,
  };
}

/** A button click as Socket Mode delivers it: the fields the app reads, fewer than buttonClickPayload's. */
export function socketButtonClickPayload(
  user: Person,
  options: {
    actionId: string;
    value: string;
    channelId: string;
    messageTs: string | null;
    triggerId: string;
    responseUrl: string;
  },
) {
  return {
    type: "block_actions",
    user: { id: user.id, username: user.name, team_id: TEAM.id },
    team: { id: TEAM.id, domain: TEAM.domain },
    channel: { id: options.channelId, name: "approvals" },
    container: { type: "message", message_ts: options.messageTs, channel_id: options.channelId },
    trigger_id: options.triggerId,
    response_url: options.responseUrl,
    actions: [{ type: "button", action_id: options.actionId, block_id: "d", value: options.value, action_ts: "1" }],
  };
}
