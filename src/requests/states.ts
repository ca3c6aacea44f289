import type { RequestStatus } from "../requests/request.ts";

/** Which status may follow which (docs/ARCHITECTURE.md, "A request's states"). */
export const TRANSITIONS: Record<RequestStatus, readonly RequestStatus[]> = {
  pending: ["approved", "denied", "cancelled", "expired"],
  approved: ["creating"],
  creating: ["creating", "created", "failed"],
  failed: ["creating"],
  created: [],
  denied: [],
  cancelled: [],
  expired: [],
};

export function canTransition(from: RequestStatus, to: RequestStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export const FINAL_STATUSES: readonly RequestStatus[] = ["created", "denied", "cancelled", "expired"];

export function isFinal(status: RequestStatus): boolean {
  return FINAL_STATUSES.includes(status);
}
