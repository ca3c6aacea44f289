import type { App } from "@slack/bolt";
import { escapeMrkdwn } from "../../views/format.ts";
import { helpText } from "../../views/help.ts";
import { pendingLimitModal, requestModal } from "../../views/requestModal.ts";
import { requestDetail, requestList } from "../../views/status.ts";
import { RecentKeys } from "../deliveries.ts";
import type { ListenerDeps } from "../deps.ts";

export const COMMAND = "/create-auth-client";

export function register(app: App, deps: ListenerDeps): void {
  const triggers = new RecentKeys();
  app.command(COMMAND, async ({ command, ack, client, respond }) => {
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
      const pending = deps.service.repository.countPendingBy(command.user_id);
      const max = deps.service.maxPendingPerUser;
      if (pending >= max && opened.view?.id) {
        await client.views.update({ view_id: opened.view.id, view: pendingLimitModal(pending, max) });
      }
      return;
    }
    if (word === "status") {
      await ack();
      await respond({ response_type: "ephemeral", ...(await statusReply(deps, command.user_id, rest[0])) });
      return;
    }
    const unknown = word === "help" ? "" : `I don't know \`${verb.slice(0, 40)}\`. `;
    await ack({ response_type: "ephemeral", text: unknown + helpText(COMMAND, deps.approvalChannelId) });
  });
}

async function statusReply(deps: ListenerDeps, userId: string, which: string | undefined) {
  const repo = deps.service.repository;
  if (which === undefined) {
    return requestList(repo.listByRequester(userId, STATUS_LIST_SIZE), repo.countByRequester(userId), deps.tenantLabel);
  }
  const shown = escapeMrkdwn(which.slice(0, 20));
  if (!/^#?\d{1,12}$/.test(which)) {
    return {
      text: `\`${shown}\` is not a request number. Try \`${COMMAND} status 12\`, or \`${COMMAND} status\` for your list.`,
    };
  }
  const id = Number(which.replace(/^#/, ""));
  const request = id > 0 ? repo.get(id) : undefined;
  // Someone else's request is shown only to approvers; the answer does not tell "missing" from "not yours".
  const visible = request && (request.requesterId === userId || (await deps.service.isApprover(userId)));
  if (!request || !visible) {
    return { text: `I can't show request ${shown}: it doesn't exist, or it isn't yours to see.` };
  }
  return requestDetail(request, deps.tenantLabel(request.tenant), repo.auditOf(request.id));
}

const STATUS_LIST_SIZE = 10;
