import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from "@slack/bolt";
import { StoreUnavailableError } from "../../../requests/ports.ts";
import { COMMAND } from "../../ids.ts";
import { escapeWithin } from "../../surfaces/format.ts";
import { helpText } from "../../surfaces/help.ts";
import { UNREACHABLE_DATABASE_TEXT } from "../../surfaces/refusals.ts";
import { pendingLimitModal, requestModal } from "../../surfaces/requestModal.ts";
import type { ListenerDeps } from "../deps.ts";
import { RecentKeys } from "../middleware/deliveries.ts";
import { clientsReply } from "./clients.ts";
import { statusReply } from "./status.ts";

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;
export type CommandHandler = (args: CommandArgs) => Promise<void>;

/**
 * `/create-auth-client [status [n] | clients [n | client Id] | help]`: with no words, opens the
 * request form; `status` answers privately with the caller's requests, `clients` with their
 * clients; anything else gets the usage.
 */
export function createAuthClient(deps: ListenerDeps): CommandHandler {
  const triggers = new RecentKeys();
  return async ({ command, ack, client, respond }) => {
    const [verb = "", ...rest] = command.text.trim().split(/\s+/);
    const word = verb.toLowerCase();
    if (word === "") {
      await ack();
      // The same command delivered again (a retry, a redelivery) opened its modal already.
      if (!triggers.firstTime(command.trigger_id)) return;
      // The trigger_id dies 3 s after the command: open the modal before anything else.
      const opened = await client.views.open({
        trigger_id: command.trigger_id,
        view: requestModal(deps.tenants, { channelId: command.channel_id }),
      });
      // Checked after the modal is open; if the database cannot say, the submission will.
      const pending = await deps.service.countPendingBy(command.user_id).catch(() => 0);
      const max = deps.service.maxPendingPerUser;
      if (pending >= max && opened.view?.id) {
        await client.views.update({ view_id: opened.view.id, view: pendingLimitModal(pending, max) });
      }
      return;
    }
    if (word === "status" || word === "clients") {
      await ack();
      const answer = word === "status" ? statusReply : clientsReply;
      const reply = await answer(deps, command.user_id, rest[0]).catch((error: unknown) => {
        if (!(error instanceof StoreUnavailableError)) throw error;
        return { text: UNREACHABLE_DATABASE_TEXT };
      });
      await respond({ response_type: "ephemeral", ...reply });
      return;
    }
    const unknown = word === "help" ? "" : `I don't know \`${escapeWithin(verb, 40).replace(/`/g, "'")}\`. `;
    await ack({ response_type: "ephemeral", text: unknown + helpText(COMMAND, deps.approvalChannelId) });
  };
}
