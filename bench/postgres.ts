/**
 * The benchmark's PostgreSQL: a throwaway server started for the run (devkit/postgresServer.ts),
 * switched to PostgreSQL's durable defaults as a deployment runs it, or a server given by URL
 * (the tests' server, in the smoke test), left as it is.
 */

import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import pg from "pg";
import { checkPostgres, createDatabase, dropDatabase, startPostgres, withClient } from "../devkit/postgresServer.ts";

/**
 * The throwaway server turns durability off to make tests fast; a deployment keeps PostgreSQL's
 * defaults, so the benchmark puts them back: every commit waits for its WAL to reach the disk.
 */
const DURABLE = { fsync: "on", synchronous_commit: "on", full_page_writes: "on" } as const;

export interface BenchPostgres {
  /** Superuser URL of the server's `postgres` database. */
  readonly url: string;
  /** version() and the durability settings, for the report. */
  readonly description: string;
  /** The postmaster's pid when the benchmark started the server (its CPU is the benchmark's own). */
  readonly serverPid: number | undefined;
  createDatabase(prefix: string): Promise<string>;
  /** A new database with the contents of `url` (CREATE DATABASE … TEMPLATE: a file copy). */
  cloneDatabase(url: string, prefix: string): Promise<string>;
  dropDatabase(url: string): Promise<void>;
  stop(): Promise<void>;
}

async function settingsOf(url: string): Promise<Record<string, string>> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ name: string; setting: string }>(
      "select name, setting from pg_settings where name = any($1::text[])",
      [Object.keys(DURABLE)],
    );
    return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
  });
}

/** ALTER SYSTEM, then a reload, then waits until new sessions see the settings (the reload is asynchronous). */
async function makeDurable(url: string): Promise<void> {
  await withClient(url, async (client) => {
    for (const [name, value] of Object.entries(DURABLE)) await client.query(`alter system set ${name} = '${value}'`);
    await client.query("select pg_reload_conf()");
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const now = await settingsOf(url);
    if (Object.entries(DURABLE).every(([name, value]) => now[name] === value)) return;
    if (Date.now() > deadline) throw new Error(`PostgreSQL did not take its durable settings: ${JSON.stringify(now)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The postmaster's pid: the parent of this session's backend (Linux /proc, same machine). */
async function postmasterPid(url: string): Promise<number | undefined> {
  const backend = await withClient(url, async (client) => {
    const { rows } = await client.query<{ pid: number }>("select pg_backend_pid() as pid");
    return rows[0]?.pid;
  });
  try {
    const stat = readFileSync(`/proc/${backend}/stat`, "utf8");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    return Number.isInteger(ppid) && ppid > 1 ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/** Starts a server (or takes the one at `givenUrl`) for one benchmark. */
export async function benchPostgres(givenUrl: string | undefined, log: (line: string) => void): Promise<BenchPostgres> {
  const server = givenUrl ? undefined : await startPostgres({ log });
  const url = givenUrl ?? server?.url ?? "";
  try {
    let serverPid: number | undefined;
    if (server) {
      await makeDurable(url);
      serverPid = await postmasterPid(url);
    }
    const version = (await checkPostgres(url)).split(" on ")[0] ?? "PostgreSQL";
    const settings = Object.entries(await settingsOf(url))
      .map(([name, value]) => `${name}=${value}`)
      .join(", ");
    return {
      url,
      description: `${version}, ${server ? "started by the benchmark" : "given with --postgres-url"} (${settings})`,
      serverPid,
      createDatabase: (prefix) => createDatabase(url, prefix),
      async cloneDatabase(source, prefix) {
        const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
        const from = decodeURIComponent(new URL(source).pathname.slice(1));
        await withClient(url, (client) =>
          client.query(`create database ${pg.escapeIdentifier(name)} template ${pg.escapeIdentifier(from)}`),
        );
        const clone = new URL(source);
        clone.pathname = `/${name}`;
        return clone.toString();
      },
      dropDatabase: (database) => dropDatabase(url, database),
      stop: async () => {
        await server?.stop();
      },
    };
  } catch (error) {
    await server?.stop();
    throw error;
  }
}
