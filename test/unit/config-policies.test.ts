import { describe, expect, it } from "vitest";
import { config, failure, BASE as ONE_APPROVER, SINGLE, tenant } from "../support/configEnv.ts";

/** Two approvers: room for a policy of two approvals. */
const BASE = { ...ONE_APPROVER, APPROVER_USER_IDS: "U0APPROVE1,U0APPROVE2" };

describe("global approval policy", () => {
  it("defaults to one approval, any host, no auto-approval", () => {
    const c = config({ ...BASE, ...SINGLE });
    const expected = { requiredApprovals: 1, allowedRedirectHosts: undefined, autoApproveLoopbackOnly: false };
    expect(c.policy).toEqual(expected);
    expect(c.tenants[0]?.policy).toEqual(expected);
    expect(c.tenants[0]?.approvers).toBeUndefined();
  });

  it("reads REQUIRED_APPROVALS, ALLOWED_REDIRECT_HOSTS (trimmed, lower-cased) and AUTO_APPROVE_LOOPBACK_ONLY", () => {
    const c = config({
      ...BASE,
      ...SINGLE,
      REQUIRED_APPROVALS: "2",
      ALLOWED_REDIRECT_HOSTS: " App.Example.com , *.corp.example.com,,",
      AUTO_APPROVE_LOOPBACK_ONLY: "true",
    });
    expect(c.tenants[0]?.policy).toEqual({
      requiredApprovals: 2,
      allowedRedirectHosts: ["app.example.com", "*.corp.example.com"],
      autoApproveLoopbackOnly: true,
    });
  });

  it("refuses approvals outside 1–5, bad host patterns and non-booleans, naming each variable", () => {
    for (const bad of ["0", "6", "1.5", "two"]) {
      expect(failure({ ...BASE, ...SINGLE, REQUIRED_APPROVALS: bad })).toMatch(/REQUIRED_APPROVALS must be/);
    }
    const message = failure({
      ...BASE,
      ...SINGLE,
      ALLOWED_REDIRECT_HOSTS: "https://app.example.com,*.com,app.example.com:8443,a*.example.com,bad_host",
      AUTO_APPROVE_LOOPBACK_ONLY: "sometimes",
    });
    expect(message).toContain('ALLOWED_REDIRECT_HOSTS has "https://app.example.com", which is a URL');
    expect(message).toContain('ALLOWED_REDIRECT_HOSTS has "*.com", which is too broad');
    expect(message).toContain('ALLOWED_REDIRECT_HOSTS has "app.example.com:8443", which must be a host name only');
    expect(message).toContain('ALLOWED_REDIRECT_HOSTS has "a*.example.com", which may only start with *.');
    expect(message).toContain('ALLOWED_REDIRECT_HOSTS has "bad_host", which is not a host name');
    expect(message).toContain("AUTO_APPROVE_LOOPBACK_ONLY must be true or false");
  });

  it("refuses more required approvals than listed approvers, unless a user group may supply them", () => {
    expect(failure({ ...BASE, ...SINGLE, REQUIRED_APPROVALS: "3" })).toContain(
      "REQUIRED_APPROVALS is 3, but APPROVER_USER_IDS names only 2 approvers",
    );
    expect(
      config({ ...BASE, ...SINGLE, REQUIRED_APPROVALS: "3", APPROVER_USERGROUP_ID: "S0GROUP" }).policy,
    ).toMatchObject({ requiredApprovals: 3 });
  });
});

describe("tenant policies in OCS_TENANTS", () => {
  it("override the global policy per setting, and name their own approvers", () => {
    const c = config({
      ...BASE,
      REQUIRED_APPROVALS: "1",
      ALLOWED_REDIRECT_HOSTS: "*.example.com",
      OCS_TENANTS: JSON.stringify({
        production: tenant({
          requiredApprovals: 2,
          allowedRedirectHosts: ["app.example.com"],
          approverUserIds: ["U0PROD1", "U0PROD2"],
        }),
        staging: tenant({ autoApproveLoopbackOnly: true, approverUsergroupId: "S0STAGING" }),
        sandbox: tenant({ allowedRedirectHosts: ["*"] }),
      }),
    });
    const [production, staging, sandbox] = c.tenants;
    expect(production?.policy).toEqual({
      requiredApprovals: 2,
      allowedRedirectHosts: ["app.example.com"],
      autoApproveLoopbackOnly: false,
    });
    expect(production?.approvers).toEqual({ userIds: ["U0PROD1", "U0PROD2"], usergroupId: undefined });
    expect(staging?.policy).toEqual({
      requiredApprovals: 1,
      allowedRedirectHosts: ["*.example.com"],
      autoApproveLoopbackOnly: true,
    });
    expect(staging?.approvers).toEqual({ userIds: [], usergroupId: "S0STAGING" });
    expect(sandbox?.policy.allowedRedirectHosts).toEqual(["*"]);
    expect(sandbox?.approvers).toBeUndefined();
  });

  it("names the tenant and the setting of every bad policy setting", () => {
    const message = failure({
      ...BASE,
      OCS_TENANTS: JSON.stringify({
        production: tenant({
          requiredApprovals: 9,
          allowedRedirectHosts: "app.example.com",
          autoApproveLoopbackOnly: "yes",
        }),
        staging: tenant({
          approverUserIds: ["alice"],
          approverUsergroupId: "G123",
          allowedRedirectHosts: ["*.com"],
        }),
        typo: tenant({ requiredApproval: 2 }),
      }),
    });
    expect(message).toContain('OCS_TENANTS tenant "production" requiredApprovals must be a whole number from 1 to 5');
    expect(message).toContain('OCS_TENANTS tenant "production" allowedRedirectHosts must be a list of host names');
    expect(message).toContain('OCS_TENANTS tenant "production" autoApproveLoopbackOnly must be true or false');
    expect(message).toContain('OCS_TENANTS tenant "staging" approverUserIds must be Slack user ids');
    expect(message).toContain('OCS_TENANTS tenant "staging" approverUsergroupId must be a user group id');
    expect(message).toContain('OCS_TENANTS tenant "staging" allowedRedirectHosts has "*.com", which is too broad');
    // A misspelt setting is an error, not silently ignored.
    expect(message).toContain('OCS_TENANTS tenant "typo" has an unknown setting "requiredApproval"');
  });

  it("needs no global approvers when every tenant names its own; names the tenants that don't", () => {
    const { APPROVER_USER_IDS: _none, ...noApprovers } = BASE;
    const ok = config({
      ...noApprovers,
      OCS_TENANTS: JSON.stringify({
        production: tenant({ approverUserIds: ["U0PROD1"] }),
        staging: tenant({ approverUsergroupId: "S0STAGING" }),
      }),
    });
    expect(ok.approverUserIds).toEqual([]);
    const message = failure({
      ...noApprovers,
      OCS_TENANTS: JSON.stringify({
        production: tenant({ approverUserIds: ["U0PROD1"] }),
        staging: tenant(),
      }),
    });
    expect(message).toContain("APPROVER_USER_IDS is not set, nor APPROVER_USERGROUP_ID");
    expect(message).toContain('OCS_TENANTS tenant "staging" names no approvers of its own');
    expect(message).not.toContain('"production" names no');
  });

  it("refuses a tenant requiring more approvals than its approvers (own or global) could give", () => {
    const own = failure({
      ...BASE,
      OCS_TENANTS: JSON.stringify({ production: tenant({ requiredApprovals: 2, approverUserIds: ["U0PROD1"] }) }),
    });
    expect(own).toContain(
      'OCS_TENANTS tenant "production" requiredApprovals is 2, but its approverUserIds name only 1',
    );
    const inherited = failure({
      ...BASE,
      OCS_TENANTS: JSON.stringify({ production: tenant({ requiredApprovals: 3 }) }),
    });
    expect(inherited).toContain(
      'OCS_TENANTS tenant "production" requiredApprovals is 3, but the global APPROVER_USER_IDS name only 2',
    );
    // A raised global requirement applies to a tenant with its own, larger, list of approvers.
    const fine = config({
      ...BASE,
      REQUIRED_APPROVALS: "1",
      OCS_TENANTS: JSON.stringify({
        production: tenant({ requiredApprovals: 3, approverUserIds: ["U0PROD1", "U0PROD2", "U0PROD3"] }),
      }),
    });
    expect(fine.tenants[0]?.policy.requiredApprovals).toBe(3);
  });
});
