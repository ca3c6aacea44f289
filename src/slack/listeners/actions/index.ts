import type { App, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { ACTIONS } from "../../views/approvalMessage.ts";
import { denyModal } from "../../views/denyModal.ts";
import { type HomeCursor, parseHomeCursor } from "../../views/home.ts";
import { refusalText } from "../../views/refusals.ts";
import type { ListenerDeps } from "../deps.ts";
import { HomeTab } from "../events/homeTab.ts";

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & { client: WebClient };

function requestIdOf(action: ButtonAction): number | undefined {
  const id = Number(action.value);
  return Number.isInteger(id) && id > 0 ? id : undefined;
}

/** The cursor of the Home tab the click came from, or undefined when it came from a message. */
function homeOf(body: ButtonArgs["body"]): HomeCursor | undefined {
  return body.view?.type === "home" ? parseHomeCursor(body.view.private_metadata) : undefined;
}

/**
 * An ephemeral note to the person who clicked, where they clicked. The Home tab has neither a
 * channel nor a response_url: there the tab is re-published with the note on top (and the stale
 * buttons gone), which is where the person is looking.
 */
async function tellClicker(args: ButtonArgs, text: string, home: HomeTab): Promise<void> {
  const { body, client, respond } = args;
  const cursor = homeOf(body);
  if (cursor) {
    await home.publish(body.user.id, cursor, text);
    return;
  }
  const channel = body.channel?.id ?? body.container?.channel_id;
  try {
    if (channel) await client.chat.postEphemeral({ channel, user: body.user.id, text });
    else await respond({ response_type: "ephemeral", replace_original: false, text });
  } catch {
    await respond({ response_type: "ephemeral", replace_original: false, text });
  }
}

/** After a decision clicked in the Home tab, that tab shows the new state. */
async function refreshHome(args: ButtonArgs, home: HomeTab): Promise<void> {
  const cursor = homeOf(args.body);
  if (cursor) await home.refresh(args.body.user.id, cursor);
}

export function register(app: App, deps: ListenerDeps, home: HomeTab = new HomeTab(app.client, deps)): void {
  app.action<BlockAction<ButtonAction>>(ACTIONS.approve, async (args) => {
    await args.ack();
    const id = requestIdOf(args.action);
    if (id === undefined) return;
    const result = await deps.service.approve(id, args.body.user.id);
    if (!result.ok) await tellClicker(args, refusalText(result.refusal, result.request), home);
    else await refreshHome(args, home);
  });

  app.action<BlockAction<ButtonAction>>(ACTIONS.deny, async (args) => {
    await args.ack();
    const id = requestIdOf(args.action);
    if (id === undefined) return;
    const checked = await deps.service.canDeny(id, args.body.user.id);
    if (!checked.ok) {
      await tellClicker(args, refusalText(checked.refusal, checked.request), home);
      return;
    }
    await args.client.views.open({ trigger_id: args.body.trigger_id, view: denyModal(checked.request) });
  });

  app.action<BlockAction<ButtonAction>>(ACTIONS.retry, async (args) => {
    await args.ack();
    const id = requestIdOf(args.action);
    if (id === undefined) return;
    const result = await deps.service.retry(id, args.body.user.id);
    if (!result.ok) await tellClicker(args, refusalText(result.refusal, result.request), home);
  });

  app.action<BlockAction<ButtonAction>>(ACTIONS.cancel, async (args) => {
    await args.ack();
    const id = requestIdOf(args.action);
    if (id === undefined) return;
    const result = await deps.service.cancel(id, args.body.user.id);
    if (!result.ok) {
      await tellClicker(args, refusalText(result.refusal, result.request), home);
      return;
    }
    await deps.service.announceDecision(result.request, "cancelled");
    await refreshHome(args, home);
  });
}
