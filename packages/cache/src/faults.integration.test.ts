import { setTimeout as sleep } from 'node:timers/promises';
import {
  type RedisServerHandle,
  serviceUrls,
  startRedisServer,
  testRedisPrefix,
} from '@x/test-services';
import { createClient, RESP_TYPES } from 'redis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { collector } from '../test/cache-errors.js';
import { builtItem, itemModelForBuilding } from '../test/fault-models.js';
import { waitFor } from '../test/wait.js';
import { CacheError, CacheManager } from './index.js';

const TABLE = 'fault_items';
/** The manager's command timeout; every fault must surface within it plus the margin. */
const TIMEOUT_MS = 200;
const MARGIN_MS = 800;
const BYTES = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } } as const;

function newClient(url: string) {
  return createClient({
    url,
    // Reconnect fast so a restarted server is picked up well within a test.
    socket: { connectTimeout: 1_000, reconnectStrategy: () => 50 },
  });
}
type Client = ReturnType<typeof newClient>;

async function timed<T>(promise: Promise<T>): Promise<{ value: T; ms: number }> {
  const startedAt = performance.now();
  const value = await promise;
  return { value, ms: performance.now() - startedAt };
}

type Bounded<T> =
  | { settled: true; value?: T; error?: unknown; ms: number; promise: Promise<unknown> }
  | { settled: false; promise: Promise<unknown> };

/** How `promise` settled within `ms` milliseconds, or that it did not; never rejects. */
async function within<T>(promise: Promise<T>, ms: number): Promise<Bounded<T>> {
  const startedAt = performance.now();
  const outcome = promise.then(
    (value): Bounded<T> => ({ settled: true, value, ms: performance.now() - startedAt, promise }),
    (error: unknown): Bounded<T> => ({
      settled: true,
      error,
      ms: performance.now() - startedAt,
      promise,
    }),
  );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Bounded<T>>((resolve) => {
    timer = setTimeout(() => resolve({ settled: false, promise: outcome }), ms);
  });
  try {
    return await Promise.race([outcome, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Awaits `promise`, expecting a rejection with a CacheError of code `UNAVAILABLE`; returns the time it took. */
async function expectUnavailable(promise: Promise<unknown>): Promise<number> {
  const startedAt = performance.now();
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  const ms = performance.now() - startedAt;
  expect(CacheError.is(caught), `rejected with ${String(caught)}`).toBe(true);
  expect((caught as CacheError).code).toBe('UNAVAILABLE');
  return ms;
}

const ItemModel = itemModelForBuilding(TABLE);

describe('a Redis server that dies, restarts or hangs', () => {
  const prefix = testRedisPrefix('cache-faults').slice(0, -1);
  const generationKey = `${prefix}:g:${TABLE}`;
  let server: RedisServerHandle;
  let client: Client;
  let cache: CacheManager;
  const clientErrors: unknown[] = [];
  const { reported, onError } = collector();

  beforeAll(async () => {
    server = await startRedisServer();
    client = newClient(server.url);
    client.on('error', (error: unknown) => clientErrors.push(error));
    await client.connect();
    cache = new CacheManager(client, 60, { prefix, timeout: TIMEOUT_MS, onError });
  });

  afterAll(async () => {
    cache?.close();
    client?.destroy();
    await server?.stop();
  });

  beforeEach(async () => {
    if (server.pid === -1) await server.start();
    await waitFor('the client to be ready', () => client.isReady);
    reported.length = 0;
  });

  it('SIGKILL mid-run: reads are misses within the timeout, writes false, invalidations reject, nothing unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const item = builtItem(ItemModel, 1);
      expect(await cache.set(item)).toBe(true);
      const before = cache.stats();

      let killed = false;
      let running = true;
      const reads: { afterKill: boolean; hit: boolean; ms: number }[] = [];
      const loop = (async () => {
        while (running) {
          const afterKill = killed;
          const { value, ms } = await timed(cache.get(ItemModel, 1));
          reads.push({ afterKill, hit: value !== null, ms });
          // A failed read resolves without I/O; yield so timers (and the kill) get their turn.
          await sleep(2);
        }
      })();

      await waitFor('a few hits before the kill', () => reads.filter((r) => r.hit).length >= 10);
      await server.kill();
      killed = true;
      await sleep(400);
      running = false;
      await loop;

      const afterKill = reads.filter((read) => read.afterKill);
      expect(afterKill.length).toBeGreaterThanOrEqual(20);
      expect(afterKill.filter((read) => read.hit)).toEqual([]);
      expect(Math.max(...reads.map((read) => read.ms))).toBeLessThan(TIMEOUT_MS + MARGIN_MS);

      const getReports = reported.filter((entry) => entry.operation === 'get');
      expect(getReports.length).toBeGreaterThan(0);
      for (const { error } of getReports) {
        expect(CacheError.is(error)).toBe(true);
        expect(error.code).toBe('UNAVAILABLE');
      }
      // The manager listens to the client's errors itself, so node-redis never exits the process.
      expect(reported.some((entry) => entry.operation === 'connection')).toBe(true);
      expect(clientErrors.length).toBeGreaterThan(0);
      const after = cache.stats();
      expect(after.errors).toBeGreaterThanOrEqual(before.errors + getReports.length);
      expect(after.misses).toBeGreaterThanOrEqual(before.misses + afterKill.length);

      const set = await timed(cache.set(builtItem(ItemModel, 2)));
      expect(set.value).toBe(false);
      expect(set.ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
      expect(reported.some((entry) => entry.operation === 'set')).toBe(true);

      expect(await expectUnavailable(cache.delete(item))).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
      expect(await expectUnavailable(cache.delete(ItemModel, 1))).toBeLessThan(
        TIMEOUT_MS + MARGIN_MS,
      );
      expect(await expectUnavailable(cache.deleteAll(ItemModel))).toBeLessThan(
        TIMEOUT_MS + MARGIN_MS,
      );
      expect(await expectUnavailable(cache.erase())).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
      expect(await cache.getMany(ItemModel, [1, 2])).toEqual([null, null]);

      // Give a stray rejection the turns it needs to be reported as unhandled.
      await sleep(50);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a restart on the same port: the same manager and client work again', async () => {
    const item = builtItem(ItemModel, 3);
    expect(await cache.set(item)).toBe(true);
    const port = server.port;
    await server.kill();
    expect(await cache.get(ItemModel, 3)).toBeNull();

    await server.start();
    expect(server.port).toBe(port);
    await waitFor('the client to reconnect', () => client.isReady);
    // The new server starts empty: the entry is gone, not served from anywhere.
    expect(await cache.get(ItemModel, 3)).toBeNull();
    expect(await cache.set(item)).toBe(true);
    const hit = await cache.get(ItemModel, 3);
    expect(hit?.dataValues).toEqual(item.dataValues);
    await cache.deleteAll(ItemModel);
    expect(await cache.get(ItemModel, 3)).toBeNull();
  });

  it('a hung server (SIGSTOP): get is a miss and deleteAll rejects within the timeout; SIGCONT: works again', async () => {
    const item = builtItem(ItemModel, 4);
    expect(await cache.set(item)).toBe(true);
    expect(await cache.get(ItemModel, 4)).not.toBeNull();
    const generation = await client.sendCommand(['GET', generationKey], BYTES);
    expect(generation).toBeInstanceOf(Buffer);
    const limit = TIMEOUT_MS + MARGIN_MS;
    const stuck: Promise<unknown>[] = [];

    server.pause();
    try {
      // Bounded here, so that a call the manager fails to bound fails the test at once.
      const get = await within(cache.get(ItemModel, 4), limit);
      stuck.push(get.promise);
      expect.soft(get.settled, `get settled within ${limit} ms`).toBe(true);
      if (get.settled) {
        expect.soft(get.value).toBeNull();
        // It waited for the timeout: the connection stayed up, the server just did not answer.
        expect.soft(get.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
        expect
          .soft(reported.some((r) => r.operation === 'get' && r.error.code === 'UNAVAILABLE'))
          .toBe(true);
      }

      const deleteAll = await within(cache.deleteAll(ItemModel), limit);
      stuck.push(deleteAll.promise);
      expect.soft(deleteAll.settled, `deleteAll settled within ${limit} ms`).toBe(true);
      if (deleteAll.settled) {
        expect.soft(deleteAll.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
        expect.soft(CacheError.is(deleteAll.error) && deleteAll.error.code).toBe('UNAVAILABLE');
      }

      const set = await within(cache.set(item), TIMEOUT_MS * 2 + MARGIN_MS);
      stuck.push(set.promise);
      expect.soft(set.settled, `set settled within ${TIMEOUT_MS * 2 + MARGIN_MS} ms`).toBe(true);
      if (set.settled) expect.soft(set.value).toBe(false);
      expect(client.isReady).toBe(true);
    } finally {
      server.resume();
    }
    await within(Promise.allSettled(stuck), 5_000);

    await waitFor('a read after SIGCONT', async () => {
      reported.length = 0;
      await cache.get(ItemModel, 4);
      return reported.length === 0;
    });
    // The unconfirmed deleteAll was still queued on the connection and took effect on SIGCONT:
    // a rejected invalidation is one Redis did not confirm, not one that did not happen.
    expect(await client.sendCommand(['GET', generationKey], BYTES)).not.toEqual(generation);
    const renamed = builtItem(ItemModel, 4, 'after SIGCONT');
    expect(await cache.set(renamed)).toBe(true);
    expect((await cache.get(ItemModel, 4))?.dataValues).toEqual(renamed.dataValues);
    expect(client.isReady).toBe(true);
  });
});

describe('entries in Redis that the manager cannot use', () => {
  const prefix = testRedisPrefix('cache-faults').slice(0, -1);
  const entryKey = (id: number): string => `${prefix}:e:${TABLE}:${id}`;
  const generationKey = `${prefix}:g:${TABLE}`;
  let client: ReturnType<typeof createClient>;
  let cache: CacheManager;
  const { reported, onError } = collector();
  let nextId = 1_000;

  const rawGet = async (key: string): Promise<Buffer | null> =>
    (await client.sendCommand(['GET', key], BYTES)) as Buffer | null;
  const rawSet = async (key: string, value: Buffer): Promise<void> => {
    await client.sendCommand(['SET', key, value]);
  };
  const exists = async (key: string): Promise<boolean> =>
    Number(await client.sendCommand(['EXISTS', key])) === 1;

  /** Sets `id` through the manager and returns the bytes it wrote and the generation. */
  async function written(id: number): Promise<{ entry: Buffer; generation: Buffer }> {
    expect(await cache.set(builtItem(ItemModel, id))).toBe(true);
    const entry = await rawGet(entryKey(id));
    const generation = await rawGet(generationKey);
    if (entry === null || generation === null) throw new Error('the manager wrote nothing');
    expect(entry[0]).toBe(1);
    expect(generation.length).toBe(8);
    expect(entry.subarray(9, 17)).toEqual(generation);
    return { entry, generation };
  }

  beforeAll(async () => {
    client = createClient({ url: serviceUrls().redis });
    client.on('error', () => {});
    await client.connect();
    cache = new CacheManager(client, 60, { prefix, timeout: 1_000, onError });
  });

  afterAll(async () => {
    await cache?.erase();
    cache?.close();
    await client?.close();
  });

  beforeEach(() => {
    reported.length = 0;
  });

  it.each([
    [
      'with the right header but a garbled body',
      (entry: Buffer) =>
        Buffer.concat([entry.subarray(0, 17), Buffer.from([0xc1, 0x67, 0x61, 0x72, 0x62])]),
    ],
    [
      'with the right header but an array of the wrong length',
      (entry: Buffer) => Buffer.concat([entry.subarray(0, 17), Buffer.from([0x92, 0x01, 0x02])]),
    ],
    ['truncated to 5 bytes', (entry: Buffer) => entry.subarray(0, 5)],
  ])('an entry %s is a miss, reported and removed', async (_, corrupt) => {
    const id = nextId++;
    const { entry } = await written(id);
    await rawSet(entryKey(id), corrupt(entry));
    const misses = cache.stats().misses;

    expect(await cache.get(ItemModel, id)).toBeNull();
    expect(cache.stats().misses).toBe(misses + 1);
    expect(reported).toHaveLength(1);
    expect(reported[0]?.operation).toBe('get');
    expect(CacheError.is(reported[0]?.error)).toBe(true);
    expect(reported[0]?.error.message).toContain(entryKey(id));
    // The removal is fire-and-forget, so poll briefly.
    await waitFor(
      'the corrupt entry to be removed',
      async () => !(await exists(entryKey(id))),
      1_000,
    );
    expect(await cache.get(ItemModel, id)).toBeNull();
    expect(await cache.set(builtItem(ItemModel, id))).toBe(true);
    expect((await cache.get(ItemModel, id))?.get('id')).toBe(id);
  });

  it.each([
    [
      'another format version',
      (entry: Buffer) => Buffer.concat([Buffer.from([2]), entry.subarray(1)]),
    ],
    [
      'another model fingerprint',
      (entry: Buffer) => {
        const copy = Buffer.from(entry);
        copy[1] = (copy[1] ?? 0) ^ 0xff;
        return copy;
      },
    ],
  ])('an entry of %s is a miss and is left in place', async (_, foreign) => {
    const id = nextId++;
    const { entry } = await written(id);
    const changed = foreign(entry);
    await rawSet(entryKey(id), changed);

    expect(await cache.get(ItemModel, id)).toBeNull();
    // Another deployment's entries are expected during a rolling upgrade: no error, no removal.
    expect(reported).toEqual([]);
    await sleep(100);
    expect(await rawGet(entryKey(id))).toEqual(changed);
    // The same bytes with our header are a hit: the header was the only reason for the miss.
    await rawSet(entryKey(id), entry);
    expect((await cache.get(ItemModel, id))?.get('id')).toBe(id);
  });

  it('an evicted generation key never brings old entries back', async () => {
    const first = builtItem(ItemModel, 301);
    const { generation: old } = await written(301);
    expect((await cache.get(ItemModel, 301))?.dataValues).toEqual(first.dataValues);

    // What an LRU eviction of the generation key looks like to the manager.
    await client.sendCommand(['DEL', generationKey]);
    expect(await cache.get(ItemModel, 301)).toBeNull();

    expect(await cache.set(builtItem(ItemModel, 302))).toBe(true);
    const fresh = await rawGet(generationKey);
    expect(fresh).not.toBeNull();
    expect(fresh).not.toEqual(old);
    expect((await cache.get(ItemModel, 302))?.get('id')).toBe(302);
    expect(await cache.get(ItemModel, 301)).toBeNull();
    expect(await cache.getMany(ItemModel, [301, 302])).toEqual([null, expect.anything()]);
    expect(await cache.getOrLoad(ItemModel, 301, () => null)).toBeNull();
    expect(reported).toEqual([]);

    expect(await cache.set(first)).toBe(true);
    expect((await cache.get(ItemModel, 301))?.dataValues).toEqual(first.dataValues);
  });

  it('an evicted generation key, recreated by another manager, never brings old entries back', async () => {
    await written(311);
    // The other manager is another process: it has seen no generation yet.
    const other = new CacheManager(client, 60, { prefix, onError: () => {} });
    try {
      await client.sendCommand(['DEL', generationKey]);
      expect(await other.set(builtItem(ItemModel, 312))).toBe(true);
      expect(await exists(generationKey)).toBe(true);
      expect(await cache.get(ItemModel, 311)).toBeNull();
      expect((await cache.get(ItemModel, 312))?.get('id')).toBe(312);
      expect(await other.get(ItemModel, 311)).toBeNull();
    } finally {
      other.close();
    }
  });

  it('a write right after the eviction, before any read noticed it, is not served under a lost generation', async () => {
    await written(321);
    await client.sendCommand(['DEL', generationKey]);
    // This manager still remembers the evicted generation and stamps the write with it.
    expect(await cache.set(builtItem(ItemModel, 322))).toBe(true);
    expect(await cache.get(ItemModel, 321)).toBeNull();
    expect(await cache.get(ItemModel, 322)).toBeNull();
    // Once a read saw the key gone, writes create a new generation.
    expect(await cache.set(builtItem(ItemModel, 322))).toBe(true);
    expect((await cache.get(ItemModel, 322))?.get('id')).toBe(322);
    expect(await cache.get(ItemModel, 321)).toBeNull();
  });
});
