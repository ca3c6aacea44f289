import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.ts";
import { BASE, BETA_ID, failure, SINGLE, tenant } from "../support/configEnv.ts";

describe("OCS_TENANTS", () => {
  it("configures every tenant by name; the single-tenant variables are then not needed", () => {
    const result = parseConfig({
      ...BASE,
      OCS_TENANTS: JSON.stringify({
        production: tenant(),
        staging: tenant({ tenantId: BETA_ID, clientId: "beta", url: "https://eu.example.com" }),
      }),
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.tenants.map((t) => t.name)).toEqual(["production", "staging"]);
    // Trailing slashes go, so URLs join cleanly.
    expect(result.config.tenants[0]?.url).toBe("https://uswe.datahub.connect.aveva.com");
    expect(result.config.tenants[1]).toMatchObject({ tenantId: BETA_ID, clientId: "beta" });
  });

  it("without OCS_TENANTS, the four OCS_ variables make one tenant named default", () => {
    const result = parseConfig({ ...BASE, ...SINGLE });
    expect(result.ok && result.config.tenants.map((t) => t.name)).toEqual(["default"]);
  });

  it("names the tenant and the setting of every problem, all at once", () => {
    const message = failure({
      ...BASE,
      OCS_TENANTS: JSON.stringify({
        alpha: tenant({ url: "http://ocs.example.com" }),
        beta: tenant({ tenantId: "not-a-guid", clientSecret: "" }),
      }),
    });
    expect(message).toContain('OCS_TENANTS tenant "alpha" url must be an https:// URL');
    expect(message).toContain('OCS_TENANTS tenant "beta" tenantId must be a GUID');
    expect(message).toContain('OCS_TENANTS tenant "beta" clientSecret is not set');
    expect(message).not.toContain('tenant "alpha" tenantId');
    // One problem per line, and never a secret.
    expect(message).not.toContain("alpha-secret-value");
  });

  it("reports a missing setting of one tenant", () => {
    const { clientId: _dropped, ...noClientId } = tenant();
    const message = failure({ ...BASE, OCS_TENANTS: JSON.stringify({ plant: noClientId }) });
    expect(message).toContain('OCS_TENANTS tenant "plant" clientId is not set');
  });

  it("refuses JSON that is not JSON, an empty set, and bad names", () => {
    expect(failure({ ...BASE, OCS_TENANTS: "{production: " })).toContain("OCS_TENANTS is not valid JSON");
    expect(failure({ ...BASE, OCS_TENANTS: "{}" })).toContain("OCS_TENANTS must name at least one tenant");
    expect(failure({ ...BASE, OCS_TENANTS: JSON.stringify({ "-bad/name": tenant() }) })).toContain(
      "is not a valid tenant name",
    );
  });

  it("needs the single-tenant variables when OCS_TENANTS is unset, naming each", () => {
    const message = failure({ ...BASE });
    for (const name of ["OCS_URL", "OCS_TENANT_ID", "OCS_CLIENT_ID", "OCS_CLIENT_SECRET"]) {
      expect(message).toContain(`${name} is not set`);
    }
  });
});

describe("lifecycle settings", () => {
  it("default to 72 h expiry, 24 h reminders, 3 reminders", () => {
    const result = parseConfig({ ...BASE, ...SINGLE });
    expect(result.ok && result.config).toMatchObject({
      requestTtlMs: 72 * 3_600_000,
      reminderIntervalMs: 24 * 3_600_000,
      maxReminders: 3,
    });
  });

  it("accept fractions of hours and MAX_REMINDERS=0", () => {
    const result = parseConfig({
      ...BASE,
      ...SINGLE,
      REQUEST_TTL_HOURS: "0.0005",
      REMINDER_HOURS: "0.25",
      MAX_REMINDERS: "0",
    });
    expect(result.ok && result.config).toMatchObject({
      requestTtlMs: 1800,
      reminderIntervalMs: 900_000,
      maxReminders: 0,
    });
  });

  it("refuse zero, negative or non-numeric hours and fractional reminder counts", () => {
    const message = failure({
      ...BASE,
      ...SINGLE,
      REQUEST_TTL_HOURS: "0",
      REMINDER_HOURS: "soon",
      MAX_REMINDERS: "1.5",
    });
    expect(message).toContain("REQUEST_TTL_HOURS must be greater than 0");
    expect(message).toContain("REMINDER_HOURS must be a number");
    expect(message).toContain("MAX_REMINDERS must be a whole number");
  });
});

describe("creations at once", () => {
  it("default to 4 and take any whole number from 1 to 32", () => {
    const fallback = parseConfig({ ...BASE, ...SINGLE });
    expect(fallback.ok && fallback.config.maxConcurrentCreations).toBe(4);
    const one = parseConfig({ ...BASE, ...SINGLE, OCS_MAX_CONCURRENT_CREATIONS: "1" });
    expect(one.ok && one.config.maxConcurrentCreations).toBe(1);
  });

  it.each(["0", "33", "2.5", "many"])("refuse OCS_MAX_CONCURRENT_CREATIONS=%s", (value) => {
    expect(failure({ ...BASE, ...SINGLE, OCS_MAX_CONCURRENT_CREATIONS: value })).toMatch(
      /OCS_MAX_CONCURRENT_CREATIONS must be (a whole number|at least 1|at most 32) \(clients created at once\)/,
    );
  });
});
