import type { KnownBlock } from "@slack/types";
import { afterEach, describe, expect, it } from "vitest";
import { APPROVAL_CHANNEL, APPROVER, Harness, REQUESTER, textOf, VALID_FORM } from "../../devkit/harness.ts";
import { IdentityStandIn } from "../../devkit/identityStandIn.ts";
import { clickInHome, openHome, updatesOf, WAIT_MS, waitForHome } from "./lifecycle-support.ts";

const BETA_TENANT = "9d2f6c1a-3b4e-4f5a-8c7d-6e5f4a3b2c1d";

interface Tenants {
  h: Harness;
  alpha: IdentityStandIn;
  beta: IdentityStandIn;
}

/** The app with two tenants, each its own Identity API stand-in with its own tenant id and credentials. */
async function startWithTwoTenants(): Promise<Tenants> {
  const alpha = new IdentityStandIn();
  const beta = new IdentityStandIn();
  beta.tenantId = BETA_TENANT;
  beta.clientId = "beta-bot-client";
  beta.clientSecret = "beta-bot-secret-value-0001";
  const alphaUrl = await alpha.start();
  const betaUrl = await beta.start();
  const tenants = {
    alpha: { url: alphaUrl, tenantId: alpha.tenantId, clientId: alpha.clientId, clientSecret: alpha.clientSecret },
    beta: { url: betaUrl, tenantId: beta.tenantId, clientId: beta.clientId, clientSecret: beta.clientSecret },
  };
  const h = await Harness.start({ env: { OCS_TENANTS: JSON.stringify(tenants) } });
  return { h, alpha, beta };
}

const modalBlocks = (h: Harness): KnownBlock[] => {
  const open = h.slack.callsOf("views.open").at(-1);
  return ((open?.args.view as { blocks?: KnownBlock[] } | undefined)?.blocks ?? []) as KnownBlock[];
};

describe("several tenants", () => {
  let t: Tenants | undefined;
  let single: Harness | undefined;
  afterEach(async () => {
    await t?.h.stop();
    await t?.alpha.stop();
    await t?.beta.stop();
    t = undefined;
    await single?.stop();
    single = undefined;
  });

  it("offers a tenant selector, shows approvers the tenant, and creates the client in that tenant only", async () => {
    t = await startWithTwoTenants();
    const { h, alpha, beta } = t;
    const betaHost = new URL(beta.url).host;

    await h.command(REQUESTER);
    await h.slack.waitForCalls("views.open", 1, () => true, WAIT_MS);
    const select = modalBlocks(h).find((b) => b.block_id === "tenant");
    expect(select).toBeDefined();
    const options = JSON.stringify(select);
    expect(options).toContain('"value":"alpha"');
    expect(options).toContain('"value":"beta"');
    expect(options).toContain(`beta (${betaHost})`);

    const { id, ts } = await h.submitValid(REQUESTER, { ...VALID_FORM, tenant: "beta" });
    const request = await h.request(id);
    expect(request?.tenant).toBe("beta");
    // The approval message names the target tenant, in its first line and in the facts.
    const post = h.slack
      .callsOf("chat.postMessage")
      .find((c) => c.args.channel === APPROVAL_CHANNEL && !c.args.thread_ts);
    const approvalText = textOf(post?.args ?? {});
    expect(approvalText).toContain(`client in *beta (${betaHost})*`);
    expect(approvalText).toContain("*Tenant*");

    // The approver's Home shows the tenant too.
    await openHome(h, APPROVER);
    const home = await waitForHome(h, APPROVER, (x) => x.text.includes("Waiting for you (1)"));
    expect(home.text).toContain(`tenant *beta (${betaHost})*`);

    await clickInHome(h, APPROVER, "approve_request", String(id), home.privateMetadata);
    const created = await h.waitForStatus(id, "created", WAIT_MS);

    expect(beta.callsTo("POST clients")).toHaveLength(1);
    expect(beta.clients.has((request?.clientGuid ?? "").toLowerCase())).toBe(true);
    expect(alpha.callsTo("POST clients")).toHaveLength(0);
    expect(alpha.callsTo("token")).toHaveLength(0);
    expect(alpha.clients.size).toBe(0);

    const dm = await h.slack.waitFor(
      () => h.dmsTo(REQUESTER).find((c) => textOf(c.args).includes(created.createdClientId as string)),
      WAIT_MS,
      "the client Id DM",
    );
    expect(textOf(dm.args)).toContain(`in *beta (${betaHost})*`);
    await h.slack.waitFor(
      () => updatesOf(h, APPROVAL_CHANNEL, ts).find((c) => textOf(c.args).includes("client created")),
      WAIT_MS,
      "approval message edit",
    );
  });

  it("refuses a submission without a tenant, or with one that is not configured", async () => {
    t = await startWithTwoTenants();
    const { h } = t;
    const missing = await h.submitForm(REQUESTER, { ...VALID_FORM, tenant: null });
    expect((missing.json as { errors?: Record<string, string> }).errors?.tenant).toContain("Choose the tenant");
    const unknown = await h.submitForm(REQUESTER, { ...VALID_FORM, tenant: "gamma" });
    expect((unknown.json as { errors?: Record<string, string> }).errors?.tenant).toBeDefined();
    expect(await h.store.reads.listByRequester(REQUESTER.id, 10)).toHaveLength(0);
  });

  it("with one tenant there is no selector, and approvers see no tenant line", async () => {
    single = await Harness.start();
    await single.command(REQUESTER);
    await single.slack.waitForCalls("views.open", 1, () => true, WAIT_MS);
    expect(modalBlocks(single).some((b) => b.block_id === "tenant")).toBe(false);
    const { id } = await single.submitValid();
    expect((await single.request(id))?.tenant).toBe("default");
    const post = single.slack.callsOf("chat.postMessage").find((c) => c.args.channel === APPROVAL_CHANNEL);
    expect(textOf(post?.args ?? {})).not.toContain("*Tenant*");
  });

  it("one tenant given as OCS_TENANTS: no selector, created there", async () => {
    const only = new IdentityStandIn();
    const url = await only.start();
    try {
      single = await Harness.start({
        env: {
          OCS_TENANTS: JSON.stringify({
            production: {
              url,
              tenantId: only.tenantId,
              clientId: only.clientId,
              clientSecret: only.clientSecret,
            },
          }),
        },
      });
      await single.command(REQUESTER);
      await single.slack.waitForCalls("views.open", 1, () => true, WAIT_MS);
      expect(modalBlocks(single).some((b) => b.block_id === "tenant")).toBe(false);
      const { id } = await single.submitValid();
      expect((await single.request(id))?.tenant).toBe("production");
      await single.click(APPROVER, "approve_request", id);
      await single.waitForStatus(id, "created", WAIT_MS);
      expect(only.callsTo("POST clients")).toHaveLength(1);
      expect(single.identity.callsTo("POST clients")).toHaveLength(0);
    } finally {
      await only.stop();
    }
  });
});
