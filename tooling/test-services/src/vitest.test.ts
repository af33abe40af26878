import { existsSync } from 'node:fs';
import { createConnection } from 'mariadb';
import { Client } from 'pg';
import { createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureServices } from './ensure-services.js';
import { mariadbConfig } from './mariadb-config.js';
import { serviceUrls } from './service-urls.js';
import { useRedisCluster, useTestDatabase } from './vitest.js';

beforeAll(async () => {
  await ensureServices(['postgres', 'mariadb']);
});

let postgresName: string | undefined;
let clusterDir: string | undefined;

// Registered before the helpers, so it runs after their afterAll hooks (vitest runs them in reverse).
afterAll(async () => {
  if (postgresName === undefined || clusterDir === undefined) {
    throw new Error('the tests did not run');
  }
  const admin = new Client({ connectionString: serviceUrls().postgres });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      postgresName,
    ]);
    expect(rowCount, 'useTestDatabase dropped its database').toBe(0);
  } finally {
    await admin.end();
  }
  expect(existsSync(clusterDir), 'useRedisCluster stopped its cluster').toBe(false);
});

const postgres = useTestDatabase('postgres', 'vitest helper');
const mariadb = useTestDatabase('mariadb', 'vitest helper');
const cluster = useRedisCluster();

let earlyRead: unknown;
try {
  earlyRead = postgres.url;
} catch (error) {
  earlyRead = error;
}

describe('useTestDatabase', () => {
  it('refuses to be read before beforeAll ran', () => {
    expect(earlyRead).toBeInstanceOf(Error);
    expect(String(earlyRead)).toMatch(/only once beforeAll has run/);
  });

  it('provides a PostgreSQL database of its own', async () => {
    postgresName = postgres.name;
    expect(postgres.name).toMatch(/^xtest_vitest_helper_\d+_[0-9a-f]{8}$/);
    const client = new Client({ connectionString: postgres.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
      expect(rows[0]?.db).toBe(postgres.name);
    } finally {
      await client.end();
    }
  });

  it('provides a MariaDB database of its own', async () => {
    expect(mariadb.name).not.toBe(postgres.name);
    const connection = await createConnection(mariadbConfig(mariadb.url));
    try {
      const [row] = await connection.query<{ db: string }[]>('SELECT DATABASE() AS db');
      expect(row?.db).toBe(mariadb.name);
    } finally {
      await connection.end();
    }
  });
});

describe('useRedisCluster', () => {
  it('provides a running cluster', async () => {
    clusterDir = cluster.dir;
    expect(cluster.nodes).toHaveLength(3);
    const client = createCluster({ rootNodes: cluster.rootNodes });
    client.on('error', () => {});
    await client.connect();
    try {
      await client.set('{helper}key', 'value');
      expect(await client.get('{helper}key')).toBe('value');
    } finally {
      await client.close();
    }
  });
});
