import { describe, expect, it } from "vitest";
import { type RequestStatus, requestStatuses } from "../../src/requests/request.ts";
import { canTransition, TRANSITIONS } from "../../src/requests/states.ts";

describe("state machine", () => {
  it("allows exactly the transitions of docs/ARCHITECTURE.md", () => {
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
});

// The store's conditional transitions, audit trail, claims and limits: test/support/requestStoreCases.ts,
// run on SQLite by test/unit/requestStore.test.ts and on PostgreSQL by test/db/requestStore.postgres.test.ts.
