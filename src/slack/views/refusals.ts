import type { Request } from "../../requests/repository.ts";
import type { DecisionRefusal } from "../../requests/service.ts";
import { plainStatus } from "./approvalMessage.ts";
import { mention } from "./format.ts";

/** What someone is told when their click changes nothing. */
export function refusalText(refusal: DecisionRefusal, request: Request | undefined): string {
  const which = request ? `request #${request.id}` : "this request";
  switch (refusal) {
    case "not_found":
      return "I can't find that request any more.";
    case "not_approver":
      return `Only the designated approvers can decide on ${which}. Nothing was changed.`;
    case "self_approval":
      return `You asked for ${which} yourself, so another approver has to decide on it. Nothing was changed.`;
    case "not_requester":
      return `Only ${request ? mention(request.requesterId) : "the requester"} can cancel ${which}.`;
    case "already_decided":
      if (!request) return "That request has already been decided.";
      if (request.status === "pending") return `${capital(which)} is already being handled.`;
      return `${capital(which)} is already ${request.decidedBy ? `${describe(request)} by ${mention(request.decidedBy)}` : describe(request)}. Nothing was changed.`;
  }
}

function describe(r: Request): string {
  return r.status === "cancelled"
    ? "cancelled"
    : r.status === "expired"
      ? "expired"
      : r.status === "denied"
        ? "denied"
        : plainStatus(r);
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
