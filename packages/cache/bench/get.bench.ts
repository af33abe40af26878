// get of a cached row (a hit) against the platform's limit: a bare node-redis GET of the very
// entry bytes CacheManager reads, decoded with the same msgpackr options. Targets: CacheManager.get
// at least 0.8x the baseline's throughput (ratio <= 1.25); a local-tier hit at least 20x faster
// than CacheManager.get from Redis (suite "local tier vs Redis hit": ratio <= 0.05).
//
// The peer is cache-manager on @keyv/redis, used as its README shows: cache.set(key, instance),
// which stores the instance's JSON, so its get gives back a plain object with dates as strings
// (bench/peer-types.ts lists every type it loses); it does less work per hit than CacheManager,
// which gives back a real instance.
import { type BenchSuite, defineSuite } from '@x/bench-harness';
import type { Cache } from 'cache-manager';
import { RESP_TYPES } from 'redis';
import type { CreationAttributes, ModelStatic } from 'sequelize';
import { type CacheManager, MemoryStore } from '../src/index.js';
import {
  attributeValues,
  BenchFixture,
  type BenchRow,
  ENTRY_HEADER_BYTES,
  EXPIRE_SECONDS,
  expectEqual,
  packr,
} from './fixtures.js';

const BARE = 'bare node-redis GET + msgpack decode';
const BARE_BUILD = 'bare GET + decode + Model.build';
const GET = 'CacheManager.get';
const REDIS_GET = 'CacheManager.get (Redis)';
const LOCAL = 'CacheManager.get (local tier hit)';
const MEMORY = 'CacheManager.get (MemoryStore)';
const PEER = 'cache-manager + @keyv/redis get';

interface GetWorld {
  readonly fixture: BenchFixture;
  readonly Row: ModelStatic<BenchRow>;
  readonly id: number;
  readonly redisCache: CacheManager;
  readonly localCache: CacheManager;
  readonly memoryCache: CacheManager;
  readonly peer: Cache;
  readonly peerKey: string;
  /** The suite's client with RESP blob strings mapped to Buffer, as the package reads entries. */
  readonly bare: {
    get(key: string): Promise<Buffer | null>;
  };
  readonly entryKey: string;
  /** Which attributes hold JSON text in an entry (JSONB), parsed back by the Model.build case. */
  readonly jsonColumns: readonly boolean[];
  readonly attributes: readonly string[];
}

let world: GetWorld | undefined;

function on(): GetWorld {
  if (world === undefined) throw new Error('the suite setup has not run');
  return world;
}

async function bareDecode(w: GetWorld): Promise<unknown[]> {
  const entry = await w.bare.get(w.entryKey);
  if (entry === null) throw new Error('the entry is gone');
  return packr.unpack(entry.subarray(ENTRY_HEADER_BYTES)) as unknown[];
}

/** Opens the table and every cache, stores the row in each, and checks each case's answer. */
async function setup(label: string): Promise<void> {
  const fixture = await BenchFixture.open(label);
  try {
    const { row, Row } = fixture;
    const redisCache = fixture.manager('redis', true);
    const localCache = await fixture.localTierManager('local');
    const memoryCache = fixture.manager('memory', true, new MemoryStore());
    const peer = fixture.peer('peer');
    const peerKey = `row:${row.id}`;
    for (const cache of [redisCache, localCache, memoryCache]) {
      if (!(await cache.set(row))) throw new Error('CacheManager.set did not store the row');
    }
    await peer.set(peerKey, row, EXPIRE_SECONDS * 1000);
    const bare = fixture.redis.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
    const types = Object.values(Row.getAttributes()).map((attribute) =>
      String((attribute.type as { key?: string }).key),
    );
    world = {
      fixture,
      Row,
      id: row.id,
      redisCache,
      localCache,
      memoryCache,
      peer,
      peerKey,
      bare,
      entryKey: fixture.entryKey(`${fixture.prefix}:redis`, row.id),
      jsonColumns: types.map((type) => type === 'JSONB'),
      attributes: Object.keys(Row.getAttributes()),
    };
    await checkCases(world, row);
  } catch (error) {
    world = undefined;
    await fixture.close().catch(() => {});
    throw error;
  }
}

async function checkCases(w: GetWorld, row: BenchRow): Promise<void> {
  // What the package stores: the values in attribute order, JSONB as its JSON text.
  const stored = attributeValues(row).map((value, index) =>
    w.jsonColumns[index] ? JSON.stringify(value) : value,
  );
  expectEqual(BARE, await bareDecode(w), stored);
  for (const [name, cache] of [
    [BARE_BUILD, undefined],
    [GET, w.redisCache],
    [LOCAL, w.localCache],
    [MEMORY, w.memoryCache],
  ] as const) {
    const instance = cache === undefined ? await bareBuild(w) : await cache.get(w.Row, w.id);
    if (!(instance instanceof w.Row) || instance.isNewRecord || instance.changed() !== false) {
      throw new Error(`bench case "${name}" did not give back a loaded, unchanged instance`);
    }
    expectEqual(name, instance.get({ plain: true }), row.get({ plain: true }));
  }
  const before = w.localCache.stats().localHits;
  await w.localCache.get(w.Row, w.id);
  if (w.localCache.stats().localHits !== before + 1) {
    throw new Error(`bench case "${LOCAL}" was not served by the local tier`);
  }
  // The peer's answer is the instance's JSON parsed back: a plain object, dates as text.
  expectEqual(PEER, await w.peer.get(w.peerKey), JSON.parse(JSON.stringify(row)));
}

async function bareBuild(w: GetWorld): Promise<BenchRow> {
  const values = await bareDecode(w);
  const data: Record<string, unknown> = {};
  for (let index = 0; index < w.attributes.length; index++) {
    const value = values[index];
    data[w.attributes[index] as string] =
      w.jsonColumns[index] && typeof value === 'string' ? JSON.parse(value) : value;
  }
  return w.Row.build(data as CreationAttributes<BenchRow>, { isNewRecord: false, raw: true });
}

async function teardown(): Promise<void> {
  const closing = world;
  world = undefined;
  await closing?.fixture.close();
}

const hit: BenchSuite = defineSuite({
  name: 'get (hit) on Redis, one 12-column row',
  baseline: BARE,
  cases: {
    [BARE]: () => bareDecode(on()),
    [BARE_BUILD]: () => bareBuild(on()),
    [GET]: () => {
      const w = on();
      return w.redisCache.get(w.Row, w.id);
    },
    [LOCAL]: () => {
      const w = on();
      return w.localCache.get(w.Row, w.id);
    },
    [PEER]: () => {
      const w = on();
      return w.peer.get(w.peerKey);
    },
  },
  setup: () => setup('get'),
  teardown,
});

const local: BenchSuite = defineSuite({
  name: 'local tier vs Redis hit',
  baseline: REDIS_GET,
  cases: {
    [REDIS_GET]: () => {
      const w = on();
      return w.redisCache.get(w.Row, w.id);
    },
    [LOCAL]: () => {
      const w = on();
      return w.localCache.get(w.Row, w.id);
    },
  },
  setup: () => setup('get_local'),
  teardown,
});

const memory: BenchSuite = defineSuite({
  name: 'MemoryStore vs Redis hit',
  baseline: REDIS_GET,
  cases: {
    [REDIS_GET]: () => {
      const w = on();
      return w.redisCache.get(w.Row, w.id);
    },
    [MEMORY]: () => {
      const w = on();
      return w.memoryCache.get(w.Row, w.id);
    },
    [LOCAL]: () => {
      const w = on();
      return w.localCache.get(w.Row, w.id);
    },
  },
  setup: () => setup('get_memory'),
  teardown,
});

const suites: BenchSuite[] = [hit, local, memory];

export default suites;
