import { type BenchSuite, defineSuite, writeExtraResults } from '@x/bench-harness';
import { RESP_TYPES } from 'redis';
import type { CacheManager } from '../src/index.js';
import {
  attributeValues,
  BenchFixture,
  ENTRY_HEADER_BYTES,
  EXPIRE_SECONDS,
  packr,
  quick,
  type RedisClient,
} from './fixtures.js';

const SMALL = 1_000;
const LARGE = 100_000;
/** Commands per pipeline while filling. */
const FILL_BATCH = 5_000;
/** Keys per UNLINK, and the COUNT of each SCAN (as the package's erase() uses). */
const KEYS_PER_COMMAND = 1_000;
/** Complete deletions timed per alternative and size (the median is reported). */
const REPETITIONS = quick ? 1 : 5;

const label = (count: number): string => count.toLocaleString('en-US').replaceAll(',', ' ');

/** Keys of one model under one manager prefix, and the entries' header (fingerprint, generation). */
interface ModelKeys {
  readonly cache: CacheManager;
  readonly prefix: string;
  readonly count: number;
  readonly header: Buffer;
  /** The entry CacheManager.set wrote for the fixture's row, to check the fill's encoding. */
  readonly written: Buffer;
  readonly entryPattern: string;
  readonly indexKey: string;
}

interface DeleteWorld {
  readonly fixture: BenchFixture;
  readonly small: ModelKeys;
  readonly large: ModelKeys;
}

let world: DeleteWorld | undefined;

function on(): DeleteWorld {
  if (world === undefined) throw new Error('the suite setup has not run');
  return world;
}

/**
 * A manager under `${fixture.prefix}:<name>` that has stored the fixture's row (which creates
 * the model's generation), and the header of its entries, read back from Redis.
 */
async function modelKeys(fixture: BenchFixture, name: string, count: number): Promise<ModelKeys> {
  const cache = fixture.manager(name, false);
  const prefix = `${fixture.prefix}:${name}`;
  if (!(await cache.set(fixture.row))) throw new Error('CacheManager.set did not store the row');
  const bytes = fixture.redis.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  const entry = await bytes.get(fixture.entryKey(prefix, fixture.row.id));
  if (entry === null) throw new Error('the entry CacheManager.set wrote is not there');
  return {
    cache,
    prefix,
    count,
    header: Buffer.from(entry.subarray(0, ENTRY_HEADER_BYTES)),
    written: Buffer.from(entry),
    entryPattern: `${prefix}:e:${fixture.keyTable}:*`,
    indexKey: `${prefix}:index:${fixture.keyTable}`,
  };
}

/**
 * Writes entries 1..count of the model with raw pipelined SETs: the row's values with each id,
 * as the package encodes them, under the manager's current generation. With `index`, also adds
 * every key to the model's index set.
 */
async function fill(fixture: BenchFixture, keys: ModelKeys, index: boolean): Promise<void> {
  const [id, ...rest] = attributeValues(fixture.row);
  const jsonColumn = Object.values(fixture.Row.getAttributes()).map(
    (attribute) => (attribute.type as { key?: string }).key === 'JSONB',
  );
  if (typeof id !== 'number' || rest.length + 1 > 15) throw new Error('unexpected row shape');
  // MessagePack of the values array: a fixarray byte, the id, then the other values, which are
  // the same for every entry; encoding only the id keeps filling 100 000 entries quick.
  const others = packr
    .pack(rest.map((value, column) => (jsonColumn[column + 1] ? JSON.stringify(value) : value)))
    .subarray(1);
  const arrayByte = Buffer.of(0x90 + rest.length + 1);
  const ttl = String(EXPIRE_SECONDS * 1000);
  for (let first = 1; first <= keys.count; first += FILL_BATCH) {
    const last = Math.min(keys.count, first + FILL_BATCH - 1);
    const pipeline = fixture.redis.multi();
    const names: string[] = [];
    for (let entryId = first; entryId <= last; entryId++) {
      const key = fixture.entryKey(keys.prefix, entryId);
      names.push(key);
      const entry = Buffer.concat([keys.header, arrayByte, packr.pack(entryId), others]);
      if (entryId === fixture.row.id && !entry.equals(keys.written)) {
        throw new Error('the filled entries are not encoded as CacheManager.set encodes them');
      }
      pipeline.addCommand(['SET', key, entry, 'PX', ttl]);
    }
    if (index) pipeline.addCommand(['SADD', keys.indexKey, ...names]);
    await pipeline.execAsPipeline();
  }
  if (index) await fixture.redis.sendCommand(['PEXPIRE', keys.indexKey, ttl]);
}

/** SCAN MATCH of the model's entries; with `unlink`, each batch found is removed at once. */
async function scanModel(redis: RedisClient, keys: ModelKeys, unlink: boolean): Promise<number> {
  let cursor = '0';
  let count = 0;
  do {
    const [next, found] = (await redis.sendCommand([
      'SCAN',
      cursor,
      'MATCH',
      keys.entryPattern,
      'COUNT',
      String(KEYS_PER_COMMAND),
    ])) as [string, string[]];
    cursor = String(next);
    if (found.length === 0) continue;
    count += unlink ? Number(await redis.sendCommand(['UNLINK', ...found])) : found.length;
  } while (cursor !== '0');
  return count;
}

/** SMEMBERS of the model's index set; with `unlink`, removes the members and the set. */
async function indexModel(redis: RedisClient, keys: ModelKeys, unlink: boolean): Promise<number> {
  const members = (await redis.sendCommand(['SMEMBERS', keys.indexKey])) as string[];
  if (!unlink) return members.length;
  const removals: Promise<unknown>[] = [];
  for (let start = 0; start < members.length; start += KEYS_PER_COMMAND) {
    removals.push(redis.sendCommand(['UNLINK', ...members.slice(start, start + KEYS_PER_COMMAND)]));
  }
  removals.push(redis.sendCommand(['UNLINK', keys.indexKey]));
  const counts = await Promise.all(removals);
  return counts.slice(0, -1).reduce<number>((sum, removed) => sum + Number(removed), 0);
}

/** Opens the table and fills the other models' entries, then the model's at both sizes. */
async function open(name: string, withIndex: boolean): Promise<DeleteWorld> {
  const fixture = await BenchFixture.open(name);
  try {
    // The entries of other models, so that the database is not the model's alone.
    for (const [other, count] of [
      ['other_small', SMALL],
      ['other_large', LARGE],
    ] as const) {
      await fill(fixture, await modelKeys(fixture, other, count), false);
    }
    const small = await modelKeys(fixture, 'small', SMALL);
    const large = await modelKeys(fixture, 'large', LARGE);
    await fill(fixture, small, withIndex);
    await fill(fixture, large, withIndex);
    world = { fixture, small, large };
    return world;
  } catch (error) {
    world = undefined;
    await fixture.close().catch(() => {});
    throw error;
  }
}

async function close(): Promise<void> {
  const closing = world;
  world = undefined;
  await closing?.fixture.close();
}

/** Checks that an entry is a hit before deleteAll and a miss after it. */
async function checkDeleteAll(fixture: BenchFixture, keys: ModelKeys): Promise<void> {
  const id = keys.count - 1;
  const before = await keys.cache.get(fixture.Row, id);
  if (before?.get('id') !== id) throw new Error(`entry ${id} of ${keys.prefix} is not a hit`);
  await keys.cache.deleteAll(fixture.Row);
  if ((await keys.cache.get(fixture.Row, id)) !== null) {
    throw new Error(`deleteAll left entry ${id} of ${keys.prefix} a hit`);
  }
  const found = await scanModel(fixture.redis, keys, false);
  if (found !== keys.count) {
    throw new Error(`${keys.prefix} holds ${found} entries, expected ${keys.count}`);
  }
}

const DELETE_SMALL = `deleteAll with ${label(SMALL)} cached entries`;
const DELETE_LARGE = `deleteAll with ${label(LARGE)} cached entries`;

const flat: BenchSuite = defineSuite({
  name: 'deleteAll, 1 000 vs 100 000 entries of the model in Redis',
  baseline: DELETE_SMALL,
  cases: {
    [DELETE_SMALL]: () => {
      const w = on();
      return w.small.cache.deleteAll(w.fixture.Row);
    },
    [DELETE_LARGE]: () => {
      const w = on();
      return w.large.cache.deleteAll(w.fixture.Row);
    },
  },
  setup: async () => {
    const w = await open('delete_all', false);
    try {
      // The entries stay in Redis (stale) while deleteAll is timed: their count is the point.
      await checkDeleteAll(w.fixture, w.small);
      await checkDeleteAll(w.fixture, w.large);
    } catch (error) {
      await close();
      throw error;
    }
  },
  teardown: close,
});

/** One complete deletion, timed; the keys are written back afterwards, untimed. */
interface Deletion {
  readonly alternative: string;
  readonly entries: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly repetitions: number;
}

const deletions: Deletion[] = [];

async function timeDeletions(w: DeleteWorld): Promise<void> {
  const { redis } = w.fixture;
  const alternatives = [
    ['SCAN MATCH + UNLINK', (keys: ModelKeys) => scanModel(redis, keys, true)],
    ['index set (SMEMBERS + UNLINK)', (keys: ModelKeys) => indexModel(redis, keys, true)],
  ] as const;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`  complete deletions, timed in setup (median of ${REPETITIONS}, re-filled between):`);
  for (const [alternative, remove] of alternatives) {
    for (const keys of [w.small, w.large]) {
      const times: number[] = [];
      for (let repetition = 0; repetition < REPETITIONS; repetition++) {
        const start = process.hrtime.bigint();
        const removed = await remove(keys);
        times.push(Number(process.hrtime.bigint() - start) / 1e6);
        if (removed !== keys.count) {
          throw new Error(`${alternative} removed ${removed} of ${keys.count} entries`);
        }
        await fill(w.fixture, keys, true);
      }
      times.sort((a, b) => a - b);
      const middle = Math.floor(times.length / 2);
      const medianMs =
        times.length % 2 === 1
          ? (times[middle] as number)
          : ((times[middle - 1] as number) + (times[middle] as number)) / 2;
      const deletion: Deletion = {
        alternative,
        entries: keys.count,
        medianMs,
        minMs: times[0] as number,
        maxMs: times.at(-1) as number,
        repetitions: times.length,
      };
      deletions.push(deletion);
      out(
        `    ${`${alternative}, ${label(keys.count)} entries`.padEnd(50)} ${medianMs.toFixed(2).padStart(9)} ms  (min ${deletion.minMs.toFixed(2)}, max ${deletion.maxMs.toFixed(2)})`,
      );
    }
  }
  await writeExtraResults({
    packageDir: import.meta.dirname,
    packageName: '@x/cache',
    fileName: 'cache-deletion.json',
    quick,
    fields: {
      note: `Complete deletions of one model's entries, timed once each with process.hrtime in the setup of bench/delete-all.bench.ts (they are destructive: the keys are written back between repetitions, untimed). The database also holds ${label(SMALL + LARGE)} entries of other models. deleteAll itself is in cache.json.`,
      deletions,
    },
  });
}

const GENERATION = 'deleteAll (SET of a new generation)';
const SCAN_SMALL = `SCAN MATCH finding ${label(SMALL)} keys (no UNLINK)`;
const SCAN_LARGE = `SCAN MATCH finding ${label(LARGE)} keys (no UNLINK)`;
const INDEX_SMALL = `SMEMBERS of a ${label(SMALL)}-key index set (no UNLINK)`;
const INDEX_LARGE = `SMEMBERS of a ${label(LARGE)}-key index set (no UNLINK)`;

async function expectFound(found: Promise<number>, count: number, name: string): Promise<void> {
  if ((await found) !== count) throw new Error(`bench case "${name}" did not find ${count} keys`);
}

const alternatives: BenchSuite = defineSuite({
  name: 'deleting every entry of a model: lookups of the alternatives vs deleteAll',
  baseline: GENERATION,
  cases: {
    [GENERATION]: () => {
      const w = on();
      return w.large.cache.deleteAll(w.fixture.Row);
    },
    [SCAN_SMALL]: () =>
      expectFound(scanModel(on().fixture.redis, on().small, false), SMALL, SCAN_SMALL),
    [SCAN_LARGE]: () =>
      expectFound(scanModel(on().fixture.redis, on().large, false), LARGE, SCAN_LARGE),
    [INDEX_SMALL]: () =>
      expectFound(indexModel(on().fixture.redis, on().small, false), SMALL, INDEX_SMALL),
    [INDEX_LARGE]: () =>
      expectFound(indexModel(on().fixture.redis, on().large, false), LARGE, INDEX_LARGE),
  },
  setup: async () => {
    const w = await open('delete_alternatives', true);
    try {
      await timeDeletions(w);
    } catch (error) {
      await close();
      throw error;
    }
  },
  teardown: close,
});

const suites: BenchSuite[] = [flat, alternatives];

export default suites;
