import { createConnection } from 'mariadb';
import { Client, escapeIdentifier } from 'pg';
import { mariadbConfig } from './mariadb-config.js';
import { type Env, serviceUrls } from './service-urls.js';
import { uniqueIdentifier } from './unique-name.js';
import { withDatabase } from './url.js';

/** A database that exists for one test file. */
export interface TestDatabase {
  /** The database's name, `xtest_<label>_<pid>_<random>`. */
  readonly name: string;
  /** The server's URL with this database as its path. */
  readonly url: string;
  /** Drops the database, closing connections still open on it. Idempotent. */
  drop(): Promise<void>;
}

/** A PostgreSQL schema that exists for one test file. */
export interface TestSchema {
  /** The schema's name, `xtest_<label>_<pid>_<random>`. */
  readonly name: string;
  /** The URL of the database holding the schema (qualify tables or set `search_path`). */
  readonly url: string;
  /** Drops the schema and everything in it. Idempotent. */
  drop(): Promise<void>;
}

/** Options of {@link createTestDatabase} and {@link createTestSchema}. */
export interface TestDatabaseOptions {
  /** Where the admin URLs are read from (default `process.env`). */
  readonly env?: Env;
}

/**
 * Creates a uniquely named database on the server of `DATABASE_URL` (PostgreSQL) or
 * `MARIADB_URL` (MariaDB), connecting as that URL's user, and returns its URL.
 */
export async function createTestDatabase(
  kind: 'postgres' | 'mariadb',
  label?: string,
  options: TestDatabaseOptions = {},
): Promise<TestDatabase> {
  const adminUrl = serviceUrls(options.env)[kind];
  const name = uniqueIdentifier(label);
  if (kind === 'postgres') {
    await withPostgres(adminUrl, (client) =>
      client.query(`CREATE DATABASE ${escapeIdentifier(name)}`),
    );
  } else {
    await withMariadb(adminUrl, (connection) =>
      connection.query(`CREATE DATABASE ${mariadbIdentifier(name)}`),
    );
  }
  const drop = once(() =>
    kind === 'postgres'
      ? dropPostgresDatabase(adminUrl, name)
      : dropMariadbDatabase(adminUrl, name),
  );
  return { name, url: withDatabase(adminUrl, name), drop };
}

/**
 * Creates a uniquely named schema in the database of `DATABASE_URL`. Cheaper than a database;
 * the caller qualifies its tables with the schema or runs `SET search_path`.
 */
export async function createTestSchema(
  label?: string,
  options: TestDatabaseOptions = {},
): Promise<TestSchema> {
  const url = serviceUrls(options.env).postgres;
  const name = uniqueIdentifier(label);
  await withPostgres(url, (client) => client.query(`CREATE SCHEMA ${escapeIdentifier(name)}`));
  const drop = once(async () => {
    await withPostgres(url, (client) =>
      client.query(`DROP SCHEMA IF EXISTS ${escapeIdentifier(name)} CASCADE`),
    );
  });
  return { name, url, drop };
}

async function dropPostgresDatabase(adminUrl: string, name: string): Promise<void> {
  await withPostgres(adminUrl, async (client) => {
    const { rows } = await client.query<{ version: string }>(
      `SELECT current_setting('server_version_num') AS version`,
    );
    if (Number(rows[0]?.version) >= 130000) {
      await client.query(`DROP DATABASE IF EXISTS ${escapeIdentifier(name)} WITH (FORCE)`);
      return;
    }
    await client.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [name],
    );
    await client.query(`DROP DATABASE IF EXISTS ${escapeIdentifier(name)}`);
  });
}

async function dropMariadbDatabase(adminUrl: string, name: string): Promise<void> {
  await withMariadb(adminUrl, (connection) =>
    connection.query(`DROP DATABASE IF EXISTS ${mariadbIdentifier(name)}`),
  );
}

async function withPostgres<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

async function withMariadb<T>(
  url: string,
  fn: (connection: Awaited<ReturnType<typeof createConnection>>) => Promise<T>,
): Promise<T> {
  const connection = await createConnection(mariadbConfig(url, { connectTimeout: 10_000 }));
  connection.on('error', () => {});
  try {
    return await fn(connection);
  } finally {
    await connection.end().catch(() => connection.destroy());
  }
}

function mariadbIdentifier(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** `fn` run at most once at a time and, once it succeeded, never again. */
function once(fn: () => Promise<void>): () => Promise<void> {
  let pending: Promise<void> | undefined;
  return () => {
    pending ??= fn().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
