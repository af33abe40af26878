// getMany of 100 cached rows (one MGET) against 100 sequential gets (100 round trips) and
// against Promise.all of 100 gets (100 commands in flight, which node-redis writes together).
// The bare MGET of the same 100 entries, decoded with the package's msgpackr options, is the
// platform's limit for reference.
import { type BenchSuite, defineSuite } from '@x/bench-harness';
import { RESP_TYPES } from 'redis';
import type { ModelStatic } from 'sequelize';
import type { CacheManager } from '../src/index.js';
import { BenchFixture, type BenchRow, ENTRY_HEADER_BYTES, expectEqual, packr } from './fixtures.js';

const COUNT = 100;
const SEQUENTIAL = `${COUNT} sequential CacheManager.get`;
const MANY = `CacheManager.getMany(${COUNT} ids)`;
const ALL = `Promise.all of ${COUNT} CacheManager.get`;
const BARE = `bare node-redis MGET of the ${COUNT} entries + msgpack decode`;

interface ManyWorld {
  readonly fixture: BenchFixture;
  readonly Row: ModelStatic<BenchRow>;
  readonly cache: CacheManager;
  readonly ids: readonly number[];
  readonly entryKeys: readonly string[];
  readonly bare: { mGet(keys: string[]): Promise<(Buffer | null)[]> };
}

let world: ManyWorld | undefined;

function on(): ManyWorld {
  if (world === undefined) throw new Error('the suite setup has not run');
  return world;
}

async function sequential(w: ManyWorld): Promise<(BenchRow | null)[]> {
  const found: (BenchRow | null)[] = [];
  for (const id of w.ids) found.push(await w.cache.get(w.Row, id));
  return found;
}

async function bareMget(w: ManyWorld): Promise<unknown[]> {
  const entries = await w.bare.mGet([...w.entryKeys]);
  return entries.map((entry) => {
    if (entry === null) throw new Error('an entry is gone');
    return packr.unpack(entry.subarray(ENTRY_HEADER_BYTES));
  });
}

const cases = {
  [SEQUENTIAL]: () => sequential(on()),
  [MANY]: () => {
    const w = on();
    return w.cache.getMany(w.Row, w.ids);
  },
  [ALL]: () => {
    const w = on();
    return Promise.all(w.ids.map((id) => w.cache.get(w.Row, id)));
  },
  [BARE]: () => bareMget(on()),
};

async function setup(): Promise<void> {
  const fixture = await BenchFixture.open('get_many', COUNT);
  try {
    const cache = fixture.manager('cache', true);
    for (const row of fixture.rows) {
      if (!(await cache.set(row))) throw new Error('CacheManager.set did not store a row');
    }
    const ids = fixture.rows.map((row) => row.id);
    world = {
      fixture,
      Row: fixture.Row,
      cache,
      ids,
      entryKeys: ids.map((id) => fixture.entryKey(`${fixture.prefix}:cache`, id)),
      bare: fixture.redis.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer }),
    };
    const expected = fixture.rows.map((row) => row.get({ plain: true }));
    for (const name of [SEQUENTIAL, MANY, ALL] as const) {
      const found = (await cases[name]()) as (BenchRow | null)[];
      expectEqual(
        name,
        found.map((row) => row?.get({ plain: true }) ?? null),
        expected,
      );
    }
    const decoded = await bareMget(world);
    expectEqual(
      BARE,
      decoded.map((values) => (values as unknown[])[0]),
      ids,
    );
  } catch (error) {
    world = undefined;
    await fixture.close().catch(() => {});
    throw error;
  }
}

const suite: BenchSuite = defineSuite({
  name: `getMany(${COUNT}) vs ${COUNT} gets, hits on Redis`,
  baseline: SEQUENTIAL,
  cases,
  setup,
  teardown: async () => {
    const closing = world;
    world = undefined;
    await closing?.fixture.close();
  },
});

export default suite;
