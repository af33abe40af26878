import { setTimeout as sleep } from 'node:timers/promises';
import { type RedisServerHandle, startRedisServer, testRedisPrefix } from '@x/test-services';
import { useRedisCluster } from '@x/test-services/vitest';
import { createClient, createCluster } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { collector } from '../test/cache-errors.js';
import { builtItem, type Item, itemModelForBuilding } from '../test/fault-models.js';
import { waitFor } from '../test/wait.js';
import { CacheError, CacheManager, MemoryStore } from './index.js';

const TABLE = 'local_items';
/** How long another process may see an old value after a change; the poll runs every 5 ms. */
const STALE_LIMIT_MS = 100;

function trackingClient(url: string) {
  return createClient({
    url,
    RESP: 3,
    clientSideCache: { maxEntries: 1000 },
    socket: { reconnectStrategy: () => 20 },
  });
}

function plainClient(url: string) {
  return createClient({ url });
}

function trackingCluster(rootNodes: { url: string }[]) {
  return createCluster({ rootNodes, RESP: 3, clientSideCache: { maxEntries: 1000 } });
}

function plainCluster(rootNodes: { url: string }[]) {
  return createCluster({ rootNodes });
}

/** The GET and MGET calls a server has run, from `INFO commandstats`. */
async function readCalls(admin: { sendCommand(args: string[]): Promise<unknown> }) {
  const info = String(await admin.sendCommand(['INFO', 'commandstats']));
  let total = 0;
  for (const command of ['get', 'mget']) {
    const match = new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info);
    total += Number(match?.[1] ?? 0);
  }
  return total;
}

/**
 * Calls `read` every 5 ms until `isStale` is false for what it returns; resolves with the time
 * that took and the last value.
 */
async function untilFresh<T>(
  read: () => Promise<T>,
  isStale: (value: T) => boolean,
  limitMs = 2_000,
): Promise<{ ms: number; value: T }> {
  const startedAt = performance.now();
  for (;;) {
    const value = await read();
    const ms = performance.now() - startedAt;
    if (!isStale(value)) return { ms, value };
    if (ms > limitMs) throw new Error(`still stale after ${limitMs} ms`);
    await sleep(5);
  }
}

const ItemModel = itemModelForBuilding(TABLE);

describe('the local tier on a Redis client with client-side caching', () => {
  // A server of its own: INFO commandstats then counts this file's commands only.
  let server: RedisServerHandle;
  let tracking: ReturnType<typeof trackingClient>;
  let other: ReturnType<typeof plainClient>;
  let admin: ReturnType<typeof plainClient>;
  let local: CacheManager;
  let remote: CacheManager;
  const prefix = testRedisPrefix('cache-local-tier').slice(0, -1);
  const entryKey = (id: number): string => `${prefix}:e:${TABLE}:${id}`;
  const generationKey = `${prefix}:g:${TABLE}`;
  const { reported, onError } = collector();
  let nextId = 1;

  beforeAll(async () => {
    server = await startRedisServer();
    tracking = trackingClient(server.url);
    other = plainClient(server.url);
    admin = plainClient(server.url);
    for (const client of [tracking, other, admin]) client.on('error', () => {});
    await Promise.all([tracking.connect(), other.connect(), admin.connect()]);
    local = new CacheManager(tracking, 60, { prefix, localTier: true, onError });
  });

  beforeEach(() => {
    reported.length = 0;
    // Each test's other process starts afresh: no generation remembered from an earlier test.
    remote = new CacheManager(other, 60, { prefix, onError: () => {} });
  });

  afterEach(() => {
    remote.close();
  });

  afterAll(async () => {
    local?.close();
    for (const client of [tracking, other, admin]) client?.destroy();
    await server?.stop();
  });

  /** Sets a new item through the local manager and reads it twice: the second read is local. */
  async function cachedLocally(): Promise<Item> {
    const item = builtItem(ItemModel, nextId++);
    expect(await local.set(item)).toBe(true);
    expect((await local.get(ItemModel, item.id))?.dataValues).toEqual(item.dataValues);
    const localHits = local.stats().localHits;
    expect((await local.get(ItemModel, item.id))?.dataValues).toEqual(item.dataValues);
    expect(local.stats().localHits).toBe(localHits + 1);
    return item;
  }

  it('a repeated get is served from process memory: no Redis command, a local hit, a fresh instance', async () => {
    const item = builtItem(ItemModel, nextId++);
    const second = builtItem(ItemModel, nextId++);
    expect(await local.set(item)).toBe(true);
    expect(await local.set(second)).toBe(true);

    const beforeFirst = await readCalls(admin);
    const first = await local.get(ItemModel, item.id);
    expect(first?.dataValues).toEqual(item.dataValues);
    expect(await readCalls(admin)).toBeGreaterThan(beforeFirst);
    expect(await local.get(ItemModel, second.id)).not.toBeNull();

    const stats = local.stats();
    const before = await readCalls(admin);
    const again = await local.get(ItemModel, item.id);
    const many = await local.getMany(ItemModel, [item.id, second.id]);
    let loads = 0;
    const loaded = await local.getOrLoad(ItemModel, item.id, () => {
      loads++;
      return null;
    });
    expect(await readCalls(admin)).toBe(before);
    expect(local.stats().localHits).toBe(stats.localHits + 4);
    expect(local.stats().hits).toBe(stats.hits + 4);
    expect(local.stats().misses).toBe(stats.misses);
    expect(loads).toBe(0);

    for (const hit of [again, many[0], loaded]) {
      expect(hit).toBeInstanceOf(ItemModel);
      expect(hit?.dataValues).toEqual(item.dataValues);
      expect(hit?.isNewRecord).toBe(false);
      expect(hit?.changed()).toBe(false);
    }
    expect(many[1]?.dataValues).toEqual(second.dataValues);
    // Each local hit is a copy: changing one changes neither the next hit nor the others.
    expect(new Set([first, again, many[0], loaded]).size).toBe(4);
    again?.tags?.push('pushed');
    if (again?.payload) again.payload[0] = 42;
    again?.updatedAt.setTime(0);
    expect((await local.get(ItemModel, item.id))?.dataValues).toEqual(item.dataValues);
    expect(loaded?.dataValues).toEqual(item.dataValues);
  });

  it.each([
    ['another manager sets a changed instance', 'changed'],
    ['another manager runs deleteAll', 'gone'],
    ['another manager deletes the entity', 'gone'],
    ['another connection runs DEL on the entry key', 'gone'],
    ['another connection runs SET on the entry key', 'gone'],
    ['another connection runs DEL on the generation key', 'gone'],
  ] as const)('when %s, the old local copy is gone within 100 ms', async (what, expected) => {
    const item = await cachedLocally();
    const changed = builtItem(ItemModel, item.id, 'changed elsewhere');
    const change: Record<string, () => Promise<unknown>> = {
      'another manager sets a changed instance': () => remote.set(changed),
      'another manager runs deleteAll': () => remote.deleteAll(ItemModel),
      'another manager deletes the entity': () => remote.delete(ItemModel, item.id),
      'another connection runs DEL on the entry key': () => other.del(entryKey(item.id)),
      'another connection runs SET on the entry key': () => other.set(entryKey(item.id), 'x'),
      'another connection runs DEL on the generation key': () => other.del(generationKey),
    };
    await change[what]?.();
    const { ms, value } = await untilFresh(
      () => local.get(ItemModel, item.id),
      (found) => found?.name === item.name,
    );
    expect(ms).toBeLessThan(STALE_LIMIT_MS);
    if (expected === 'changed') expect(value?.dataValues).toEqual(changed.dataValues);
    else expect(value).toBeNull();
  });

  it('after the connection is lost, no stale local copy is served, and the tier works again after the reconnect', async () => {
    const item = await cachedLocally();
    const id = await tracking.sendCommand(['CLIENT', 'ID']);
    let readyEvents = 0;
    const onReady = (): void => {
      readyEvents++;
    };
    tracking.on('ready', onReady);
    try {
      await admin.sendCommand(['CLIENT', 'KILL', 'ID', String(id)]);
      // Redis dropped the connection's tracking with it: this change is never announced to it.
      const changed = builtItem(ItemModel, item.id, 'changed while disconnected');
      expect(await remote.set(changed)).toBe(true);
      await waitFor('the client to reconnect', () => readyEvents > 0 && tracking.isReady);
      expect(await tracking.sendCommand(['CLIENT', 'ID'])).not.toBe(id);
      expect(reported.some((entry) => entry.operation === 'connection')).toBe(true);

      const localHits = local.stats().localHits;
      expect((await local.get(ItemModel, item.id))?.dataValues).toEqual(changed.dataValues);
      expect(local.stats().localHits).toBe(localHits);
      expect((await local.get(ItemModel, item.id))?.dataValues).toEqual(changed.dataValues);
      expect(local.stats().localHits).toBe(localHits + 1);

      // The new connection tracks keys again: a later change still reaches this process.
      const again = builtItem(ItemModel, item.id, 'changed after the reconnect');
      expect(await remote.set(again)).toBe(true);
      const { ms, value } = await untilFresh(
        () => local.get(ItemModel, item.id),
        (found) => found?.name === changed.name,
      );
      expect(ms).toBeLessThan(STALE_LIMIT_MS);
      expect(value?.dataValues).toEqual(again.dataValues);
    } finally {
      tracking.off('ready', onReady);
    }
  });

  it('a local copy written by this manager is dropped by its own set, delete and deleteAll', async () => {
    const item = await cachedLocally();
    const renamed = builtItem(ItemModel, item.id, 'renamed here');
    expect(await local.set(renamed)).toBe(true);
    expect((await local.get(ItemModel, item.id))?.name).toBe('renamed here');
    await local.delete(renamed);
    expect(await local.get(ItemModel, item.id)).toBeNull();

    const next = await cachedLocally();
    await local.deleteAll(ItemModel);
    expect(await local.get(ItemModel, next.id)).toBeNull();
    expect(reported).toEqual([]);
  });
});

describe('localTier without client-side caching', () => {
  let server: RedisServerHandle;
  const clients: { destroy(): void }[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
  });

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await server?.stop();
  });

  async function connected(options: { RESP?: 2 | 3 }) {
    const client = createClient({ url: server.url, ...options });
    client.on('error', () => {});
    clients.push(client);
    await client.connect();
    return client;
  }

  function localTierError(create: () => unknown): unknown {
    try {
      create();
    } catch (error) {
      return error;
    }
    return undefined;
  }

  it.each([
    ['a RESP2 client', 2],
    ['a RESP3 client', 3],
  ] as const)('on %s throws LOCAL_TIER_UNAVAILABLE', async (_, resp) => {
    const client = await connected({ RESP: resp });
    for (const localTier of [true, { maxEntries: 10 }] as const) {
      const error = localTierError(() => new CacheManager(client, 60, { localTier }));
      expect(CacheError.is(error), String(error)).toBe(true);
      expect((error as CacheError).code).toBe('LOCAL_TIER_UNAVAILABLE');
    }
    expect(() => new CacheManager(client, 60, { localTier: false }).close()).not.toThrow();
  });

  it('on a MemoryStore throws LOCAL_TIER_UNAVAILABLE', () => {
    const error = localTierError(
      () => new CacheManager(new MemoryStore(), 60, { localTier: true }),
    );
    expect(CacheError.is(error)).toBe(true);
    expect((error as CacheError).code).toBe('LOCAL_TIER_UNAVAILABLE');
  });

  it('a constructor that throws leaves no listener on the client', async () => {
    const client = await connected({ RESP: 2 });
    const listeners = client.listenerCount('error');
    localTierError(() => new CacheManager(client, 60, { localTier: true }));
    expect(client.listenerCount('error')).toBe(listeners);
  });
});

describe('the local tier on a Redis Cluster with client-side caching', () => {
  const cluster = useRedisCluster();
  const prefix = testRedisPrefix('cache-local-tier-cluster').slice(0, -1);
  let tracking: ReturnType<typeof trackingCluster>;
  let other: ReturnType<typeof plainCluster>;
  let admins: ReturnType<typeof plainClient>[] = [];
  let local: CacheManager;
  let remote: CacheManager;
  let nextId = 1;

  const totalCalls = async (): Promise<number> =>
    (await Promise.all(admins.map((admin) => readCalls(admin)))).reduce((a, b) => a + b, 0);

  beforeAll(async () => {
    tracking = trackingCluster(cluster.rootNodes);
    other = plainCluster(cluster.rootNodes);
    admins = cluster.rootNodes.map((node) => plainClient(node.url));
    for (const client of [tracking, other, ...admins]) client.on('error', () => {});
    await Promise.all([tracking.connect(), other.connect(), ...admins.map((a) => a.connect())]);
    local = new CacheManager(tracking, 60, { prefix, localTier: true, onError: () => {} });
    remote = new CacheManager(other, 60, { prefix, onError: () => {} });
  });

  afterAll(async () => {
    local?.close();
    remote?.close();
    for (const client of [tracking, other, ...admins]) client?.destroy();
  });

  it('a repeated get is local; a change by another manager is seen within the limit', async () => {
    const item = builtItem(ItemModel, nextId++);
    expect(await local.set(item)).toBe(true);
    expect((await local.get(ItemModel, item.id))?.dataValues).toEqual(item.dataValues);

    const before = await totalCalls();
    const localHits = local.stats().localHits;
    expect((await local.get(ItemModel, item.id))?.dataValues).toEqual(item.dataValues);
    expect(local.stats().localHits).toBe(localHits + 1);
    expect(await totalCalls()).toBe(before);

    const changed = builtItem(ItemModel, item.id, 'changed on the cluster');
    expect(await remote.set(changed)).toBe(true);
    const seen = await untilFresh(
      () => local.get(ItemModel, item.id),
      (found) => found?.name === item.name,
    );
    expect(seen.ms).toBeLessThan(STALE_LIMIT_MS);
    expect(seen.value?.dataValues).toEqual(changed.dataValues);

    expect((await local.get(ItemModel, item.id))?.name).toBe(changed.name);
    await remote.deleteAll(ItemModel);
    const gone = await untilFresh(
      () => local.get(ItemModel, item.id),
      (found) => found !== null,
    );
    expect(gone.ms).toBeLessThan(STALE_LIMIT_MS);
  });

  it('after its node connections are lost, no stale local copy is served; changes are seen again after the reconnect', async () => {
    // Another process that has seen no generation yet.
    const fresh = new CacheManager(other, 60, { prefix, onError: () => {} });
    const item = builtItem(ItemModel, nextId++);
    expect(await local.set(item)).toBe(true);
    expect(await local.get(ItemModel, item.id)).not.toBeNull();
    const localHits = local.stats().localHits;
    expect(await local.get(ItemModel, item.id)).not.toBeNull();
    expect(local.stats().localHits).toBe(localHits + 1);

    let readyNodes = 0;
    const onNodeReady = (): void => {
      readyNodes++;
    };
    tracking.on('node-ready', onNodeReady);
    try {
      let killed = 0;
      for (const admin of admins) {
        const list = String(await admin.sendCommand(['CLIENT', 'LIST']));
        for (const line of list.split('\n')) {
          const flags = /\bflags=(\S+)/.exec(line)?.[1] ?? '';
          const id = /\bid=(\d+)/.exec(line)?.[1];
          // Only the tracking cluster's connections track keys (flag t).
          if (!flags.includes('t') || id === undefined) continue;
          await admin.sendCommand(['CLIENT', 'KILL', 'ID', id]);
          killed++;
        }
      }
      expect(killed).toBeGreaterThan(0);
      const changed = builtItem(ItemModel, item.id, 'changed while disconnected');
      expect(await fresh.set(changed)).toBe(true);
      await waitFor('the node connections to come back', () => readyNodes >= killed);

      const before = local.stats().localHits;
      expect((await local.get(ItemModel, item.id))?.dataValues).toEqual(changed.dataValues);
      expect(local.stats().localHits).toBe(before);
      expect((await local.get(ItemModel, item.id))?.dataValues).toEqual(changed.dataValues);
      expect(local.stats().localHits).toBe(before + 1);

      const again = builtItem(ItemModel, item.id, 'changed after the reconnect');
      expect(await fresh.set(again)).toBe(true);
      const seen = await untilFresh(
        () => local.get(ItemModel, item.id),
        (found) => found?.name === changed.name,
      );
      expect(seen.ms).toBeLessThan(STALE_LIMIT_MS);
      expect(seen.value?.dataValues).toEqual(again.dataValues);
    } finally {
      tracking.off('node-ready', onNodeReady);
      fresh.close();
    }
  });
});
