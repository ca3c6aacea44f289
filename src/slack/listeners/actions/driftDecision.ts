import type { DecisionResult } from "../../../requests/service.ts";
import { noticeModal } from "../../surfaces/clientModals.ts";
import { driftResolvedText } from "../../surfaces/drift.ts";
import { refusalText } from "../../surfaces/refusals.ts";
import type { ListenerDeps } from "../deps.ts";
import { type ButtonArgs, type ButtonHandler, refreshHome, requestIdOf, tellClicker } from "./clicker.ts";
import { askDeleteConfirmation } from "./deleteConfirmation.ts";

/**
 * What replaces the drift note once the approver chose: the note itself (an ephemeral message, or
 * a modal) says what was done, and its buttons go.
 */
async function replaceNote(args: ButtonArgs, text: string): Promise<void> {
  const { body, client, respond } = args;
  if (body.view?.type === "modal") {
    await client.views.update({ view_id: body.view.id, view: noticeModal("Done", text) });
    return;
  }
  await respond({ response_type: "ephemeral", replace_original: true, text });
}

/** A choice on a drift note: the domain decides again on behalf of the clicker (an approver, checked again). */
function driftDecision(
  decide: (deps: ListenerDeps, id: number, userId: string) => Promise<DecisionResult>,
  choice: "applied" | "sent_back",
) {
  return (deps: ListenerDeps): ButtonHandler =>
    async (args) => {
      await args.ack();
      const id = requestIdOf(args.action);
      if (id === undefined) return;
      const result = await decide(deps, id, args.body.user.id);
      if (!result.ok && result.refusal === "name_unconfirmed" && result.request) {
        await askDeleteConfirmation(args, deps, result.request, { despiteDrift: true });
        return;
      }
      if (!result.ok) {
        const text =
          result.refusal === "drift"
            ? refusalText("already_decided", result.request)
            : refusalText(result.refusal, result.request);
        await tellClicker(args, deps, text);
        return;
      }
      await replaceNote(args, driftResolvedText(result.request, choice));
      await refreshHome(args, deps);
    };
}

/** Apply anyway: approve although the client changed in the tenant since the request (recorded so). */
export const applyDespiteDrift = driftDecision(
  (deps, id, user) => deps.service.approve(id, user, { despiteDrift: true }),
  "applied",
);

/** Send back: the request is denied, its requester asked to submit again from the current settings. */
export const sendBackAfterDrift = driftDecision((deps, id, user) => deps.service.sendBack(id, user), "sent_back");
