import { describe, expect, it } from "vitest";
import { type RequestStatus, requestStatuses } from "../../src/requests/request.ts";
import { canTransition, isFinal, TRANSITIONS } from "../../src/requests/states.ts";

describe("state machine", () => {
  it("allows exactly the transitions of DESIGN.md", () => {
    const allowed = requestStatuses.flatMap((from) =>
      requestStatuses.filter((to) => canTransition(from, to)).map((to) => `${from}→${to}`),
    );
    expect(allowed.sort()).toEqual(
      [
        "pending→approved",
        "pending→denied",
        "pending→cancelled",
        "pending→expired",
        "approved→creating",
        "creating→creating",
        "creating→created",
        "creating→failed",
        "failed→creating",
      ].sort(),
    );
    for (const final of ["created", "denied", "cancelled", "expired"] as RequestStatus[])
      expect(TRANSITIONS[final]).toEqual([]);
  });

  it("calls final exactly the statuses nothing follows", () => {
    expect(requestStatuses.filter(isFinal)).toEqual(requestStatuses.filter((s) => TRANSITIONS[s].length === 0));
    expect(isFinal("failed")).toBe(false);
  });
});

// The store's conditional transitions, audit trail, claims and limits: test/support/requestStoreCases.ts,
// run on SQLite by test/unit/requestStore.test.ts and on PostgreSQL by test/db/requestStore.postgres.test.ts.
