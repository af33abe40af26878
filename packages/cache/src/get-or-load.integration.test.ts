import { setTimeout as sleep } from 'node:timers/promises';
import {
  type RedisServerHandle,
  serviceUrls,
  startRedisServer,
  testRedisPrefix,
} from '@x/test-services';
import { useTestDatabase } from '@x/test-services/vitest';
import { createClient } from 'redis';
import { Sequelize } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collector } from '../test/cache-errors.js';
import { defineItem, type Item } from '../test/fault-models.js';
import {
  CacheError,
  CacheManager,
  type CacheManagerOptions,
  type CacheStore,
  MemoryStore,
} from './index.js';

const TABLE = 'load_items';
const TIMEOUT_MS = 200;
const MARGIN_MS = 800;

const database = useTestDatabase('postgres', 'cache-get-or-load');
let sequelize: Sequelize;
let ItemModel: typeof Item;
/** Ids of rows in the database, one per test that needs a row of its own. */
const ids: number[] = [];
let nextRow = 0;
const rowId = (): number => {
  const id = ids[nextRow++];
  if (id === undefined) throw new Error('more tests than rows: create more rows in beforeAll');
  return id;
};
const MISSING_ID = 999_999;

beforeAll(async () => {
  sequelize = new Sequelize(database.url, { logging: false });
  ItemModel = defineItem(sequelize, TABLE);
  await ItemModel.sync({ force: true });
  for (let index = 0; index < 20; index++) {
    const row = await ItemModel.create({
      name: `row ${index}`,
      tags: ['a', { nested: [index] }],
      payload: Buffer.from([index, 0, 255]),
      amount: '1234.50',
      big: '9007199254740993',
    });
    ids.push(row.id);
  }
});

afterAll(async () => {
  await sequelize?.close();
});

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** A store the manager can use, and a way to look at it without the manager. */
interface Backend {
  manager(options?: CacheManagerOptions): CacheManager;
  entryExists(id: number): Promise<boolean>;
}

function redisBackend(): Backend {
  const prefix = testRedisPrefix('cache-get-or-load').slice(0, -1);
  const client = createClient({ url: serviceUrls().redis });
  client.on('error', () => {});
  beforeAll(async () => {
    await client.connect();
  });
  afterAll(async () => {
    await new CacheManager(client, 60, { prefix }).erase();
    await client.close();
  });
  return {
    manager: (options = {}) => new CacheManager(client, 60, { prefix, ...options }),
    entryExists: async (id) =>
      Number(await client.sendCommand(['EXISTS', `${prefix}:e:${TABLE}:${id}`])) === 1,
  };
}

function memoryBackend(): Backend {
  const store = new MemoryStore();
  return {
    manager: (options = {}) => new CacheManager(store, 60, options),
    entryExists: async (id) => (await store.get([`x:e:${TABLE}:${id}`]))[0] !== null,
  };
}

describe.each([
  ['a Redis client', redisBackend],
  ['a MemoryStore', memoryBackend],
])('getOrLoad on %s', (_, makeBackend) => {
  const backend = makeBackend();

  it('100 concurrent calls for one missing key run the loader once and get 100 separate instances', async () => {
    const id = rowId();
    const fromDatabase = await ItemModel.findByPk(id, { rejectOnEmpty: true });
    const { reported, onError } = collector();
    const cache = backend.manager({ onError });
    let calls = 0;
    const loader = async (): Promise<Item | null> => {
      calls++;
      await sleep(20);
      return ItemModel.findByPk(id);
    };

    const results = await Promise.all(
      Array.from({ length: 100 }, () => cache.getOrLoad(ItemModel, id, loader)),
    );
    expect(calls).toBe(1);
    expect(new Set(results).size).toBe(100);
    for (const result of results) {
      expect(result).toBeInstanceOf(ItemModel);
      expect(result?.dataValues).toEqual(fromDatabase.dataValues);
      expect(result?.isNewRecord).toBe(false);
      expect(result?.changed()).toBe(false);
    }

    // Mutable values (JSONB, bytes, dates) are never shared between callers.
    for (const mutated of [results[0], results[1], results[99]]) {
      if (!mutated) throw new Error('no instance');
      mutated.name = 'changed';
      mutated.tags?.push('pushed');
      if (mutated.payload) mutated.payload[0] = 99;
      mutated.updatedAt.setTime(0);
    }
    for (const untouched of results.slice(2, 99)) {
      expect(untouched?.dataValues).toEqual(fromDatabase.dataValues);
    }

    const hit = await cache.get(ItemModel, id);
    expect(hit?.dataValues).toEqual(fromDatabase.dataValues);
    expect(await cache.getOrLoad(ItemModel, id, loader)).not.toBeNull();
    expect(calls).toBe(1);
    expect(cache.stats()).toMatchObject({ loads: 1, errors: 0 });
    expect(cache.stats().hits).toBeGreaterThanOrEqual(2);
    expect(reported).toEqual([]);
    cache.close();
  });

  it('a loader that rejects rejects every waiting caller with its error; the next call loads again', async () => {
    const id = rowId();
    const cache = backend.manager({ onError: () => {} });
    const failure = new Error('the database is down');
    const release = deferred();
    let calls = 0;
    const failing = async (): Promise<Item | null> => {
      calls++;
      await release.promise;
      throw failure;
    };

    const waiting = Array.from({ length: 10 }, () => cache.getOrLoad(ItemModel, id, failing));
    await sleep(10);
    release.resolve();
    const outcomes = await Promise.allSettled(waiting);
    expect(calls).toBe(1);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBe(failure);
    }
    expect(await backend.entryExists(id)).toBe(false);

    const loaded = await cache.getOrLoad(ItemModel, id, async () => {
      calls++;
      return ItemModel.findByPk(id);
    });
    expect(calls).toBe(2);
    expect(loaded?.get('id')).toBe(id);
    expect(cache.stats().loads).toBe(2);
    expect((await cache.get(ItemModel, id))?.get('id')).toBe(id);
    cache.close();
  });

  it('a loader that finds nothing gives every caller null and caches nothing', async () => {
    const cache = backend.manager({ onError: () => {} });
    let calls = 0;
    const loader = async (): Promise<Item | null> => {
      calls++;
      return ItemModel.findByPk(MISSING_ID);
    };

    const results = await Promise.all(
      Array.from({ length: 10 }, () => cache.getOrLoad(ItemModel, MISSING_ID, loader)),
    );
    expect(results).toEqual(Array.from({ length: 10 }, () => null));
    expect(calls).toBe(1);
    expect(await backend.entryExists(MISSING_ID)).toBe(false);
    expect(await cache.get(ItemModel, MISSING_ID)).toBeNull();
    expect(await cache.getOrLoad(ItemModel, MISSING_ID, () => undefined)).toBeNull();
    expect(await cache.getOrLoad(ItemModel, MISSING_ID, loader)).toBeNull();
    expect(calls).toBe(2);
    expect(cache.stats().loads).toBe(3);
    cache.close();
  });

  it.each([
    ['this manager', false],
    ['another manager (another process)', true],
  ])('deleteAll by %s while the loader runs leaves the loaded entry stale', async (_, byOther) => {
    const id = rowId();
    const cache = backend.manager({ onError: () => {} });
    const other = backend.manager({ onError: () => {} });
    const started = deferred();
    const release = deferred();
    let calls = 0;
    const loader = async (): Promise<Item | null> => {
      calls++;
      started.resolve();
      await release.promise;
      return ItemModel.findByPk(id);
    };

    const loading = cache.getOrLoad(ItemModel, id, loader);
    await started.promise;
    await (byOther ? other : cache).deleteAll(ItemModel);
    release.resolve();
    const loaded = await loading;
    expect(loaded?.get('id')).toBe(id);

    // Another process's deleteAll: written, but under the generation read before the load (the
    // row may have changed since). This manager's own deleteAll cancels the write outright.
    expect(await backend.entryExists(id)).toBe(byOther);
    expect(await cache.get(ItemModel, id)).toBeNull();
    expect(await other.get(ItemModel, id)).toBeNull();
    expect((await cache.getOrLoad(ItemModel, id, loader))?.get('id')).toBe(id);
    expect(calls).toBe(2);
    expect((await cache.get(ItemModel, id))?.get('id')).toBe(id);
    cache.close();
    other.close();
  });
});

describe('getOrLoad while the store fails', () => {
  let server: RedisServerHandle;
  let client: ReturnType<typeof createClient>;

  beforeAll(async () => {
    server = await startRedisServer();
    client = createClient({ url: server.url, socket: { reconnectStrategy: () => 100 } });
    client.on('error', () => {});
    await client.connect();
  });

  afterAll(async () => {
    client?.destroy();
    await server?.stop();
  });

  it('Redis down: the loader still runs once, its instance is returned, onError hears of it', async () => {
    const id = rowId();
    const { reported, onError } = collector();
    const cache = new CacheManager(client, 60, {
      prefix: testRedisPrefix('cache-get-or-load').slice(0, -1),
      timeout: TIMEOUT_MS,
      onError,
    });
    const instance = await ItemModel.findByPk(id, { rejectOnEmpty: true });
    let calls = 0;
    const loader = async (): Promise<Item> => {
      calls++;
      await sleep(10);
      return instance;
    };
    expect((await cache.getOrLoad(ItemModel, id, loader))?.get('id')).toBe(id);
    await cache.deleteAll(ItemModel);

    await server.kill();
    const startedAt = performance.now();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => cache.getOrLoad(ItemModel, id, loader)),
    );
    expect(performance.now() - startedAt).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    expect(calls).toBe(2);
    expect(results[0]).toBe(instance);
    for (const result of results.slice(1)) {
      expect(result).not.toBe(instance);
      expect(result?.dataValues).toEqual(instance.dataValues);
    }
    const reads = reported.filter((entry) => entry.operation === 'getOrLoad');
    expect(reads.length).toBeGreaterThan(0);
    for (const { error } of reads) {
      expect(CacheError.is(error)).toBe(true);
      expect(error.code).toBe('UNAVAILABLE');
    }
    expect(cache.stats().errors).toBeGreaterThanOrEqual(reads.length);
    cache.close();
  });

  it.each([
    ['fails every call', () => Promise.reject(new Error('store down'))],
    ['never answers', () => new Promise<never>(() => {})],
  ])('a CacheStore that %s: the loader still runs, within the timeout', async (_, call) => {
    const id = rowId();
    const store: CacheStore = {
      get: call,
      set: call,
      setIfAbsent: call,
      delete: call,
      deletePrefix: call,
    };
    const { reported, onError } = collector();
    const cache = new CacheManager(store, 60, { timeout: TIMEOUT_MS, onError });
    const instance = await ItemModel.findByPk(id, { rejectOnEmpty: true });
    let calls = 0;
    const startedAt = performance.now();
    const result = await cache.getOrLoad(ItemModel, id, () => {
      calls++;
      return instance;
    });
    expect(performance.now() - startedAt).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    expect(result).toBe(instance);
    expect(calls).toBe(1);
    expect(reported.length).toBeGreaterThan(0);
    expect(reported.every((entry) => entry.operation === 'getOrLoad')).toBe(true);
    expect(reported.every((entry) => entry.error.code === 'UNAVAILABLE')).toBe(true);
    expect(cache.stats()).toMatchObject({ loads: 1, hits: 0 });
    cache.close();
  });
});
