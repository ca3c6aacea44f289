import BetterSqlite3 from "better-sqlite3";
import pg from "pg";

/** Where a test's database is: a PostgreSQL URL when set, otherwise the SQLite file (as Harness has them). */
export interface DatabaseTarget {
  databaseUrl?: string | undefined;
  databasePath: string;
}

export type RawRow = Record<string, unknown>;

/**
 * Runs one statement on the database directly, on a connection of its own, behind the app's back:
 * to see what is really stored, or to move a request's clock as if time had passed while nothing
 * ran. Placeholders are `?` on both dialects. Rows as the driver returns them (PostgreSQL's bigint
 * columns, the times, come back as strings: compare them with Number()).
 */
export async function rawSql<R extends RawRow = RawRow>(
  target: DatabaseTarget,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  if (target.databaseUrl) {
    let n = 0;
    const numbered = sql.replace(/\?/g, () => `$${++n}`);
    const client = new pg.Client({ connectionString: target.databaseUrl });
    await client.connect();
    try {
      return (await client.query<R>(numbered, params)).rows;
    } finally {
      await client.end();
    }
  }
  const db = new BetterSqlite3(target.databasePath, { fileMustExist: true });
  try {
    db.pragma("busy_timeout = 5000");
    const statement = db.prepare(sql);
    if (statement.reader) return statement.all(...params) as R[];
    statement.run(...params);
    return [];
  } finally {
    db.close();
  }
}
