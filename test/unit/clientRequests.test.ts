import { describe, expect, it } from "vitest";
import { sampleRequest } from "../../devkit/fixtures.ts";
import { driftNote, isSentBack, SENT_BACK_REASON } from "../../src/requests/clientRequests.ts";
import { type ClientSettings, changesBetween, type ListChange } from "../../src/requests/clients.ts";

const BEFORE: ClientSettings = {
  name: "App",
  redirectUris: ["https://a.example.com/cb", "https://b.example.com/cb"],
  postLogoutRedirectUris: [],
  allowedCorsOrigins: ["https://a.example.com"],
  accessTokenLifetime: 3600,
  enabled: true,
};

describe("drift, in words", () => {
  it("names every setting that changed in the tenant, in the form's order, and who approved anyway", () => {
    const live: ClientSettings = {
      ...BEFORE,
      enabled: false,
      redirectUris: ["https://b.example.com/cb"],
      name: "Renamed",
      accessTokenLifetime: 600,
    };
    const removed: ListChange = { added: [], removed: ["https://a.example.com/cb"] };
    const changes = changesBetween(BEFORE, live);
    expect(changes.redirectUris).toEqual(removed);
    expect(driftNote("U1", { live, changes })).toBe(
      "applied although the client had changed in the tenant since the request (approved by <@U1>; changed: name, redirect URLs, token lifetime, enabled)",
    );
  });

  it("says when the client was gone", () => {
    expect(driftNote("U2", { live: "gone", changes: {} })).toBe(
      "approved although the client was no longer in the tenant (approved by <@U2>)",
    );
  });

  it("tells a sent-back request from another denial", () => {
    expect(isSentBack(sampleRequest({ status: "denied", decisionReason: SENT_BACK_REASON }))).toBe(true);
    expect(isSentBack(sampleRequest({ status: "denied", decisionReason: "No." }))).toBe(false);
    expect(isSentBack(sampleRequest({ status: "pending", decisionReason: SENT_BACK_REASON }))).toBe(false);
  });
});
