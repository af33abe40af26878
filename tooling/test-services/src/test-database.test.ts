import { createConnection } from 'mariadb';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureServices } from './ensure-services.js';
import { mariadbConfig } from './mariadb-config.js';
import { serviceUrls } from './service-urls.js';
import { createTestDatabase, createTestSchema, type TestDatabase } from './test-database.js';

const NAME = /^xtest_[a-z0-9_]+_\d+_[0-9a-f]{8}$/;
const created: { drop(): Promise<void> }[] = [];

beforeAll(async () => {
  await ensureServices(['postgres', 'mariadb']);
});

afterAll(async () => {
  // Whatever a failed test left behind.
  await Promise.all(created.map((database) => database.drop()));
});

async function track<T extends { drop(): Promise<void> }>(promise: Promise<T>): Promise<T> {
  const database = await promise;
  created.push(database);
  return database;
}

async function withPg<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function withMaria<T>(
  url: string,
  fn: (connection: Awaited<ReturnType<typeof createConnection>>) => Promise<T>,
): Promise<T> {
  const connection = await createConnection(mariadbConfig(url));
  try {
    return await fn(connection);
  } finally {
    await connection.end();
  }
}

async function postgresDatabaseExists(name: string): Promise<boolean> {
  return withPg(serviceUrls().postgres, async (client) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return rowCount === 1;
  });
}

async function mariadbDatabaseExists(name: string): Promise<boolean> {
  return withMaria(serviceUrls().mariadb, async (connection) => {
    const rows: unknown[] = await connection.query('SHOW DATABASES LIKE ?', [name]);
    return rows.length === 1;
  });
}

describe('createTestDatabase("postgres")', () => {
  it('creates a private database, usable through its URL, and drops it', async () => {
    const database = await track(createTestDatabase('postgres', 'Orders'));
    expect(database.name).toMatch(NAME);
    expect(database.name).toContain('_orders_');
    expect(new URL(database.url).pathname).toBe(`/${database.name}`);
    expect(await postgresDatabaseExists(database.name)).toBe(true);

    await withPg(database.url, async (client) => {
      const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
      expect(rows[0]?.db).toBe(database.name);
      await client.query('CREATE TABLE items (id int PRIMARY KEY, label text NOT NULL)');
      await client.query(`INSERT INTO items VALUES (1, 'one'), (2, 'two')`);
      const items = await client.query('SELECT id, label FROM items ORDER BY id');
      expect(items.rows).toEqual([
        { id: 1, label: 'one' },
        { id: 2, label: 'two' },
      ]);
    });

    // A connection still open on the database must not keep drop() from working.
    const straggler = new Client({ connectionString: database.url });
    straggler.on('error', () => {});
    await straggler.connect();
    try {
      await database.drop();
    } finally {
      await straggler.end().catch(() => {});
    }
    expect(await postgresDatabaseExists(database.name)).toBe(false);
    await expect(database.drop()).resolves.toBeUndefined();
  });

  it('gives each call its own database', async () => {
    const [a, b] = await Promise.all([
      track(createTestDatabase('postgres', 'same')),
      track(createTestDatabase('postgres', 'same')),
    ]);
    expect(a.name).not.toBe(b.name);
    expect(a.url).not.toBe(b.url);
    await Promise.all([a.drop(), b.drop()]);
    expect(await postgresDatabaseExists(a.name)).toBe(false);
    expect(await postgresDatabaseExists(b.name)).toBe(false);
  });
});

describe('createTestDatabase("mariadb")', () => {
  it('creates a private database, usable through its URL, and drops it', async () => {
    const database: TestDatabase = await track(createTestDatabase('mariadb', 'Orders'));
    expect(database.name).toMatch(NAME);
    expect(new URL(database.url).pathname).toBe(`/${database.name}`);
    expect(await mariadbDatabaseExists(database.name)).toBe(true);

    await withMaria(database.url, async (connection) => {
      const [row] = await connection.query<{ db: string }[]>('SELECT DATABASE() AS db');
      expect(row?.db).toBe(database.name);
      await connection.query('CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(20) NOT NULL)');
      await connection.query(`INSERT INTO items VALUES (1, 'one'), (2, 'two')`);
      const items = await connection.query<{ id: number; label: string }[]>(
        'SELECT id, label FROM items ORDER BY id',
      );
      expect(items.map((item) => ({ id: item.id, label: item.label }))).toEqual([
        { id: 1, label: 'one' },
        { id: 2, label: 'two' },
      ]);
    });

    await database.drop();
    expect(await mariadbDatabaseExists(database.name)).toBe(false);
    await expect(database.drop()).resolves.toBeUndefined();
  });

  it('gives each call its own database', async () => {
    const a = await track(createTestDatabase('mariadb'));
    const b = await track(createTestDatabase('mariadb'));
    expect(a.name).not.toBe(b.name);
    await Promise.all([a.drop(), b.drop()]);
    expect(await mariadbDatabaseExists(a.name)).toBe(false);
    expect(await mariadbDatabaseExists(b.name)).toBe(false);
  });
});

describe('createTestSchema', () => {
  it('creates a private PostgreSQL schema and drops it with its tables', async () => {
    const schema = await track(createTestSchema('Schema Test'));
    expect(schema.name).toMatch(NAME);
    expect(schema.url).toBe(serviceUrls().postgres);
    const schemaExists = (): Promise<boolean> =>
      withPg(schema.url, async (client) => {
        const { rowCount } = await client.query(
          'SELECT 1 FROM information_schema.schemata WHERE schema_name = $1',
          [schema.name],
        );
        return rowCount === 1;
      });

    await withPg(schema.url, async (client) => {
      await client.query(`SET search_path TO "${schema.name}"`);
      await client.query('CREATE TABLE items (id int)');
      await client.query('INSERT INTO items VALUES (42)');
      const { rows } = await client.query(`SELECT id FROM "${schema.name}".items`);
      expect(rows).toEqual([{ id: 42 }]);
    });
    expect(await schemaExists()).toBe(true);
    await schema.drop();
    expect(await schemaExists()).toBe(false);
    await expect(schema.drop()).resolves.toBeUndefined();
  });
});
