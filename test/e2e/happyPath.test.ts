import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { APPROVAL_CHANNEL, APPROVER, Harness, REQUESTER, textOf, VALID_FORM } from "../../devkit/harness.ts";

describe("request → approve → create → reply", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start();
  });
  afterEach(async () => {
    await h.stop();
  });

  it("creates the client with the exact body and DMs the requester its Id", async () => {
    const opened = await h.command(REQUESTER);
    expect(opened.status).toBe(200);
    const [open] = await h.slack.waitForCalls("views.open");
    expect((open?.args.view as { callback_id?: string } | undefined)?.callback_id).toBe("create_auth_client");

    const { id, ts } = await h.submitValid();
    const request = await h.request(id);
    expect(request?.status).toBe("pending");

    const approved = await h.click(APPROVER, "approve_request", id, ts);
    expect(approved.status).toBe(200);
    const created = await h.waitForStatus(id, "created");

    const posts = h.identity.callsTo("POST clients");
    expect(posts).toHaveLength(1);
    expect(posts[0]?.body).toEqual({
      Id: request?.clientGuid,
      Name: "Plant dashboard",
      RedirectUris: ["https://dashboard.example.com/callback", "http://localhost:5173/callback"],
      PostLogoutRedirectUris: ["https://dashboard.example.com/"],
      AllowedCorsOrigins: ["https://dashboard.example.com"],
      AccessTokenLifetime: 1800,
      Enabled: true,
      ClientUri: null,
      LogoUri: null,
      Tags: null,
      AllowOfflineAccess: false,
    });
    expect(created.createdClientId).toBe(request?.clientGuid);

    const dm = await h.slack.waitFor(() =>
      h.dmsTo(REQUESTER).find((c) => textOf(c.args).includes("Client Id") || textOf(c.args).includes("client Id")),
    );
    expect(textOf(dm.args)).toContain(created.createdClientId as string);
    const thread = await h.slack.waitFor(() =>
      h.slack.callsOf("chat.postMessage").find((c) => c.args.channel === APPROVAL_CHANNEL && c.args.thread_ts === ts),
    );
    expect(textOf(thread.args)).toContain(created.createdClientId as string);
    expect(VALID_FORM.name).toBe("Plant dashboard");
  });
});
