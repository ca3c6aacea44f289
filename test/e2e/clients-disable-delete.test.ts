import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { APPROVER, Harness, OUTSIDER, REQUESTER, textOf } from "../../devkit/harness.ts";
import {
  clickClient,
  clickInModal,
  createdClient,
  postedRequestOf,
  submitClientAction,
  submitDeleteConfirm,
  viewOf,
  viewText,
} from "./clients-slack-support.ts";
import { WAIT_MS } from "./lifecycle-support.ts";

describe("disabling, enabling and deleting a client through the same review", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start();
  });
  afterEach(async () => {
    await h.stop();
  });

  /** The requester's DM whose text includes `words`. */
  const dmSaying = (words: string) =>
    h.slack.waitFor(
      () => h.dmsTo(REQUESTER).find((c) => textOf(c.args).includes(words)),
      WAIT_MS,
      `a DM saying "${words}"`,
    );

  it("disable, then enable: each approved sends the client's settings with Enabled switched, nothing else changed", async () => {
    const { createdBy, clientId } = await createdClient(h);
    await clickClient(h, REQUESTER, "client_disable", createdBy);
    const form = await h.slack.waitFor(() => h.slack.callsOf("views.update")[0], WAIT_MS, "the disable form");
    expect(viewOf(form).callback_id).toBe("client_action_form");
    expect(viewText(form)).toContain("Disabling stops all sign-ins with this client");

    await submitClientAction(h, REQUESTER, "disable", clientId);
    const disable = await postedRequestOf(h, REQUESTER, createdBy);
    expect(disable.request.kind).toBe("disable");
    expect(textOf(h.approvalPosts().at(-1)?.args ?? {})).toContain(
      `Request #${disable.request.id} · Disable: Plant dashboard`,
    );
    expect(textOf(h.approvalPosts().at(-1)?.args ?? {})).toContain("*Enabled*: yes → no");
    await h.click(APPROVER, "approve_request", disable.request.id, disable.ts);
    await h.waitForStatus(disable.request.id, "created", WAIT_MS);
    const settings = {
      Id: clientId,
      Name: "Plant dashboard",
      RedirectUris: ["https://dashboard.example.com/callback", "http://localhost:5173/callback"],
      PostLogoutRedirectUris: ["https://dashboard.example.com/"],
      AllowedCorsOrigins: ["https://dashboard.example.com"],
      AccessTokenLifetime: 1800,
    };
    expect(h.identity.callsTo("PUT client").map((c) => c.body)).toEqual([{ ...settings, Enabled: false }]);
    expect(textOf((await dmSaying("is disabled")).args)).toContain("can take up to an hour to take effect");

    await h.command(REQUESTER, "clients");
    const list = await h.slack.waitFor(() => h.slack.responses[0], WAIT_MS, "the clients reply");
    expect(textOf(list.body)).toContain(":red_circle: disabled");
    expect(JSON.stringify(list.body.blocks)).toContain(`"action_id":"client_enable","value":"${createdBy}"`);

    await submitClientAction(h, REQUESTER, "enable", clientId);
    const enable = await postedRequestOf(h, REQUESTER, disable.request.id);
    await h.click(APPROVER, "approve_request", enable.request.id, enable.ts);
    await h.waitForStatus(enable.request.id, "created", WAIT_MS);
    expect(h.identity.callsTo("PUT client").map((c) => c.body)).toEqual([
      { ...settings, Enabled: false },
      { ...settings, Enabled: true },
    ]);
    await dmSaying("is enabled again");
  });

  it("delete: the approver types the client's name; a wrong one is refused in the form; then it is deleted once", async () => {
    const { createdBy, clientId } = await createdClient(h);
    const answer = await submitClientAction(h, REQUESTER, "delete", clientId, "short");
    expect(JSON.stringify(answer.json)).toContain("at least 10 characters");
    await submitClientAction(h, REQUESTER, "delete", clientId);
    const { request, ts } = await postedRequestOf(h, REQUESTER, createdBy);
    expect(textOf(h.approvalPosts().at(-1)?.args ?? {})).toContain("This cannot be undone.");

    // Only an approver gets as far as the name: anyone else is refused where they clicked.
    await h.click(OUTSIDER, "approve_request", request.id, ts);
    const refused = await h.slack.waitFor(() => h.ephemeralsTo(OUTSIDER)[0], WAIT_MS, "the refusal");
    expect(String(refused.args.text)).toContain("Only the designated approvers can decide");
    for (const name of ["Plant dashboard", "Not its name"]) {
      const forged = await submitDeleteConfirm(h, OUTSIDER, request.id, name);
      expect(forged.json).toEqual({
        response_action: "errors",
        errors: {
          confirm_name: "Only the designated approvers can decide on this request. Nothing was changed.",
        },
      });
    }
    expect(h.slack.callsOf("views.open")).toHaveLength(0);

    await h.click(APPROVER, "approve_request", request.id, ts);
    const confirm = await h.slack.waitFor(() => h.slack.callsOf("views.open")[0], WAIT_MS, "the delete confirmation");
    expect(viewOf(confirm).callback_id).toBe("delete_confirm");
    expect((await h.request(request.id))?.status).toBe("pending");

    const wrong = await submitDeleteConfirm(h, APPROVER, request.id, "Plant dashboards");
    expect(wrong.json).toEqual({
      response_action: "errors",
      errors: { confirm_name: "That is not the client's name: type it exactly as shown above." },
    });
    expect((await h.request(request.id))?.status).toBe("pending");

    const right = await submitDeleteConfirm(h, APPROVER, request.id, " Plant dashboard ", "VDELETEOK");
    expect(right.json).toMatchObject({ response_action: "update" });
    await h.waitForStatus(request.id, "created", WAIT_MS);
    const done = await h.slack.waitFor(
      () => h.slack.callsOf("views.update").find((c) => c.args.view_id === "VDELETEOK"),
      WAIT_MS,
      "the confirmation's outcome",
    );
    expect(viewText(done)).toContain(`Request #${request.id} is approved: the client is being deleted.`);
    expect(h.identity.callsTo("DELETE client")).toHaveLength(1);
    expect(h.identity.client(clientId)).toBeUndefined();
    expect(textOf((await dmSaying("was deleted, approved by")).args)).toContain(`client Id \`${clientId}\``);
  });

  it("delete of a client already gone: shown to the approver, approved anyway, recorded as already deleted (not failed)", async () => {
    const { createdBy, clientId } = await createdClient(h);
    await submitClientAction(h, REQUESTER, "delete", clientId);
    const { request } = await postedRequestOf(h, REQUESTER, createdBy);
    h.identity.deleteInPortal(clientId);

    await submitDeleteConfirm(h, APPROVER, request.id, "Plant dashboard", "VGONE");
    const drift = await h.slack.waitFor(
      () =>
        h.slack
          .callsOf("views.update")
          .find((c) => c.args.view_id === "VGONE" && viewOf(c).callback_id === "client_drift"),
      WAIT_MS,
      "the drift modal",
    );
    expect(viewText(drift)).toContain("*It no longer exists in the tenant.*");
    expect((await h.request(request.id))?.status).toBe("pending");

    // Apply anyway asks for the name again (a delete never goes without it): nothing is deleted yet.
    await clickInModal(h, APPROVER, "drift_apply_anyway", String(request.id), "VGONE");
    const again = await h.slack.waitFor(
      () =>
        h.slack
          .callsOf("views.update")
          .find((c) => c.args.view_id === "VGONE" && viewOf(c).callback_id === "delete_confirm"),
      WAIT_MS,
      "the name asked again",
    );
    expect(JSON.parse(viewOf(again).private_metadata ?? "{}")).toEqual({ requestId: request.id, despiteDrift: true });
    expect(viewText(again)).toContain("The client changed in the tenant since the request");
    expect((await h.request(request.id))?.status).toBe("pending");
    expect(h.identity.callsTo("DELETE client")).toHaveLength(0);

    const typed = await submitDeleteConfirm(h, APPROVER, request.id, "Plant dashboard", "VGONE", {
      despiteDrift: true,
    });
    expect(typed.json).toMatchObject({ response_action: "update" });
    const done = await h.waitForStatus(request.id, "created", WAIT_MS);
    expect(done.outcomeNote).toContain("already deleted in the tenant");
    expect(done.outcomeNote).toContain("approved although the client was no longer in the tenant");
    expect(textOf((await dmSaying("was already deleted in the tenant")).args)).toContain("recorded as done");
    const resolved = await h.slack.waitFor(
      () =>
        h.slack
          .callsOf("views.update")
          .filter((c) => c.args.view_id === "VGONE" && viewText(c).includes("is approved"))
          .at(-1),
      WAIT_MS,
      "the confirmation's outcome",
    );
    expect(viewText(resolved)).toContain(`Request #${request.id} is approved: the client is being deleted.`);
  });
});
