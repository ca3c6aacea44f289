import type { Request } from "../../requests/request.ts";
import type { DecisionRefusal } from "../../requests/service.ts";
import { alreadyApprovedText, approverNames } from "./approvals.ts";
import { mention } from "./format.ts";

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

/** What someone is told when the bot's database cannot be reached: nothing changed, try again. */
export const DATABASE_UNAVAILABLE_TEXT =
  "I can't reach my database just now, so nothing was changed. Please try again in a minute.";
