import type { ClientRefusal } from "../../requests/clientRequests.ts";
import type { Request } from "../../requests/request.ts";
import type { DecisionRefusal } from "../../requests/service.ts";
import { alreadyApprovedText, approverNames } from "./approvals.ts";
import { escapeWithin, mention } from "./format.ts";

/** What someone is told when their click changes nothing. */
export function refusalText(refusal: DecisionRefusal, request: Request | undefined): string {
  const which = request ? `request #${request.id}` : "this request";
  switch (refusal) {
    case "not_found":
      return "That request doesn't exist, or it isn't yours to change. Nothing was changed.";
    case "not_approver":
      return `Only the designated approvers can decide on ${which}. Nothing was changed.`;
    case "self_approval":
      return `You asked for ${which} yourself, so another approver has to decide on it. Nothing was changed.`;
    case "already_approved":
      return request ? alreadyApprovedText(request) : "You have already approved this request. Nothing was changed.";
    case "expired":
      return `${request ? `Request #${request.id}` : "This request"} has expired without a decision. Nothing was changed.`;
    case "already_decided":
      return request ? `${alreadyDecided(request)} Nothing was changed.` : "That request has already been decided.";
    case "approvers_unknown":
      return APPROVERS_UNKNOWN_TEXT;
    case "client_unreadable":
      return `I couldn't read the client of ${which} from the tenant to check it before approving, so nothing was approved. Please try again in a minute.`;
    case "drift":
      return `The client of ${which} changed in the tenant since it was made, so nothing was approved.`;
    case "name_unconfirmed":
      return `Approving the delete of ${which} needs the client's name typed in its confirmation. Nothing was changed.`;
  }
}

/** Where a request stands, as one sentence for someone whose click came too late. */
function alreadyDecided(r: Request): string {
  const which = `Request #${r.id}`;
  const by = r.decidedBy ? ` by ${mention(r.decidedBy)}` : "";
  const approvedBy = r.decidedBy ? ` by ${approverNames(r)}` : "";
  switch (r.status) {
    case "pending":
      return `${which} is already being handled.`;
    case "approved":
    case "creating":
      return `${which} is already approved${approvedBy}; its client is being created.`;
    case "created":
      return `${which} is already approved${approvedBy} and its client is created.`;
    case "failed":
      return `${which} is already approved${approvedBy}, but creating its client failed; an approver can press Retry.`;
    case "denied":
      return `${which} is already denied${by}.`;
    case "cancelled":
      return `${which} is already cancelled by its requester.`;
    case "expired":
      return `${which} has already expired without a decision.`;
  }
}

/**
 * What someone is told who may not see a request (only its requester and the approvers may), or
 * asked for one that does not exist: the same answer, so it does not tell which. `which` is
 * escaped here (it may be what someone typed).
 */
export function notVisibleText(which: string): string {
  return `I can't show request ${escapeWithin(which, 40)}: it doesn't exist, or it isn't yours to see.`;
}

/**
 * What someone who is not the requester is told while the approvers cannot be checked: whether
 * they may see the request is unknown, and the answer still does not tell whether it exists.
 */
export function approversUnknownReadText(which: string): string {
  return `I can't show request ${escapeWithin(which, 40)} just now: I can't check who the approvers are right now, and it isn't one of yours (or it doesn't exist). Please try again in a few minutes.`;
}

/** Why the bot will not act on a client, as the domain says, or a form that would change nothing. */
type ClientRefusalOrNoChange = ClientRefusal | "no_change";

/** What someone is told when the bot will not act on a client. "Not yours" reads like "does not exist". */
export function clientRefusalText(refusal: ClientRefusalOrNoChange): string {
  switch (refusal) {
    case "not_found":
      return "I can't find that client, or it isn't yours to manage: only clients created through me can be changed here, by the person who asked for them and by approvers. Nothing was changed.";
    case "gone":
      return "That client no longer exists in the tenant, so there is nothing to change. Nothing was recorded.";
    case "unreadable":
      return "I couldn't read the client from the tenant just now, so nothing was changed. Please try again in a minute.";
    case "approvers_unknown":
      return APPROVERS_UNKNOWN_TEXT;
    case "no_change":
      return "These are the client's settings already: there is nothing to change. Edit a setting, or close the form.";
  }
}

/** What someone is told when the bot's database cannot be reached: nothing changed, try again. */
export const UNREACHABLE_DATABASE_TEXT =
  "I can't reach my database just now, so nothing was changed. Please try again in a minute.";

/** What someone is told when who the approvers are cannot be checked (the user group can't be read). */
const APPROVERS_UNKNOWN_TEXT =
  "I can't check who the approvers are right now, so nothing was changed. Please try again in a few minutes.";
