import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.ts";

const BASE = {
  SLACK_BOT_TOKEN: "xoxb-1-2-config",
  SLACK_SIGNING_SECRET: "signing-secret-value",
  OCS_URL: "https://uswe.datahub.connect.aveva.com",
  OCS_TENANT_ID: "0b5c7a1e-4a8d-4a7e-9c4b-2f1d3e5a6b7c",
  OCS_CLIENT_ID: "bot",
  OCS_CLIENT_SECRET: "bot-secret-value",
  APPROVAL_CHANNEL_ID: "C0APPROVALS",
  APPROVER_USER_IDS: "U0APPROVE1",
};

/** The retry settings parsed from BASE with `env` added; throws the parser's message if it refuses them. */
function identityRetryWith(env: Record<string, string>) {
  const parsed = parseConfig({ ...BASE, ...env });
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.config.identityRetry;
}

describe("Identity API retry settings", () => {
  it("has bounded defaults", () => {
    expect(identityRetryWith({})).toEqual({
      maxAttempts: 6,
      maxTotalMs: 120_000,
      baseDelayMs: 500,
      maxDelayMs: 30_000,
      requestTimeoutMs: 30_000,
    });
  });

  it("reads OCS_RETRY_MAX_ATTEMPTS, OCS_RETRY_MAX_SECONDS, OCS_RETRY_BASE_MS and OCS_REQUEST_TIMEOUT_SECONDS", () => {
    const retry = identityRetryWith({
      OCS_RETRY_MAX_ATTEMPTS: "3",
      OCS_RETRY_MAX_SECONDS: "7.5",
      OCS_RETRY_BASE_MS: "40",
      OCS_REQUEST_TIMEOUT_SECONDS: "0.5",
    });
    expect(retry).toEqual({
      maxAttempts: 3,
      maxTotalMs: 7500,
      baseDelayMs: 40,
      maxDelayMs: 30_000,
      requestTimeoutMs: 500,
    });
  });

  it("names every bad retry setting", () => {
    const parsed = parseConfig({
      ...BASE,
      OCS_RETRY_MAX_ATTEMPTS: "0",
      OCS_RETRY_MAX_SECONDS: "-1",
      OCS_RETRY_BASE_MS: "fast",
      OCS_REQUEST_TIMEOUT_SECONDS: "0",
    });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    for (const variable of [
      "OCS_RETRY_MAX_ATTEMPTS",
      "OCS_RETRY_MAX_SECONDS",
      "OCS_RETRY_BASE_MS",
      "OCS_REQUEST_TIMEOUT_SECONDS",
    ]) {
      expect(parsed.message).toContain(variable);
    }
    expect(parsed.message).not.toContain("bot-secret-value");
  });
});
