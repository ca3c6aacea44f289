import type { App, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { ACTIONS } from "../../views/approvalMessage.ts";
import { denyModal } from "../../views/denyModal.ts";
import { refusalText } from "../../views/refusals.ts";
import type { ListenerDeps } from "../deps.ts";

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & { client: WebClient };

function requestIdOf(action: ButtonAction): number | undefined {
  const id = Number(action.value);
  return Number.isInteger(id) && id > 0 ? id : undefined;
}

/** An ephemeral note to the person who clicked, where they clicked. */
async function tellClicker({ body, client, respond }: ButtonArgs, text: string): Promise<void> {
  const channel = body.channel?.id ?? body.container?.channel_id;
  try {
    if (channel) await client.chat.postEphemeral({ channel, user: body.user.id, text });
    else await respond({ response_type: "ephemeral", replace_original: false, text });
  } catch {
    await respond({ response_type: "ephemeral", replace_original: false, text });
  }
}

export function register(app: App, deps: ListenerDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTIONS.approve, async (args) => {
    await args.ack();
    const id = requestIdOf(args.action);
    if (id === undefined) return;
    const result = await deps.service.approve(id, args.body.user.id);
    if (!result.ok) await tellClicker(args, refusalText(result.refusal, result.request));
  });

  app.action<BlockAction<ButtonAction>>(ACTIONS.deny, async (args) => {
    await args.ack();
    const id = requestIdOf(args.action);
    if (id === undefined) return;
    const checked = await deps.service.canDeny(id, args.body.user.id);
    if (!checked.ok) {
      await tellClicker(args, refusalText(checked.refusal, checked.request));
      return;
    }
    await args.client.views.open({ trigger_id: args.body.trigger_id, view: denyModal(checked.request) });
  });

  app.action<BlockAction<ButtonAction>>(ACTIONS.retry, async (args) => {
    await args.ack();
    const id = requestIdOf(args.action);
    if (id === undefined) return;
    const result = await deps.service.retry(id, args.body.user.id);
    if (!result.ok) await tellClicker(args, refusalText(result.refusal, result.request));
  });

  app.action<BlockAction<ButtonAction>>(ACTIONS.cancel, async (args) => {
    await args.ack();
    const id = requestIdOf(args.action);
    if (id === undefined) return;
    const result = await deps.service.cancel(id, args.body.user.id);
    if (!result.ok) {
      await tellClicker(args, refusalText(result.refusal, result.request));
      return;
    }
    await deps.service.announceDecision(result.request, "cancelled");
  });
}
