import type { RequestStatus } from "./request.ts";

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
