import type { BlockAction, ButtonAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { errorMessage } from "../../../errorMessage.ts";
import { StoreUnavailableError } from "../../../requests/ports.ts";
import type { Request } from "../../../requests/request.ts";
import type { DecisionResult } from "../../../requests/service.ts";
import type { SlackMessage } from "../../surfaces/approvalMessage.ts";
import { noticeModal } from "../../surfaces/clientModals.ts";
import { type HomeCursor, parseHomeCursor } from "../../surfaces/home.ts";
import { refusalText, UNREACHABLE_DATABASE_TEXT } from "../../surfaces/refusals.ts";
import type { ListenerDeps } from "../deps.ts";

export type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & { client: WebClient };
export type ButtonHandler = (args: ButtonArgs) => Promise<void>;

/** The request number a button carries, or undefined when its value is not one. */
export function requestIdOf(action: ButtonAction): number | undefined {
  // Our buttons carry the number as a string; a forged payload may carry anything.
  const value: unknown = action.value;
  return typeof value === "string" && /^[1-9]\d{0,11}$/.test(value) ? Number(value) : undefined;
}

/**
 * A button that asks the domain for a decision on the request it carries: acked, the request
 * number read (a button without one is ignored), the domain asked on behalf of the clicker; a
 * refusal is told to the clicker alone, and `then` runs when the domain agreed.
 */
export function decisionButton(
  deps: ListenerDeps,
  decide: (id: number, userId: string) => Promise<DecisionResult>,
  then: (args: ButtonArgs, request: Request) => Promise<void> = async () => {},
): ButtonHandler {
  return async (args) => {
    await args.ack();
    const id = requestIdOf(args.action);
    if (id === undefined) return;
    const result = await decide(id, args.body.user.id);
    if (!result.ok) {
      await tellClicker(args, deps, refusalText(result.refusal, result.request));
      return;
    }
    await then(args, result.request);
  };
}

/** The cursor of the Home tab the click came from, or undefined when it came from a message. */
function homeOf(body: ButtonArgs["body"]): HomeCursor | undefined {
  return body.view?.type === "home" ? parseHomeCursor(body.view.private_metadata) : undefined;
}

/**
 * An ephemeral note to the person who clicked, where they clicked. The Home tab has neither a
 * channel nor a response_url: there the tab is re-published with the note on top (and the stale
 * buttons gone), which is where the person is looking. A click in a modal turns the modal into
 * the note. A note with blocks (e.g. the drift note and its buttons) keeps them in a message.
 */
export async function tellClicker(args: ButtonArgs, deps: ListenerDeps, note: string | SlackMessage): Promise<void> {
  const { body, client, respond } = args;
  const { text, blocks } = typeof note === "string" ? { text: note, blocks: undefined } : note;
  const cursor = homeOf(body);
  if (cursor) {
    await deps.home.publish(body.user.id, cursor, text);
    return;
  }
  if (body.view?.type === "modal") {
    await client.views.update({ view_id: body.view.id, view: noticeModal("Nothing changed", text) });
    return;
  }
  const channel = body.channel?.id ?? body.container?.channel_id;
  try {
    if (channel) {
      await client.chat.postEphemeral({ channel, user: body.user.id, text, ...(blocks ? { blocks } : {}) });
      return;
    }
  } catch (error) {
    deps.log.event("warn", "ephemeral_failed", {
      user: body.user.id,
      error: errorMessage(error),
      fallback: "response_url",
    });
  }
  await respond({ response_type: "ephemeral", replace_original: false, text, ...(blocks ? { blocks } : {}) });
}

/** After a decision clicked in the Home tab, that tab shows the new state. */
export async function refreshHome(args: ButtonArgs, deps: ListenerDeps): Promise<void> {
  const cursor = homeOf(args.body);
  if (cursor) await deps.home.refresh(args.body.user.id, cursor);
}

/**
 * The handler, telling the clicker plainly when the database could not be reached (the click has
 * been acked; nothing changed) instead of leaving them with no answer.
 */
export function tellingWhenDatabaseDown(handler: ButtonHandler, deps: ListenerDeps): ButtonHandler {
  return async (args) => {
    try {
      await handler(args);
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      deps.log.event("warn", "click_failed_database", { action: args.action.action_id, error: error.message });
      await tellClicker(args, deps, UNREACHABLE_DATABASE_TEXT);
    }
  };
}
