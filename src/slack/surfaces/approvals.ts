import { POLICY_ACTOR } from "../../requests/policies.ts";
import type { Request } from "../../requests/request.ts";
import { escapeMrkdwn, mention, plural } from "./format.ts";

/** How approvals read: who approved, how many of how many, and what an approver's click will do. */

type Approvals = Pick<Request, "status" | "decidedBy" | "decisionReason" | "approvedBy" | "requiredApprovals">;

function inWords(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/** Who approved: "<@A> and <@B>", or "policy: only loopback URLs" for a request no person had to approve. */
export function approverNames(r: Approvals): string {
  if (r.decidedBy === POLICY_ACTOR) return `policy: ${escapeMrkdwn(r.decisionReason ?? "its tenant's rule")}`;
  // Requests approved before approvals were counted name only their decider.
  const people = r.approvedBy.length > 0 ? r.approvedBy : r.decidedBy ? [r.decidedBy] : [];
  return inWords(people.map(mention));
}

/** How a recorded actor reads in a history: a person, the bot, or the tenant's policy. */
export function actorName(actor: string): string {
  if (actor === "system") return "the bot";
  if (actor === POLICY_ACTOR) return "policy";
  return mention(actor);
}

/** "1 of 2 approvals: <@A>" while a request needing several approvals is pending; otherwise undefined. */
export function approvalProgress(r: Approvals): string | undefined {
  if (r.status !== "pending" || r.requiredApprovals <= 1) return undefined;
  const n = r.approvedBy.length;
  return `${n} of ${r.requiredApprovals} approvals${n > 0 ? `: ${inWords(r.approvedBy.map(mention))}` : " yet"}`;
}

/** What a pending request waits for: "a decision", or "1 more approval (1 of 2: <@A>)". */
export function stillWaitingFor(r: Approvals): string {
  const progress = approvalProgress(r);
  if (!progress) return "a decision";
  return `${plural(r.requiredApprovals - r.approvedBy.length, "more approval")} (${progress})`;
}

/** For an approver who clicks Approve again. */
export function alreadyApprovedText(r: Pick<Request, "id" | "approvedBy" | "requiredApprovals">): string {
  const missing = Math.max(1, r.requiredApprovals - r.approvedBy.length);
  return `You have already approved request #${r.id} (${r.approvedBy.length} of ${r.requiredApprovals} approvals); it needs ${plural(missing, "more approval")} from other approvers. Nothing was changed.`;
}
