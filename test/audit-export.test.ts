import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CSV_COLUMNS, csvField, parseAuditArgs, parseSince, runAudit, writeAudit } from "../src/audit.ts";
import { type OpenDatabase, openDatabase } from "../src/db/connection.ts";
import type { RequestForm } from "../src/requests/form.ts";
import { RequestRepository } from "../src/requests/repository.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 10, 12, 0);

/** RFC 4180, to read back what the export wrote (quoted fields, doubled quotes, CRLF and LF inside quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += c;
  }
  if (field !== "" || row.length > 0) rows.push([...row, field]);
  return rows;
}

const form = (name: string, justification: string): RequestForm => ({
  tenant: "default",
  name,
  redirectUris: ["https://app.example.com/callback", "http://localhost:5173/cb"],
  postLogoutRedirectUris: [],
  allowedCorsOrigins: ["https://app.example.com"],
  accessTokenLifetime: 1800,
  justification,
});

const TRICKY_NAME = 'Dashboard, "beta"';
const TRICKY_JUSTIFICATION = 'Line one, with a comma\nLine "two"\r\n=SUM(A1)';

describe("audit export", () => {
  let dir: string;
  let file: string;
  let database: OpenDatabase;
  let ids: number[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "audit-test-"));
    file = join(dir, "bot.sqlite");
    database = openDatabase(file);
    let now = T0;
    const repo = new RequestRepository(database.db, () => now);
    const record = (name: string, justification: string, key: string) =>
      repo.record(
        { form: form(name, justification), requesterId: "U0REQUEST", originChannelId: undefined, submissionKey: key },
        3 * DAY,
        undefined,
      ).request;
    // #1: asked on day 0, approved and created on day 1.
    const first = record(TRICKY_NAME, TRICKY_JUSTIFICATION, "V1");
    now = T0 + DAY;
    repo.transition({
      id: first.id,
      from: ["pending"],
      to: "approved",
      actor: "U0APPROVE1",
      set: { decidedBy: "U0APPROVE1", decidedAt: now },
    });
    repo.transition({ id: first.id, from: ["approved"], to: "creating", actor: "U0APPROVE1" });
    repo.transition({
      id: first.id,
      from: ["creating"],
      to: "created",
      actor: "system",
      detail: "client x",
      set: { createdClientId: first.clientGuid },
    });
    // #2: asked on day 5, denied on day 6 with a reason that needs quoting.
    now = T0 + 5 * DAY;
    const second = record("Second", "Needed, really.", "V2");
    now = T0 + 6 * DAY;
    repo.transition({
      id: second.id,
      from: ["pending"],
      to: "denied",
      actor: "U0APPROVE1",
      detail: 'Use "shared", not new',
      set: { decisionReason: 'Use "shared", not new', decidedBy: "U0APPROVE1", decidedAt: now },
    });
    ids = [first.id, second.id];
  });

  afterAll(() => {
    database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const exportText = (format: "csv" | "json", since?: number) => {
    let out = "";
    const counts = writeAudit(
      database.db,
      { format, since },
      (chunk) => {
        out += chunk;
      },
      new Date(T0 + 10 * DAY),
    );
    return { out, counts };
  };

  it("writes CSV: one row per transition with its request's fields, quoted where needed", () => {
    const { out, counts } = exportText("csv");
    expect(counts).toEqual({ requests: 2, transitions: 6 });
    const [head, ...rows] = parseCsv(out);
    expect(head).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(6);
    for (const row of rows) expect(row).toHaveLength(CSV_COLUMNS.length);
    const col = (row: string[] | undefined, name: (typeof CSV_COLUMNS)[number]) => row?.[CSV_COLUMNS.indexOf(name)];

    const firstRows = rows.filter((r) => col(r, "request_id") === String(ids[0]));
    expect(firstRows.map((r) => `${col(r, "from_status")}>${col(r, "to_status")}`)).toEqual([
      ">pending",
      "pending>approved",
      "approved>creating",
      "creating>created",
    ]);
    // Round trip of what needed quoting: commas, quotes, LF and CRLF inside a field.
    expect(col(firstRows[0], "name")).toBe(TRICKY_NAME);
    expect(col(firstRows[0], "justification")).toBe(TRICKY_JUSTIFICATION);
    expect(col(firstRows[0], "redirect_uris")).toBe("https://app.example.com/callback http://localhost:5173/cb");
    expect(col(firstRows[0], "request_status")).toBe("created");
    expect(col(firstRows[0], "event_at")).toBe(new Date(T0).toISOString());
    expect(col(firstRows[3], "actor")).toBe("system");
    const denial = rows.find((r) => col(r, "to_status") === "denied");
    expect(col(denial, "detail")).toBe('Use "shared", not new');
    expect(col(denial, "decided_by")).toBe("U0APPROVE1");
    expect(out).toContain('"Dashboard, ""beta"""');
  });

  it("writes JSON: every request with its transitions, dates in ISO 8601", () => {
    const { out } = exportText("json");
    const parsed = JSON.parse(out) as {
      exportedAt: string;
      since: string | null;
      requests: {
        id: number;
        name: string;
        status: string;
        createdAt: string;
        transitions: { from: string | null; to: string; actor: string; at: string; detail: string | null }[];
      }[];
    };
    expect(parsed.exportedAt).toBe(new Date(T0 + 10 * DAY).toISOString());
    expect(parsed.since).toBeNull();
    expect(parsed.requests.map((r) => [r.id, r.status])).toEqual([
      [ids[0], "created"],
      [ids[1], "denied"],
    ]);
    expect(parsed.requests[0]?.name).toBe(TRICKY_NAME);
    expect(parsed.requests[0]?.transitions.map((t) => t.to)).toEqual(["pending", "approved", "creating", "created"]);
    expect(parsed.requests[1]?.transitions[1]).toMatchObject({
      from: "pending",
      to: "denied",
      actor: "U0APPROVE1",
      at: new Date(T0 + 6 * DAY).toISOString(),
    });
  });

  it("--since keeps what changed from then on", () => {
    const since = T0 + 3 * DAY;
    const json = JSON.parse(exportText("json", since).out) as {
      since: string;
      requests: { id: number; transitions: unknown[] }[];
    };
    expect(json.since).toBe(new Date(since).toISOString());
    expect(json.requests.map((r) => r.id)).toEqual([ids[1]]);
    expect(json.requests[0]?.transitions).toHaveLength(2);
    const rows = parseCsv(exportText("csv", since).out);
    expect(rows).toHaveLength(3);
    // Nothing after the last change: an empty but well-formed export.
    expect(JSON.parse(exportText("json", T0 + 9 * DAY).out)).toMatchObject({ requests: [] });
    expect(parseCsv(exportText("csv", T0 + 9 * DAY).out)).toEqual([[...CSV_COLUMNS]]);
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

  it("takes the database from --db, else DATABASE_PATH, else the bot's default", () => {
    const pick = (argv: string[], env: NodeJS.ProcessEnv) => {
      const r = parseAuditArgs(["--format", "json", ...argv], env);
      return r.ok === true ? r.options.databasePath : undefined;
    };
    expect(pick(["--db", "a.sqlite"], { DATABASE_PATH: "b.sqlite" })).toBe("a.sqlite");
    expect(pick(["--db=a.sqlite"], {})).toBe("a.sqlite");
    expect(pick([], { DATABASE_PATH: "b.sqlite" })).toBe("b.sqlite");
    expect(pick([], {})).toBe("./data/auth-clients.sqlite");
  });

  it("says clearly when there is no database, and creates none", () => {
    const dir = mkdtempSync(join(tmpdir(), "audit-missing-"));
    try {
      const missing = join(dir, "nope.sqlite");
      let err = "";
      const code = runAudit(
        ["--format", "csv", "--db", missing],
        {},
        {
          out: () => {},
          err: (c) => {
            err += c;
          },
        },
      );
      expect(code).toBe(1);
      expect(err).toContain("no database at");
      expect(existsSync(missing)).toBe(false);

      const notOurs = join(dir, "other.sqlite");
      writeFileSync(notOurs, "");
      err = "";
      expect(
        runAudit(
          ["--format", "csv", "--db", notOurs],
          {},
          {
            out: () => {},
            err: (c) => {
              err += c;
            },
          },
        ),
      ).toBe(1);
      expect(err).toContain("is this the bot's database?");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("audit as a process (npm run audit)", () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "audit-process-"));
    file = join(dir, "bot.sqlite");
    const database = openDatabase(file);
    const repo = new RequestRepository(database.db);
    repo.record(
      {
        form: form('Quoted, "name"', "Because.\nReally."),
        requesterId: "U0REQUEST",
        originChannelId: undefined,
        submissionKey: "VP1",
      },
      DAY,
      undefined,
    );
    database.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function run(args: string[], env: Record<string, string> = {}) {
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", "src/audit.ts", ...args], {
        cwd: ROOT,
        // No .env of the checkout leaks in: DATABASE_PATH comes from here or from --db.
        env: { PATH: process.env.PATH ?? "", HOME: dir, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (c: string) => {
        stdout += c;
      });
      child.stderr.setEncoding("utf8").on("data", (c: string) => {
        stderr += c;
      });
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
  }

  it("writes the export to stdout and exits 0; bad flags go to stderr with exit 2", async () => {
    const csv = await run(["--format", "csv"], { DATABASE_PATH: file });
    expect(csv.stderr).toBe("");
    expect(csv.code).toBe(0);
    const rows = parseCsv(csv.stdout);
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(2);
    expect(rows[1]?.[CSV_COLUMNS.indexOf("name")]).toBe('Quoted, "name"');

    const json = await run(["--format", "json", "--db", file, "--since", "2000-01-01"]);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { requests: unknown[] }).requests).toHaveLength(1);

    const bad = await run(["--format", "yaml", "--db", file]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toContain('--format must be csv or json, not "yaml"');
    expect(bad.stderr).toContain("Usage:");
  }, 30_000);
});
