import type { WebClientOptions } from "@slack/web-api";
import type { Config } from "../config.ts";
import { errorMessage } from "../errorMessage.ts";
import type { AppLogger } from "../log.ts";
import { WebClient } from "./bolt.ts";

/** A problem that must stop the start: the message says what to fix. */
export class StartupError extends Error {
  override name = "StartupError";
}

/** Who the bot token belongs to, as auth.test tells it (Bolt then skips its own auth.test). */
export interface BotIdentity {
  botId: string;
  botUserId: string;
}

const REFUSED_TOKEN = new Set(["invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"]);

/** Slack's error code (`channel_not_found`…), or what went wrong on the way (timeouts, refused connections). */
function slackError(error: unknown): string {
  const data = (error as { data?: { error?: unknown } } | undefined)?.data;
  if (typeof data?.error === "string") return data.error;
  const original = (error as { original?: unknown } | undefined)?.original;
  if (original instanceof Error) return original.message;
  return errorMessage(error);
}

/**
 * Checks, before the bot takes any request, that the bot token works and that the bot can post in
 * the approval channel, so that a misconfiguration shows at start rather than at the first request.
 *
 * A token Slack refuses, or a Slack that cannot be reached at all, stops the start (StartupError,
 * with the fix). A channel the bot cannot post in is a warning naming the fix: requests are then
 * recorded and wait until the channel works.
 */
export async function runStartupChecks(
  config: Config,
  clientOptions: WebClientOptions,
  log: AppLogger,
): Promise<BotIdentity | undefined> {
  const client = new WebClient(config.slack.botToken, { ...clientOptions, logger: log });
  const channel = config.approvalChannelId;
  // Both at once: a start waits for one round trip to Slack instead of two.
  const [auth, info] = await Promise.allSettled([client.auth.test(), client.conversations.info({ channel })]);
  if (auth.status === "rejected") {
    const code = slackError(auth.reason);
    if (REFUSED_TOKEN.has(code)) {
      throw new StartupError(
        `The bot cannot start: Slack refused SLACK_BOT_TOKEN (${code}). Copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions after installing the app to the workspace, put it in SLACK_BOT_TOKEN, then start again.`,
      );
    }
    throw new StartupError(
      `The bot cannot start: Slack's Web API at ${config.slack.apiUrl} could not be reached (${code}). Check the network (proxy, firewall) and SLACK_API_URL, then start again.`,
    );
  }
  const scopes = auth.value.response_metadata?.scopes;
  const identity: BotIdentity | undefined =
    auth.value.bot_id && auth.value.user_id ? { botId: auth.value.bot_id, botUserId: auth.value.user_id } : undefined;
  log.event("info", "slack_connected", { team: auth.value.team, bot: auth.value.user_id });

  const unusable = (problem: string, fix: string) =>
    log.event("warn", "approval_channel_unusable", {
      channel,
      problem,
      fix,
      effect: "Requests are recorded and wait; they are posted for approval once the channel works.",
    });
  if (info.status === "fulfilled") {
    const c = info.value.channel;
    const canPostUninvited = !c?.is_private && scopes?.includes("chat:write.public") !== false;
    if (c?.is_archived) {
      unusable(
        "is_archived",
        `The approval channel ${channel} is archived: unarchive it, or set APPROVAL_CHANNEL_ID to another channel.`,
      );
    } else if (c && !c.is_member && !canPostUninvited) {
      unusable(
        "not_in_channel",
        c.is_private
          ? `The bot is not a member of the private approval channel ${channel}: invite it there (/invite @<bot name>).`
          : `The bot is not a member of the approval channel ${channel}: invite it there (/invite @<bot name>), or add the chat:write.public scope and reinstall the app.`,
      );
    } else {
      log.event("info", "approval_channel_ok", { channel, member: c?.is_member ?? null });
    }
  } else {
    const code = slackError(info.reason);
    if (code === "channel_not_found") {
      unusable(
        code,
        `Slack cannot find the approval channel ${channel}: check APPROVAL_CHANNEL_ID (the channel id, C…, from the channel's details); for a private channel, invite the bot first.`,
      );
    } else if (code === "missing_scope") {
      unusable(
        code,
        "The bot lacks the channels:read / groups:read scopes needed to check the approval channel: reinstall the app from manifest.yml.",
      );
    } else {
      unusable(code, `Could not check the approval channel ${channel} (${code}); it is checked again with each post.`);
    }
  }
  return identity;
}
