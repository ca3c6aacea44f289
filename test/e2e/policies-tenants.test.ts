import { afterEach, describe, expect, it } from "vitest";
import { APPROVER, APPROVER_2, Harness, OUTSIDER, REQUESTER, textOf, VALID_FORM } from "../../devkit/harness.ts";
import { errorResponse, IdentityStandIn } from "../../devkit/identityStandIn.ts";
import type { Person } from "../../devkit/slackRequests.ts";
import { buttonValues, clickInHome, openHome, WAIT_MS, waitForHome } from "./lifecycle-support.ts";

/** Per-tenant approvers and policies in OCS_TENANTS, end to end. */

const BETA_TENANT = "9d2f6c1a-3b4e-4f5a-8c7d-6e5f4a3b2c1d";
const APPROVER_3: Person = { id: "U0APPROVE3", name: "carol" };
/** A global approver: decides for tenants without approvers of their own, and only for those. */
const GLOBAL: Person = { id: "U0GLOBAL1", name: "gina" };

interface Tenants {
  h: Harness;
  alpha: IdentityStandIn;
  beta: IdentityStandIn;
}

async function startWithTenants(settings: { alpha: object; beta: object }): Promise<Tenants> {
  const alpha = new IdentityStandIn();
  const beta = new IdentityStandIn();
  beta.tenantId = BETA_TENANT;
  beta.clientId = "beta-bot-client";
  beta.clientSecret = "beta-bot-secret-value-0001";
  const connection = (s: IdentityStandIn, url: string) => ({
    url,
    tenantId: s.tenantId,
    clientId: s.clientId,
    clientSecret: s.clientSecret,
  });
  const tenants = {
    alpha: { ...connection(alpha, await alpha.start()), ...settings.alpha },
    beta: { ...connection(beta, await beta.start()), ...settings.beta },
  };
  const h = await Harness.start({ env: { OCS_TENANTS: JSON.stringify(tenants), APPROVER_USER_IDS: GLOBAL.id } });
  return { h, alpha, beta };
}

const noteTo = (h: Harness, who: Person, n: number) =>
  h.slack.waitFor(() => h.ephemeralsTo(who)[n - 1], WAIT_MS, `note ${n} to ${who.name}`);

describe("tenant approvers", () => {
  let t: Tenants | undefined;
  afterEach(async () => {
    await t?.h.stop();
    await t?.alpha.stop();
    await t?.beta.stop();
    t = undefined;
  });

  it("only a tenant's own approvers decide its requests: channel, Retry, App Home and status", async () => {
    t = await startWithTenants({
      alpha: { approverUserIds: [APPROVER.id] },
      beta: { approverUserIds: [APPROVER_2.id] },
    });
    const { h, alpha } = t;
    const a = await h.submitValid(REQUESTER, { ...VALID_FORM, tenant: "alpha", name: "Alpha app" });
    const b = await h.submitValid(REQUESTER, { ...VALID_FORM, tenant: "beta", name: "Beta app" });

    // Beta's approver, and the global one, are refused on alpha's request: Approve and Deny alike.
    for (const [who, n] of [
      [APPROVER_2, 1],
      [GLOBAL, 1],
    ] as const) {
      await h.click(who, "approve_request", a.id, a.ts);
      expect(String((await noteTo(h, who, n)).args.text)).toMatch(/Only the designated approvers/);
      await h.click(who, "deny_request", a.id, a.ts);
      expect(String((await noteTo(h, who, n + 1)).args.text)).toMatch(/Only the designated approvers/);
    }
    expect(h.slack.callsOf("views.open")).toHaveLength(0);
    expect((await h.request(a.id))?.status).toBe("pending");

    // App Home: each approver sees only their tenant's request; the global one sees nothing to decide.
    await openHome(h, APPROVER);
    const alphaHome = await waitForHome(h, APPROVER, (x) => x.text.includes("Waiting for you (1)"));
    expect(buttonValues(alphaHome.blocks, "approve_request")).toEqual([String(a.id)]);
    await openHome(h, APPROVER_2);
    const betaHome = await waitForHome(h, APPROVER_2, (x) => x.text.includes("Waiting for you (1)"));
    expect(buttonValues(betaHome.blocks, "approve_request")).toEqual([String(b.id)]);
    await openHome(h, GLOBAL);
    const globalHome = await waitForHome(h, GLOBAL);
    expect(globalHome.text).not.toContain("Waiting for you");
    // A click from a Home tab is checked the same way.
    await clickInHome(h, APPROVER_2, "approve_request", String(a.id), betaHome.privateMetadata);
    await waitForHome(h, APPROVER_2, (x) => x.text.includes("Only the designated approvers"));
    expect((await h.request(a.id))?.status).toBe("pending");

    // status: another tenant's approver may not read the request; its own may.
    await h.command(APPROVER_2, `status ${a.id}`);
    const refused = await h.slack.waitFor(() => h.slack.responses[0], WAIT_MS, "the status reply");
    expect(textOf(refused.body)).toContain("isn't yours to see");
    await h.command(APPROVER, `status ${a.id}`);
    const shown = await h.slack.waitFor(() => h.slack.responses[1], WAIT_MS, "the second status reply");
    expect(textOf(shown.body)).toContain("Alpha app");
    // View full request: the same rule, and nothing opens for the other tenant's approver.
    await h.click(APPROVER_2, "view_request", a.id, a.ts);
    expect(String((await noteTo(h, APPROVER_2, 3)).args.text)).toContain("isn't yours to see");
    expect(h.slack.callsOf("views.open")).toHaveLength(0);
    await h.click(APPROVER, "view_request", a.id, a.ts);
    await h.slack.waitFor(() => h.slack.callsOf("views.open")[0], WAIT_MS, "the full request");

    // Retry of a failed creation: the same rule.
    alpha.inject({ route: "POST clients", ...errorResponse(400, "Invalid request.", "Rejected for the test.") });
    await h.click(APPROVER, "approve_request", a.id, a.ts);
    await h.waitForStatus(a.id, "failed", WAIT_MS);
    await h.click(APPROVER_2, "retry_request", a.id, a.ts);
    expect(String((await noteTo(h, APPROVER_2, 4)).args.text)).toMatch(/Only the designated approvers/);
    expect((await h.request(a.id))?.status).toBe("failed");
    await h.click(APPROVER, "retry_request", a.id, a.ts);
    await h.waitForStatus(a.id, "created", WAIT_MS);
    expect(alpha.clients.size).toBe(1);
  });

  it("each tenant's policy: two approvers and allowed hosts for production, auto-approval for staging", async () => {
    t = await startWithTenants({
      alpha: {
        requiredApprovals: 2,
        allowedRedirectHosts: ["*.example.com"],
        approverUserIds: [APPROVER.id, APPROVER_2.id, APPROVER_3.id],
      },
      beta: { autoApproveLoopbackOnly: true },
    });
    const { h, alpha, beta } = t;
    const loopback = {
      ...VALID_FORM,
      redirectUris: "http://localhost:5173/callback",
      postLogoutRedirectUris: "",
      allowedCorsOrigins: "",
    };
    // Off the allowed hosts in alpha: refused; the same in beta: fine.
    const offHosts = { ...VALID_FORM, redirectUris: "https://app.partner.org/callback" };
    const refused = await h.submitForm(REQUESTER, { ...offHosts, tenant: "alpha" });
    expect((refused.json as { errors?: Record<string, string> }).errors?.redirectUris).toContain(
      "allowed hosts are *.example.com",
    );
    const inBeta = await h.submitValid(REQUESTER, { ...offHosts, tenant: "beta", name: "Partner app" });
    expect((await h.request(inBeta.id))?.requiredApprovals).toBe(1);

    // Loopback only: beta approves it by policy; alpha waits for two of its approvers.
    const viaPolicy = await h.submitForm(REQUESTER, { ...loopback, tenant: "beta", name: "Beta local" });
    expect(viaPolicy.text).toBe("");
    const betaLocal = await h.latestRequestOf(REQUESTER);
    const created = await h.waitForStatus(betaLocal?.id ?? 0, "created", WAIT_MS);
    expect(created.decidedBy).toBe("policy");
    expect(beta.clients.size).toBe(1);

    const local = await h.submitValid(REQUESTER, { ...loopback, tenant: "alpha", name: "Alpha local" });
    expect(await h.request(local.id)).toMatchObject({ status: "pending", requiredApprovals: 2 });
    await h.click(APPROVER, "approve_request", local.id, local.ts);
    await h.slack.waitFor(async () => (await h.request(local.id))?.approvedBy.length === 1, WAIT_MS, "1 approval");
    expect(alpha.callsTo("POST clients")).toHaveLength(0);
    await h.click(APPROVER_3, "approve_request", local.id, local.ts);
    await h.waitForStatus(local.id, "created", WAIT_MS);
    expect(alpha.clients.size).toBe(1);
    // The outsider was never an approver anywhere.
    await h.click(OUTSIDER, "approve_request", inBeta.id, inBeta.ts);
    expect(String((await noteTo(h, OUTSIDER, 1)).args.text)).toMatch(/Only the designated approvers/);
  });
});
