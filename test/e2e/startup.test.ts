import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { Harness, TEST_POSTGRES_SERVER_ENV } from "../../devkit/harness.ts";
import { openDatabase } from "../../src/db/open.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** tsx's loader by URL: the child runs in a folder of its own, where "tsx" does not resolve. */
const TSX = pathToFileURL(join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;

/** Runs `npm start`'s entry point in an empty folder (no .env) with the given environment. */
function startWith(env: Record<string, string>) {
  const cwd = mkdtempSync(join(tmpdir(), "auth-client-start-"));
  try {
    return spawnSync(process.execPath, ["--import", TSX, join(ROOT, "src/main.ts")], {
      cwd,
      env: { PATH: process.env.PATH ?? "", ...env },
      encoding: "utf8",
      timeout: 20_000,
    });
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

describe("starting", () => {
  it("without configuration, names every missing variable and the fix, exits 1, no stack trace", () => {
    const run = startWith({});
    expect(run.status).toBe(1);
    for (const variable of [
      "SLACK_BOT_TOKEN",
      "SLACK_SIGNING_SECRET",
      "OCS_URL",
      "OCS_TENANT_ID",
      "OCS_CLIENT_ID",
      "OCS_CLIENT_SECRET",
      "APPROVAL_CHANNEL_ID",
      "APPROVER_USER_IDS",
    ]) {
      expect(run.stderr).toContain(variable);
    }
    expect(run.stderr).toContain("cp .env.example .env");
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.stdout).toBe("");
  });

  it("names invalid values without echoing secrets", () => {
    const run = startWith({
      SLACK_BOT_TOKEN: "xoxp-wrong-kind-of-token",
      SLACK_SIGNING_SECRET: "s3cr3t-signing",
      OCS_URL: "http://uswe.datahub.connect.aveva.com",
      OCS_TENANT_ID: "not-a-guid",
      OCS_CLIENT_ID: "bot",
      OCS_CLIENT_SECRET: "very-secret-value",
      APPROVAL_CHANNEL_ID: "approvals",
      APPROVER_USER_IDS: "U0APPROVE1",
      PORT: "70000",
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/SLACK_BOT_TOKEN must start with xoxb-/);
    expect(run.stderr).toMatch(/OCS_URL must be an https:\/\/ URL/);
    expect(run.stderr).toMatch(/OCS_TENANT_ID must be a GUID/);
    expect(run.stderr).toMatch(/APPROVAL_CHANNEL_ID must be a channel id/);
    expect(run.stderr).toMatch(/PORT must be at most 65535/);
    expect(run.stderr).not.toContain("very-secret-value");
    expect(run.stderr).not.toContain("xoxp-wrong-kind-of-token");
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});

describe("GET /healthz", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
  });

  it("answers 200 ok while the database answers", async () => {
    h = await Harness.start();
    // The "postgres" project runs this on PostgreSQL, the "sqlite" project on a SQLite file.
    expect(h.app.database.dialect).toBe(process.env[TEST_POSTGRES_SERVER_ENV] ? "postgres" : "sqlite");
    const answer = await fetch(`${h.baseUrl}/healthz`);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ status: "ok" });
  });

  it("reports an unusable database", async () => {
    h = await Harness.start();
    // The configured database (SQLite, or PostgreSQL in the "postgres" project), opened a second time.
    const db = await openDatabase(h.config.database);
    expect(db.dialect).toBe(h.databaseUrl ? "postgres" : "sqlite");
    expect(await db.healthy()).toBe(true);
    await db.close();
    expect(await db.healthy()).toBe(false);

    // The app's own database gone: /healthz says so.
    await h.app.database.close();
    const answer = await fetch(`${h.baseUrl}/healthz`);
    expect(answer.status).toBe(503);
    expect(await answer.json()).toEqual({ status: "unavailable" });
  });
});
