import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { startPostgres } from "../../devkit/postgresServer.ts";
import { type FreshDatabase, freshPostgresDatabase } from "../support/postgres.ts";

async function query<R extends pg.QueryResultRow>(url: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

const tableExists = async (url: string, table: string) =>
  (await query<{ found: string | null }>(url, `select to_regclass('public.${table}')::text as found`))[0]?.found ===
  table;

describe("the test PostgreSQL server", () => {
  let first: FreshDatabase;
  let second: FreshDatabase;

  beforeAll(async () => {
    first = await freshPostgresDatabase("server_test");
    second = await freshPostgresDatabase("server_test");
  });

  afterAll(async () => {
    await first?.drop();
    await second?.drop();
  });

  test("is PostgreSQL 15 or later", async () => {
    const [row] = await query<{ version: string; num: string }>(
      first.url,
      "select version() as version, current_setting('server_version_num') as num",
    );
    expect(row?.version).toMatch(/^PostgreSQL \d+/);
    expect(Number(row?.num)).toBeGreaterThanOrEqual(150000);
  });

  test("gives each caller its own database", async () => {
    expect(first.url).not.toBe(second.url);
    const [a] = await query<{ name: string }>(first.url, "select current_database() as name");
    const [b] = await query<{ name: string }>(second.url, "select current_database() as name");
    expect(a?.name).toMatch(/^server_test_/);
    expect(b?.name).toMatch(/^server_test_/);
    expect(a?.name).not.toBe(b?.name);

    await query(first.url, "create table widgets (id int primary key, label text not null)");
    await query(first.url, "insert into widgets values (1, 'one'), (2, 'two')");
    expect(await query(first.url, "select id, label from widgets order by id")).toEqual([
      { id: 1, label: "one" },
      { id: 2, label: "two" },
    ]);
    expect(await tableExists(first.url, "widgets")).toBe(true);
    expect(await tableExists(second.url, "widgets")).toBe(false);
  });

  test("drops a database, even with a session still connected", async () => {
    const doomed = await freshPostgresDatabase("doomed");
    const name = new URL(doomed.url).pathname.slice(1);
    const lingering = new pg.Client({ connectionString: doomed.url });
    lingering.on("error", () => {});
    await lingering.connect();
    try {
      await doomed.drop();
    } finally {
      await lingering.end().catch(() => {});
    }

    const rows = await query(inject("postgresUrl"), `select 1 from pg_database where datname = '${name}'`);
    expect(rows).toEqual([]);
    await expect(query(doomed.url, "select 1")).rejects.toMatchObject({ code: "3D000" });
    await expect(doomed.drop()).resolves.toBeUndefined();
  });

  test.runIf(inject("postgresIsThrowaway"))(
    "started here, it listens on loopback only with test settings",
    async () => {
      const settings = await query<{ name: string; setting: string }>(
        first.url,
        "select name, setting from pg_settings where name in ('listen_addresses', 'fsync', 'synchronous_commit', 'full_page_writes', 'max_connections', 'server_encoding') order by name",
      );
      expect(Object.fromEntries(settings.map((s) => [s.name, s.setting]))).toEqual({
        fsync: "off",
        full_page_writes: "off",
        listen_addresses: "127.0.0.1",
        max_connections: "200",
        server_encoding: "UTF8",
        synchronous_commit: "off",
      });
      const [database] = await query<{ collate: string }>(
        first.url,
        "select datcollate as collate from pg_database where datname = current_database()",
      );
      expect(database?.collate).toBe("C");
      expect(new URL(inject("postgresUrl")).hostname).toBe("127.0.0.1");
    },
  );
});

describe("startPostgres", () => {
  test("fails loudly, saying why and how to use an existing server", async () => {
    const error = await startPostgres({ bindir: "/nonexistent/postgres/bin" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain("POSTGRESQL TEST SERVER COULD NOT BE STARTED");
    expect(message).toContain("initdb, pg_ctl, postgres not found in /nonexistent/postgres/bin");
    expect(message).toContain("TEST_DATABASE_URL=postgres://");
  });
});
