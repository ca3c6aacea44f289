import { type Config, parseConfig } from "../../src/config.ts";

/** Environments for parseConfig, shared by the configuration tests. */

const ALPHA_ID = "0b5c7a1e-4a8d-4a7e-9c4b-2f1d3e5a6b7c";
export const BETA_ID = "9d2f6c1a-3b4e-4f5a-8c7d-6e5f4a3b2c1d";

/** Everything but the tenant settings. */
export const BASE = {
  SLACK_BOT_TOKEN: "xoxb-1-2-abc",
  SLACK_SIGNING_SECRET: "signing-secret-value",
  APPROVAL_CHANNEL_ID: "C0APPROVALS",
  APPROVER_USER_IDS: "U0APPROVE1",
};

/** One tenant, from the four OCS_ variables. */
export const SINGLE = {
  OCS_URL: "https://uswe.datahub.connect.aveva.com",
  OCS_TENANT_ID: ALPHA_ID,
  OCS_CLIENT_ID: "bot-client",
  OCS_CLIENT_SECRET: "bot-secret-value",
};

/** One entry of OCS_TENANTS (its URL with a trailing slash, which the configuration drops). */
export const tenant = (overrides: Record<string, unknown> = {}) => ({
  url: "https://uswe.datahub.connect.aveva.com/",
  tenantId: ALPHA_ID,
  clientId: "alpha-client",
  clientSecret: "alpha-secret-value",
  ...overrides,
});

/** The configuration `env` gives; throws when it is refused. */
export function config(env: Record<string, string>): Config {
  const result = parseConfig(env);
  if (!result.ok) throw new Error(result.message);
  return result.config;
}

/** The message refusing `env`; throws when it is accepted. */
export function failure(env: Record<string, string>): string {
  const result = parseConfig(env);
  if (result.ok) throw new Error("expected the configuration to be refused");
  return result.message;
}
