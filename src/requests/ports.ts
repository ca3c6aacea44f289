import type { Request } from "./repository.ts";

export interface MessageRef {
  channelId: string;
  ts: string;
}

/** What the requester is told, one message per event. */
export type RequesterEvent =
  | "recorded"
  /** Recorded, but the approvers' channel could not be reached yet. */
  | "recorded_unposted"
  | "denied"
  | "cancelled"
  | "expired"
  | "created"
  | "failed";

/** What the approvers are told in the request's thread. */
export type ApproverEvent = "created" | "failed" | "cancelled" | "expired" | "reminder" | "denied" | "retrying";

/** How the domain talks to people. Implemented with Slack in src/slack; the domain knows nothing of it. */
export interface Notifier {
  postForApproval(request: Request): Promise<MessageRef>;
  /** Re-renders the approval message from the request's current state. */
  refreshApprovalMessage(request: Request): Promise<void>;
  tellRequester(request: Request, event: RequesterEvent): Promise<void>;
  tellApprovers(request: Request, event: ApproverEvent): Promise<void>;
}

/** Who may decide on requests. */
export interface ApproverDirectory {
  isApprover(userId: string): Promise<boolean>;
}
