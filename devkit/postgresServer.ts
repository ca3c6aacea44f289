import { execFile, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants, existsSync, readdirSync, rmSync } from "node:fs";
import { appendFile, chown, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import pg from "pg";

/** A throwaway PostgreSQL server for tests, benchmarks and demos. */
export interface PostgresServer {
  /** Superuser URL of the server's `postgres` database, on 127.0.0.1. */
  readonly url: string;
  /** Creates a uniquely named, empty database and returns its URL. */
  createDatabase(prefix?: string): Promise<string>;
  /** Drops a database made by createDatabase, disconnecting its sessions. */
  dropDatabase(url: string): Promise<void>;
  /**
   * Stops the server as an outage would (every connection cut, new ones refused), keeping its data
   * and its port: `restart` brings it back as it was. A fast shutdown, not an immediate one: with
   * the test settings (synchronous_commit off) a crash would lose the last commits.
   */
  halt(): Promise<void>;
  /** Starts a halted server again, on the same port and with the same data. */
  restart(): Promise<void>;
  /** Immediate shutdown and removal of all its files; safe to call twice. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  log?: (line: string) => void;
  /** Folder holding initdb, pg_ctl and postgres; found through pg_config when absent. */
  bindir?: string;
}

const SUPERUSER = "postgres";
/** Where Debian and Ubuntu put the server binaries; pg_config (libpq-dev) may be absent or name a client-only version. */
const DEBIAN_POSTGRES_LIB = "/usr/lib/postgresql";
const SERVER_BINARIES = ["initdb", "pg_ctl", "postgres"];
const TEST_SETTINGS: Record<string, string | number> = {
  listen_addresses: "127.0.0.1",
  max_connections: 200,
  fsync: "off",
  synchronous_commit: "off",
  full_page_writes: "off",
};

class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly output: string,
    cause: unknown,
  ) {
    super(`${command} failed (${describeFailure(cause)})`);
  }
}

function describeFailure(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const { code, signal, killed } = cause as Error & { code?: unknown; signal?: unknown; killed?: boolean };
  if (killed) return `killed${signal ? ` by ${String(signal)}` : ""}, perhaps after the timeout`;
  if (typeof code === "number") return `exit code ${code}`;
  return code ? String(code) : cause.message;
}

/** Starts a fresh server in a new temporary folder. Throws a loud, explanatory Error when it cannot. */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const log = options.log ?? (() => {});
  const bindir = options.bindir ?? (await findBindir());
  const missing = SERVER_BINARIES.filter((name) => !isExecutable(join(bindir, name)));
  if (missing.length > 0) {
    throw startFailure(
      `${missing.join(", ")} not found in ${bindir}.`,
      "Install the PostgreSQL server (Debian/Ubuntu: apt-get install postgresql).",
    );
  }

  const runner = await serverUserRunner();
  const dir = await mkdtemp(join(tmpdir(), "pg-test-"));
  const dataDir = join(dir, "data");
  const logFile = join(dir, "server.log");
  const pgCtl = join(bindir, "pg_ctl");
  const stopArgs = ["stop", "-D", dataDir, "-m", "immediate", "-w", "-t", "10"];

  // A test run that ends without calling stop() (crash, Ctrl-C, process.exit) still stops its server.
  const stopOnExit = () => {
    const [command, args] = runner.wrap(pgCtl, stopArgs);
    spawnSync(command, args, { cwd: dir, stdio: "ignore", timeout: 10_000 });
    rmSync(dir, { recursive: true, force: true });
  };
  process.on("exit", stopOnExit);
  const discard = async () => {
    process.off("exit", stopOnExit);
    await rm(dir, { recursive: true, force: true });
  };

  let port: number;
  try {
    if (runner.owner) await chown(dir, runner.owner.uid, runner.owner.gid);
    let started = Date.now();
    await runner.run(
      join(bindir, "initdb"),
      ["-D", dataDir, "-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
      dir,
    );
    log(`initdb (${runner.description}) in ${Date.now() - started} ms`);
    const settings = { ...TEST_SETTINGS, unix_socket_directories: dir };
    await appendFile(
      join(dataDir, "postgresql.conf"),
      `\n# Throwaway test server\n${Object.entries(settings)
        .map(([key, value]) => `${key} = ${typeof value === "number" ? value : `'${value.replaceAll("'", "''")}'`}`)
        .join("\n")}\n`,
    );

    started = Date.now();
    port = await startOnFreePort(runner, pgCtl, dataDir, logFile, dir);
    log(`server on 127.0.0.1:${port} started in ${Date.now() - started} ms (${dir})`);
  } catch (error) {
    const serverLog = await readFile(logFile, "utf8").catch(() => "");
    await discard();
    const output = error instanceof CommandError ? error.output : "";
    const details = [output && `Output:\n${tail(output)}`, serverLog && `Server log:\n${tail(serverLog)}`];
    if (/permission denied/i.test(`${error}${output}${serverLog}`)) details.push(runner.hint(dir));
    throw startFailure(error instanceof Error ? error.message : String(error), details.filter(Boolean).join("\n"));
  }

  const url = `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;
  let stopping: Promise<void> | undefined;
  return {
    url,
    createDatabase: (prefix) => createDatabase(url, prefix),
    dropDatabase: (databaseUrl) => dropDatabase(url, databaseUrl),
    async halt() {
      await runner.run(pgCtl, ["stop", "-D", dataDir, "-m", "fast", "-w", "-t", "30"], dir);
      log(`server on 127.0.0.1:${port} halted`);
    },
    async restart() {
      // The same port, so the URLs handed out stay valid; nobody else should have taken it meanwhile.
      await runner.run(pgCtl, startArgs(dataDir, logFile, port), dir);
      log(`server on 127.0.0.1:${port} restarted`);
    },
    stop() {
      stopping ??= (async () => {
        await runner.run(pgCtl, stopArgs, dir).catch(() => {});
        await discard();
        log(`server on 127.0.0.1:${port} stopped`);
      })();
      return stopping;
    },
  };
}

/** Creates a uniquely named database on the server at serverUrl (a user with CREATEDB) and returns its URL. */
export async function createDatabase(serverUrl: string, prefix = "test"): Promise<string> {
  const cleanPrefix =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, "_")
      .slice(0, 40) || "test";
  const name = `${cleanPrefix}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops the database named by databaseUrl, connected through serverUrl; sessions still in it are ended. */
export async function dropDatabase(serverUrl: string, databaseUrl: string): Promise<void> {
  const name = databaseName(databaseUrl);
  if (name === databaseName(serverUrl)) throw new Error(`Refusing to drop ${name}: it is the server's own database`);
  await withClient(serverUrl, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`),
  );
}

/** Connects once to check a server answers; returns its version() string. */
export async function checkPostgres(url: string): Promise<string> {
  const result = await withClient(url, (client) => client.query<{ version: string }>("select version() as version"));
  return result.rows[0]?.version ?? "";
}

/** The URL with any password replaced, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(not a valid URL)";
  }
}

function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

/** One connection to `url` for the length of `use`. */
export async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

function startFailure(why: string, details: string): Error {
  return new Error(
    [
      "",
      "==================================================================",
      "  THE POSTGRESQL TEST SERVER COULD NOT BE STARTED",
      "==================================================================",
      `Why: ${why}`,
      details,
      "",
      "To run the tests against an existing PostgreSQL server instead, set",
      "  TEST_DATABASE_URL=postgres://USER:PASSWORD@HOST:PORT/postgres",
      "(the user must be allowed to CREATE DATABASE; each test makes and drops its own).",
      "==================================================================",
    ].join("\n"),
  );
}

function tail(text: string, lines = 25): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name: string, extraDirs: string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), ...extraDirs].filter(Boolean);
  return dirs.map((dir) => join(dir, name)).find(isExecutable);
}

function execute(command: string, args: string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new CommandError(`${command} ${args.join(" ")}`, `${stdout}${stderr}`, error));
      else resolve(stdout);
    });
  });
}

async function findBindir(): Promise<string> {
  const hasServer = (dir: string) => SERVER_BINARIES.every((name) => isExecutable(join(dir, name)));
  const fromPgConfig = await execute("pg_config", ["--bindir"]).then(
    (out) => out.trim(),
    () => undefined,
  );
  if (fromPgConfig && hasServer(fromPgConfig)) return fromPgConfig;
  const versions = existsSync(DEBIAN_POSTGRES_LIB)
    ? readdirSync(DEBIAN_POSTGRES_LIB)
        .filter((entry) => /^\d+$/.test(entry))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const debian = versions.map((version) => join(DEBIAN_POSTGRES_LIB, version, "bin")).find(hasServer);
  if (debian) return debian;
  throw startFailure(
    `no PostgreSQL server binaries (initdb, pg_ctl, postgres) found: pg_config --bindir gave ${
      fromPgConfig ?? "nothing (pg_config is not on PATH)"
    }, and ${DEBIAN_POSTGRES_LIB}/*/bin has none.`,
    "Install the PostgreSQL server (Debian/Ubuntu: apt-get install postgresql).",
  );
}

interface Runner {
  description: string;
  /** Set when running as root: the temporary folder must belong to this user. */
  owner?: { uid: number; gid: number };
  wrap(command: string, args: string[]): [string, string[]];
  run(command: string, args: string[], cwd: string): Promise<string>;
  hint(dir: string): string;
}

/** PostgreSQL refuses to run as root, so root runs every server command as the postgres system user. */
async function serverUserRunner(): Promise<Runner> {
  const make = (
    description: string,
    wrap: Runner["wrap"],
    owner?: Runner["owner"],
    hint: Runner["hint"] = () => "",
  ): Runner => ({
    description,
    owner,
    wrap,
    run: (command, args, cwd) => execute(...wrap(command, args), cwd),
    hint,
  });

  if (process.getuid?.() !== 0) return make("as the current user", (command, args) => [command, args]);

  const id = (flag: string) =>
    execute("id", [flag, SUPERUSER]).then(
      (out) => Number(out.trim()),
      () => undefined,
    );
  const [uid, gid] = await Promise.all([id("-u"), id("-g")]);
  if (uid === undefined || gid === undefined) {
    throw startFailure(
      `running as root, and PostgreSQL refuses to run as root, but there is no "${SUPERUSER}" system user to run it as.`,
      `Create one (useradd --system ${SUPERUSER}) or run the tests as an ordinary user.`,
    );
  }
  const hint = (dir: string) =>
    `(Running as root, so the server runs as the "${SUPERUSER}" user; it must be able to reach ${dir}: check TMPDIR.)`;
  const sbin = ["/usr/sbin", "/sbin"];
  const runuser = findOnPath("runuser", sbin);
  if (runuser) {
    return make(
      `as ${SUPERUSER} via runuser`,
      (command, args) => [runuser, ["-u", SUPERUSER, "--", command, ...args]],
      { uid, gid },
      hint,
    );
  }
  const su = findOnPath("su", sbin);
  if (su) {
    const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
    return make(
      `as ${SUPERUSER} via su`,
      (command, args) => [su, ["-s", "/bin/sh", SUPERUSER, "-c", [command, ...args].map(quote).join(" ")]],
      { uid, gid },
      hint,
    );
  }
  throw startFailure(
    `running as root, and neither runuser nor su is available to run PostgreSQL as the "${SUPERUSER}" user.`,
    "Install util-linux (runuser) or run the tests as an ordinary user.",
  );
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

function startArgs(dataDir: string, logFile: string, port: number): string[] {
  return ["start", "-D", dataDir, "-l", logFile, "-w", "-t", "60", "-o", `-p ${port}`];
}

/** Another process may take the port between our probe and the server's bind, so a clash is retried. */
async function startOnFreePort(
  runner: Runner,
  pgCtl: string,
  dataDir: string,
  logFile: string,
  cwd: string,
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    try {
      await runner.run(pgCtl, startArgs(dataDir, logFile, port), cwd);
      return port;
    } catch (error) {
      const serverLog = await readFile(logFile, "utf8").catch(() => "");
      if (attempt >= 3 || !/Address already in use/.test(serverLog)) throw error;
    }
  }
}
