import type { KnownBlock, ModalView } from "@slack/types";
import { describe, expect, it } from "vitest";
import {
  maximalClientRequest,
  SAMPLE_BASELINE,
  sampleClientRequest,
  TARGET_CLIENT_ID,
} from "../../devkit/clientFixtures.ts";
import { sampleRequest } from "../../devkit/fixtures.ts";
import { type ClientEntry, SENT_BACK_REASON } from "../../src/requests/clientRequests.ts";
import { changesBetween, namesMatch } from "../../src/requests/clients.ts";
import { FORM } from "../../src/requests/form.ts";
import { clientApprovalMessage, clientConfirmText, clientStatusLine } from "../../src/slack/surfaces/clientApproval.ts";
import { changesBlocks, changesSummary } from "../../src/slack/surfaces/clientChanges.ts";
import { clientFullRequestModal } from "../../src/slack/surfaces/clientFullRequest.ts";
import {
  beyondTheForm,
  clientActionModal,
  clientChangeModal,
  deleteConfirmModal,
  parseClientFormMetadata,
  parseDeleteConfirmMetadata,
} from "../../src/slack/surfaces/clientModals.ts";
import { clientRequesterMessage, clientThreadMessage } from "../../src/slack/surfaces/clientOutcomes.ts";
import { clientsListMessage, homeClientsSection } from "../../src/slack/surfaces/clientsList.ts";
import { driftMessage, driftModal } from "../../src/slack/surfaces/drift.ts";
import { clientRefusalText } from "../../src/slack/surfaces/refusals.ts";
import { shownWhole, textObjects } from "../support/slackTexts.ts";

const CTX = { approvalChannelId: "C0APPROVALS", tenantLabel: undefined, requestTtlMs: 3_600_000 };
const textOf = (node: unknown) =>
  textObjects(node)
    .map((t) => t.text)
    .join("\n");

const buttons = (blocks: KnownBlock[]) =>
  blocks.flatMap((b) =>
    b.type === "actions"
      ? b.elements.flatMap((e) =>
          e.type === "button"
            ? [{ action: e.action_id ?? "", value: e.value ?? "", text: e.text.text, confirm: "confirm" in e }]
            : [],
        )
      : [],
  );

describe("the diff approvers read", () => {
  it("shows URLs removed and added per list, the lifetime old → new, and what stays as it is", () => {
    const r = sampleClientRequest("change");
    const text = textOf(clientApprovalMessage(r, undefined).blocks);
    expect(text).toContain("*Allowed redirect URLs*: 1 removed (−), 1 added (+)");
    expect(text).toContain("− https://old.example.com/callback\n+ https://new.example.com/callback");
    expect(text).not.toContain("− https://dashboard.example.com/callback");
    expect(text).toContain("*Token lifetime*: 3600 s (1 hour) → 1800 s (30 minutes)");
    expect(text).toContain("Unchanged: name, logout redirect URLs, CORS origins, enabled.");
    expect(text).toContain("Request #42 · Change: Plant dashboard");
    expect(text).toContain(`\`${TARGET_CLIENT_ID}\``);
  });

  it("shows a name old → new and enabled yes → no, and says so when nothing changes", () => {
    const changes = changesBetween(SAMPLE_BASELINE, { ...SAMPLE_BASELINE, name: "New <!here>", enabled: false });
    const text = textOf(changesBlocks(changes, { full: true }));
    expect(text).toContain("Plant dashboard\n→ New <!here>");
    expect(text).toContain("*Enabled*: yes → no");
    expect(textOf(changesBlocks({}, { full: true }))).toBe("No setting changes.");
    expect(changesSummary(changesBetween(SAMPLE_BASELINE, sampleClientRequest("change").baseline))).toBe(
      "no setting changes",
    );
    expect(changesSummary(changesBetween(SAMPLE_BASELINE, { ...SAMPLE_BASELINE, redirectUris: ["https://x/"] }))).toBe(
      "redirect URLs −2 +1",
    );
  });

  it("shortens a long diff on the message, saying so, and shows all of it in View full request", () => {
    const r = maximalClientRequest("change");
    const message = textOf(clientApprovalMessage(r, "production").blocks);
    expect(message).toMatch(/\d+ more changes not shown here: “View full request” shows all 20 in full\./);
    const full = textObjects(clientFullRequestModal(r, "production").blocks);
    const everyUrl = [
      ...r.baseline.redirectUris,
      ...r.redirectUris,
      ...r.baseline.allowedCorsOrigins,
      ...r.allowedCorsOrigins,
    ];
    expect(everyUrl.filter((u) => !shownWhole(full, u))).toEqual([]);
    expect(shownWhole(full, r.baseline.name)).toBe(true);
    expect(shownWhole(full, r.name)).toBe(true);
    expect(full.map((t) => t.text).join("\n")).toContain("*The client after approval*");
  });
});

describe("approval messages by kind", () => {
  it("titles each kind and words what Approve does", () => {
    expect(textOf(clientApprovalMessage(sampleClientRequest("disable"), undefined).blocks)).toContain(
      "*Enabled*: yes → no",
    );
    const enable = sampleClientRequest("enable", {}, { ...SAMPLE_BASELINE, enabled: false });
    expect(textOf(clientApprovalMessage(enable, undefined).blocks)).toContain("*Enabled*: no → yes");
    const del = textOf(clientApprovalMessage(sampleClientRequest("delete"), undefined).blocks);
    expect(del).toContain("Request #42 · Delete: Plant dashboard");
    expect(del).toContain("This cannot be undone. It has 2 redirect URLs, 0 logout redirect URLs, 1 CORS origin");
  });

  it("confirms Approve of a change in a dialog, and sends a delete's Approve to the name confirmation instead", () => {
    const change = buttons(clientApprovalMessage(sampleClientRequest("change"), undefined).blocks);
    expect(change.map((b) => [b.action, b.value, b.confirm])).toEqual([
      ["view_request", "42", false],
      ["approve_request", "42", true],
      ["deny_request", "42", false],
    ]);
    const del = buttons(clientApprovalMessage(sampleClientRequest("delete"), undefined).blocks);
    expect(del.find((b) => b.action === "approve_request")).toMatchObject({ text: "Approve…", confirm: false });
    expect(clientConfirmText(sampleClientRequest("change"), "staging")).toBe(
      "Apply the change to “Plant dashboard” in staging now? It can take up to an hour to take effect; “View full request” shows all of it.",
    );
    expect(clientConfirmText(sampleClientRequest("disable", { requiredApprovals: 2 }), undefined)).toContain(
      "Approval 1 of 2: applied at the 2nd.",
    );
  });

  it("words the status by kind: applying, applied, failed, sent back", () => {
    const at = { decidedBy: "U0APPROVE1", decidedAt: 1, approvedBy: ["U0APPROVE1"] };
    expect(clientStatusLine(sampleClientRequest("change", { status: "creating", ...at }))).toContain(
      "applying the change…",
    );
    expect(clientStatusLine(sampleClientRequest("delete", { status: "created", ...at }))).toContain("client deleted");
    expect(clientStatusLine(sampleClientRequest("disable", { status: "failed", ...at, attempts: 3 }))).toContain(
      "disabling the client failed (attempt 3)",
    );
    const back = sampleClientRequest("change", { status: "denied", ...at, decisionReason: SENT_BACK_REASON });
    expect(clientStatusLine(back)).toContain("Sent back by <@U0APPROVE1>");
    expect(buttons(clientApprovalMessage(back, undefined).blocks).map((b) => b.action)).toEqual(["view_request"]);
  });
});

describe("what the requester is told", () => {
  const done = { status: "created" as const, decidedBy: "U0APPROVE1", decidedAt: 1, approvedBy: ["U0APPROVE1"] };

  it("says a change, disable or enable can take up to an hour to take effect", () => {
    for (const kind of ["change", "disable", "enable"] as const) {
      const text = textOf(clientRequesterMessage(sampleClientRequest(kind, done), "created", CTX).blocks);
      expect(text.toLowerCase()).toContain("changes can take up to an hour to take effect");
    }
    expect(textOf(clientRequesterMessage(sampleClientRequest("change", done), "created", CTX).blocks)).toContain(
      "Your change to the client *Plant dashboard*",
    );
  });

  it("tells a delete of a client already gone as recorded, not failed", () => {
    const gone = sampleClientRequest("delete", { ...done, outcomeNote: "already deleted in the tenant" });
    const text = textOf(clientRequesterMessage(gone, "created", CTX).blocks);
    expect(text).toContain("was already deleted in the tenant");
    expect(text).toContain("recorded as done");
    expect(clientThreadMessage(gone, "created")?.text).toContain("already deleted in the tenant");
    const deleted = textOf(clientRequesterMessage(sampleClientRequest("delete", done), "created", CTX).blocks);
    expect(deleted).toContain("was deleted, approved by <@U0APPROVE1>");
  });

  it("tells a send-back apart from a deny, and says what to do next", () => {
    const back = sampleClientRequest("change", {
      status: "denied",
      decidedBy: "U0APPROVE1",
      decidedAt: 1,
      decisionReason: SENT_BACK_REASON,
    });
    const text = textOf(clientRequesterMessage(back, "denied", CTX).blocks);
    expect(text).toContain("was sent back by <@U0APPROVE1>");
    expect(text).toContain("`/create-auth-client clients` shows the client as it is now");
    expect(clientThreadMessage(back, "denied")?.text).toContain("Sent back by");
    expect(clientThreadMessage({ ...back, decisionReason: "No." }, "denied")).toBeUndefined();
  });
});

const entry = (overrides: Partial<ClientEntry> = {}): ClientEntry => ({
  clientId: TARGET_CLIENT_ID,
  tenant: "default",
  createdBy: sampleRequest({ id: 7, status: "created", createdClientId: TARGET_CLIENT_ID }),
  live: SAMPLE_BASELINE,
  open: [],
  ...overrides,
});

describe("the clients list", () => {
  it("shows each client as read now, with change, disable and delete buttons carrying the creating request", () => {
    const message = clientsListMessage(
      [
        entry(),
        entry({
          createdBy: sampleRequest({ id: 5, name: "Old" }),
          live: { ...SAMPLE_BASELINE, enabled: false },
        }),
      ],
      false,
      () => undefined,
    );
    const text = textOf(message.blocks);
    expect(text).toContain(":large_green_circle: enabled · from request #7");
    expect(text).toContain(
      "Redirect URLs (2): https://dashboard.example.com/callback, https://old.example.com/callback",
    );
    expect(text).toContain("Token lifetime: 3600 s (1 hour)");
    expect(buttons(message.blocks).map((b) => [b.action, b.value])).toEqual([
      ["client_change", "7"],
      ["client_disable", "7"],
      ["client_delete", "7"],
      ["client_change", "5"],
      ["client_enable", "5"],
      ["client_delete", "5"],
    ]);
  });

  it("offers no button for a client gone or unreadable, and names the requests open about it", () => {
    const open = [sampleClientRequest("change", { id: 12 })];
    const blocks = homeClientsSection(
      [entry({ live: "gone", open }), entry({ live: "unreadable" })],
      true,
      () => undefined,
    );
    expect(buttons(blocks)).toEqual([]);
    const text = textOf(blocks);
    expect(text).toContain("It no longer exists in the tenant.");
    expect(text).toContain("I couldn't read it from the tenant just now");
    expect(text).toContain("Open requests about it: #12 change (pending)");
    expect(text).toContain("And more: `/create-auth-client clients` lists them.");
  });

  it("shows names read from the tenant inert", () => {
    const text = textOf(
      clientsListMessage([entry({ live: { ...SAMPLE_BASELINE, name: "<!channel> & co" } })], false, () => undefined)
        .blocks,
    );
    expect(text).toContain("*&lt;!channel&gt; &amp; co*");
  });
});

describe("the forms", () => {
  const client = { clientId: TARGET_CLIENT_ID, tenant: "staging", live: SAMPLE_BASELINE };
  type Input = { block_id?: string; element: { initial_value?: string; max_length?: number; type: string } };
  const inputs = (view: ModalView) => view.blocks.filter((b) => b.type === "input") as unknown as Input[];

  it("starts the change form from the client's current settings, its tenant fixed, its limits from FORM", () => {
    const view = clientChangeModal(client, "staging (uswe…)", "C0ORIGIN");
    expect(view.callback_id).toBe("client_change_form");
    expect(parseClientFormMetadata(view.private_metadata)).toEqual({
      kind: "change",
      tenant: "staging",
      clientId: TARGET_CLIENT_ID,
      channelId: "C0ORIGIN",
    });
    const byId = Object.fromEntries(inputs(view).map((i) => [i.block_id, i.element]));
    expect(Object.keys(byId)).toEqual([
      "name",
      "redirectUris",
      "postLogoutRedirectUris",
      "allowedCorsOrigins",
      "accessTokenLifetime",
      "justification",
    ]);
    expect(byId.name?.initial_value).toBe("Plant dashboard");
    expect(byId.redirectUris?.initial_value).toBe(
      "https://dashboard.example.com/callback\nhttps://old.example.com/callback",
    );
    expect(byId.postLogoutRedirectUris?.initial_value).toBeUndefined();
    expect(byId.accessTokenLifetime?.initial_value).toBe("3600");
    expect(byId.justification?.initial_value).toBeUndefined();
    expect(byId.redirectUris?.max_length).toBe(FORM.listInputMaxLength);
    expect(byId.name?.max_length).toBe(FORM.name.maxLength);
  });

  it("says when a client's settings are beyond what the form holds", () => {
    expect(beyondTheForm(SAMPLE_BASELINE)).toBeUndefined();
    const wide = {
      ...SAMPLE_BASELINE,
      redirectUris: Array.from({ length: 11 }, (_, i) => `https://a${i}.example.com/`),
    };
    expect(beyondTheForm(wide)).toContain("more redirect URLs than the form holds");
    expect(beyondTheForm({ ...SAMPLE_BASELINE, accessTokenLifetime: 7200 })).toContain(
      "token lifetime is outside 60–3600 s",
    );
    expect(parseClientFormMetadata('{"kind":"rename","tenant":"a","clientId":"b"}')).toBeUndefined();
    expect(parseClientFormMetadata("not json")).toBeUndefined();
  });

  it("asks for a justification to disable, enable or delete, in the words of each", () => {
    const view = clientActionModal("delete", client, undefined, undefined);
    expect(view.callback_id).toBe("client_action_form");
    expect(inputs(view).map((i) => i.block_id)).toEqual(["justification"]);
    expect(textOf(view.blocks)).toContain("It cannot be undone; an approver confirms by typing its name.");
    expect(clientActionModal("disable", client, undefined, undefined).submit?.text).toBe("Ask to disable");
  });

  it("asks the approver of a delete to type the client's name", () => {
    const r = sampleClientRequest("delete", { id: 9 });
    const view = deleteConfirmModal(r, undefined);
    expect(view.callback_id).toBe("delete_confirm");
    expect(JSON.parse(view.private_metadata ?? "")).toEqual({ requestId: 9, despiteDrift: false });
    expect(parseDeleteConfirmMetadata(view.private_metadata ?? "")).toEqual({ requestId: 9, despiteDrift: false });
    const despite = deleteConfirmModal(r, undefined, { despiteDrift: true });
    expect(parseDeleteConfirmMetadata(despite.private_metadata ?? "")).toEqual({ requestId: 9, despiteDrift: true });
    expect(
      textObjects(despite.blocks)
        .map((t) => t.text)
        .join(" "),
    ).toContain("changed in the tenant since the request");
    expect(parseDeleteConfirmMetadata('{"requestId":"9"}')).toBeUndefined();
    expect(inputs(view).map((i) => i.block_id)).toEqual(["confirm_name"]);
    expect(textObjects(view.blocks)).toContainEqual({ type: "plain_text", text: "Plant dashboard" });
    expect(namesMatch("  Plant dashboard ", r.name)).toBe(true);
    expect(namesMatch("plant dashboard", r.name)).toBe(false);
  });
});

describe("drift", () => {
  const r = sampleClientRequest("change", { id: 11 });
  const live = {
    ...SAMPLE_BASELINE,
    redirectUris: [...SAMPLE_BASELINE.redirectUris, "https://portal.example.com/cb"],
    accessTokenLifetime: 900,
  };

  it("shows what changed in the tenant since the request, what Apply anyway does, and both buttons", () => {
    const note = driftMessage(r, { live, changes: changesBetween(r.baseline, live) });
    const text = textOf(note.blocks);
    expect(text).toContain("changed in the tenant since request #11 was made");
    expect(text).toContain("+ https://portal.example.com/cb");
    expect(text).toContain("*Token lifetime*: 3600 s (1 hour) → 900 s (15 minutes)");
    // Apply anyway sends the request's settings: the portal's URL goes, the lifetime becomes 1800.
    expect(text).toContain("− https://portal.example.com/cb");
    expect(text).toContain("900 s (15 minutes) → 1800 s (30 minutes)");
    expect(buttons(note.blocks).map((b) => [b.action, b.value, b.confirm])).toEqual([
      ["drift_apply_anyway", "11", true],
      ["drift_send_back", "11", false],
    ]);
    expect(driftModal(r, { live, changes: changesBetween(r.baseline, live) }).callback_id).toBe("client_drift");
  });

  it("offers only Send back when the client of a change is gone, and both for a delete", () => {
    expect(buttons(driftMessage(r, { live: "gone", changes: {} }).blocks).map((b) => b.action)).toEqual([
      "drift_send_back",
    ]);
    const del = driftMessage(sampleClientRequest("delete"), { live: "gone", changes: {} });
    expect(buttons(del.blocks).map((b) => b.action)).toEqual(["drift_apply_anyway", "drift_send_back"]);
    expect(textOf(del.blocks)).toContain("*Apply anyway* records the delete as done");
  });
});

describe("refusals about clients", () => {
  it("reads the same for a client that is not yours as for one that does not exist", () => {
    expect(clientRefusalText("not_found")).toBe(
      "I can't find that client, or it isn't yours to manage: only clients created through me can be changed here, by the person who asked for them and by approvers. Nothing was changed.",
    );
  });
});
