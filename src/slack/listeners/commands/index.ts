import type { App } from "@slack/bolt";
import { helpText } from "../../views/help.ts";
import { pendingLimitModal, requestModal } from "../../views/requestModal.ts";
import { requestDetail, requestList } from "../../views/status.ts";
import type { ListenerDeps } from "../deps.ts";

export const COMMAND = "/create-auth-client";

export function register(app: App, deps: ListenerDeps): void {
  app.command(COMMAND, async ({ command, ack, client, respond }) => {
    const [verb = "", ...rest] = command.text.trim().split(/\s+/);
    const word = verb.toLowerCase();
    if (word === "") {
      await ack();
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
  if (which === undefined) {
    const recent = deps.service.repository.listByRequester(userId, STATUS_LIST_SIZE);
    return requestList(recent, deps.service.repository.countByRequester(userId));
  }
  const id = Number(which.replace(/^#/, ""));
  const request = Number.isInteger(id) && id > 0 ? deps.service.repository.get(id) : undefined;
  const visible =
    request && (request.requesterId === userId || (await deps.service.mayDecide(request, userId)) !== "not_approver");
  if (!request || !visible) {
    return { text: `I can't show request ${which.slice(0, 20)}: it doesn't exist, or it isn't yours to see.` };
  }
  return requestDetail(request, deps.tenantLabel(request.tenant));
}

const STATUS_LIST_SIZE = 10;
