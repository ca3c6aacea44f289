/** The Identity API calls the bot makes, as counted. */
export type IdentityOperation =
  | "discovery"
  | "token"
  | "create_client"
  | "read_client"
  | "list_clients"
  | "update_client"
  | "delete_client";

/** How a call ended: the HTTP status of the answer, or no answer at all. */
export type IdentityCallOutcome = number | "network" | "timeout";

/** What is counted of the Identity API: every call with its outcome, and every retry with the failure retried. */
export interface IdentityMetrics {
  identityCall(operation: IdentityOperation, outcome: IdentityCallOutcome): void;
  identityRetry(failure: number | string): void;
}

export const noIdentityMetrics: IdentityMetrics = {
  identityCall() {},
  identityRetry() {},
};
