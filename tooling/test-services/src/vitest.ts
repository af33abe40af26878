import { afterAll, beforeAll } from 'vitest';
import {
  type RedisClusterHandle,
  type RedisClusterOptions,
  startRedisCluster,
} from './redis-cluster.js';
import { createTestDatabase, type TestDatabaseOptions } from './test-database.js';

/** The database of {@link useTestDatabase}, readable once `beforeAll` ran. */
export interface TestDatabaseRef {
  readonly url: string;
  readonly name: string;
}

/** The cluster of {@link useRedisCluster}, readable once `beforeAll` ran. */
export interface RedisClusterRef {
  readonly nodes: RedisClusterHandle['nodes'];
  readonly rootNodes: RedisClusterHandle['rootNodes'];
  readonly dir: string;
}

/**
 * Creates a resource in `beforeAll` and disposes of it in `afterAll` (which vitest runs even when
 * a test fails); returns a getter that throws when read before `beforeAll` ran.
 */
function useResource<T>(
  what: string,
  create: () => Promise<T>,
  dispose: (resource: T) => Promise<void>,
): () => T {
  let resource: T | undefined;
  beforeAll(async () => {
    resource = await create();
  });
  afterAll(async () => {
    if (resource !== undefined) await dispose(resource);
  });
  return () => {
    if (resource === undefined) throw new Error(`${what} exists only once beforeAll has run`);
    return resource;
  };
}

/**
 * A private database for the current test file (or `describe` block): created in `beforeAll`,
 * dropped in `afterAll`. Read `url` and `name` inside tests and hooks, not at module level.
 */
export function useTestDatabase(
  kind: 'postgres' | 'mariadb',
  label?: string,
  options: TestDatabaseOptions = {},
): TestDatabaseRef {
  const current = useResource(
    'useTestDatabase: the database',
    () => createTestDatabase(kind, label, options),
    (database) => database.drop(),
  );
  return {
    get url() {
      return current().url;
    },
    get name() {
      return current().name;
    },
  };
}

/**
 * A throwaway Redis Cluster for the current test file (or `describe` block): started in
 * `beforeAll`, stopped in `afterAll`. Read its fields inside tests and hooks.
 */
export function useRedisCluster(options: RedisClusterOptions = {}): RedisClusterRef {
  const current = useResource(
    'useRedisCluster: the cluster',
    () => startRedisCluster(options),
    (cluster) => cluster.stop(),
  );
  return {
    get nodes() {
      return current().nodes;
    },
    get rootNodes() {
      return current().rootNodes;
    },
    get dir() {
      return current().dir;
    },
  };
}
