// set of one row against the platform's limit: a bare msgpack encode of the row's values and a
// node-redis SET with PX. Target: CacheManager.set at least 0.8x the baseline's throughput
// (ratio <= 1.25). The peer, cache-manager on @keyv/redis, stores the instance's JSON (see
// bench/peer-types.ts for what that loses).
import { type BenchSuite, defineSuite } from '@x/bench-harness';
import type { Cache } from 'cache-manager';
import { RESP_TYPES } from 'redis';
import type { CacheManager } from '../src/index.js';
import {
  attributeValues,
  BenchFixture,
  type BenchRow,
  ENTRY_HEADER_BYTES,
  EXPIRE_SECONDS,
  expectEqual,
  packr,
} from './fixtures.js';

const BARE = 'bare msgpack encode + node-redis SET PX';
const SET = 'CacheManager.set';
const PEER = 'cache-manager + @keyv/redis set';

const TTL_MS = EXPIRE_SECONDS * 1000;

interface SetWorld {
  readonly fixture: BenchFixture;
  readonly row: BenchRow;
  readonly cache: CacheManager;
  readonly peer: Cache;
  readonly bareKey: string;
  readonly peerKey: string;
}

let world: SetWorld | undefined;

function on(): SetWorld {
  if (world === undefined) throw new Error('the suite setup has not run');
  return world;
}

function bareSet(w: SetWorld): Promise<unknown> {
  // The values in attribute order, as a user storing a row with msgpack would encode them.
  return w.fixture.redis.set(w.bareKey, packr.pack(attributeValues(w.row)), {
    expiration: { type: 'PX', value: TTL_MS },
  });
}

async function setup(): Promise<void> {
  const fixture = await BenchFixture.open('set');
  try {
    const { row } = fixture;
    world = {
      fixture,
      row,
      cache: fixture.manager('cache', true),
      peer: fixture.peer('peer'),
      bareKey: `${fixture.prefix}:bare:${row.id}`,
      peerKey: `row:${row.id}`,
    };
    await check(world);
  } catch (error) {
    world = undefined;
    await fixture.close().catch(() => {});
    throw error;
  }
}

/** Runs each case once and checks that it stored what it should, with an expiry. */
async function check(w: SetWorld): Promise<void> {
  const { fixture, row } = w;
  const bytes = fixture.redis.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  expectEqual(BARE, await bareSet(w), 'OK');
  const bare = await bytes.get(w.bareKey);
  expectEqual(BARE, bare && packr.unpack(bare), attributeValues(row));

  expectEqual(SET, await w.cache.set(row), true);
  const entryKey = fixture.entryKey(`${fixture.prefix}:cache`, row.id);
  const entry = await bytes.get(entryKey);
  if (entry === null || entry.length <= ENTRY_HEADER_BYTES)
    throw new Error(`${SET} stored nothing`);
  const back = await w.cache.get(fixture.Row, row.id);
  expectEqual(SET, back?.get({ plain: true }), row.get({ plain: true }));

  await w.peer.set(w.peerKey, row, TTL_MS);
  expectEqual(PEER, await w.peer.get(w.peerKey), JSON.parse(JSON.stringify(row)));

  for (const [name, key] of [
    [BARE, w.bareKey],
    [SET, entryKey],
    [PEER, `${fixture.prefix}:peer::${w.peerKey}`],
  ] as const) {
    const ttl = Number(await fixture.redis.pTTL(key));
    if (!(ttl > 0 && ttl <= TTL_MS * 1.1)) {
      throw new Error(`bench case "${name}" stored ${key} with a time to live of ${ttl} ms`);
    }
  }
}

const suite: BenchSuite = defineSuite({
  name: 'set on Redis, one 12-column row',
  baseline: BARE,
  cases: {
    [BARE]: () => bareSet(on()),
    [SET]: () => {
      const w = on();
      return w.cache.set(w.row);
    },
    [PEER]: () => {
      const w = on();
      return w.peer.set(w.peerKey, w.row, TTL_MS);
    },
  },
  setup,
  teardown: async () => {
    const closing = world;
    world = undefined;
    await closing?.fixture.close();
  },
});

export default suite;
