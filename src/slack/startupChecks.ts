import type { WebClient } from "@slack/web-api";
import type { Config } from "../config.ts";
import type { AppLogger } from "../log.ts";

/** A problem that must stop the start: the message says what to fix. */
export class StartupError extends Error {
  override name = "StartupError";
}

function slackError(error: unknown): string {
  const data = (error as { data?: { error?: string } } | undefined)?.data;
  return data?.error ?? (error instanceof Error ? error.message : String(error));
}

/**
 * Checks the bot token works and that the bot can post in the approval channel, so that a
 * misconfiguration shows at start rather than at the first request.
 */
export async function runStartupChecks(client: WebClient, config: Config, log: AppLogger): Promise<void> {
  let scopes: string[] | undefined;
  try {
    const auth = await client.auth.test();
    scopes = auth.response_metadata?.scopes;
    log.event("info", "slack_connected", { team: auth.team, bot: auth.user_id });
  } catch (error) {
    const code = slackError(error);
    if (code === "invalid_auth" || code === "not_authed" || code === "account_inactive" || code === "token_revoked") {
      throw new StartupError(
        `Slack refused SLACK_BOT_TOKEN (${code}). Copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions after installing the app, then start again.`,
      );
    }
    log.event("warn", "slack_check_failed", { check: "auth.test", error: code });
    return;
  }

  const channel = config.approvalChannelId;
  try {
    const info = await client.conversations.info({ channel });
    const c = info.channel;
    if (c?.is_archived) {
      log.event("warn", "approval_channel_unusable", {
        channel,
        fix: `The approval channel ${channel} is archived: unarchive it or set APPROVAL_CHANNEL_ID to another channel.`,
      });
    } else if (c && !c.is_member && (c.is_private || (scopes && !scopes.includes("chat:write.public")))) {
      log.event("warn", "approval_channel_unusable", {
        channel,
        fix: `The bot is not a member of the approval channel ${channel}: invite it there (/invite @<bot>)${c.is_private ? "" : " or add the chat:write.public scope and reinstall"}.`,
      });
    }
  } catch (error) {
    const code = slackError(error);
    const fix =
      code === "channel_not_found"
        ? `Slack cannot find the approval channel ${channel}: check APPROVAL_CHANNEL_ID, and for a private channel invite the bot.`
        : code === "missing_scope"
          ? "The bot lacks channels:read/groups:read to check the approval channel: reinstall the app from manifest.yml."
          : `Could not check the approval channel ${channel} (${code}).`;
    log.event("warn", "approval_channel_unusable", { channel, fix });
  }
}
