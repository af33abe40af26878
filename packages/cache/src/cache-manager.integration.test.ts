import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { serviceUrls, testRedisPrefix } from '@x/test-services';
import { type RedisClusterRef, useRedisCluster, useTestDatabase } from '@x/test-services/vitest';
import { createClient, createCluster } from 'redis';
import {
  DataTypes,
  type InferAttributes,
  type Model,
  type ModelStatic,
  QueryTypes,
  Sequelize,
} from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useManagers } from '../test/managers.js';
import { initModels, Note, Pair, Tagged, Typed, type TypedValues } from '../test/models.js';
import { removeSharedKeys } from '../test/redis-keys.js';
import type { CacheManager, CacheManagerOptions } from './cache-manager.js';
import { MemoryStore } from './memory-store.js';

type Kind = 'redis' | 'cluster' | 'memory';
type CacheClient = ConstructorParameters<typeof CacheManager>[0];

interface Store {
  readonly kind: Kind;
  readonly client: CacheClient;
  /** Redis PTTL of `key` (ms; -1 no expiry, -2 absent). Only the Redis stores have it. */
  pttl(key: string): Promise<number>;
  close(): Promise<void>;
}

const BASE = testRedisPrefix('cache-manager');
const database = useTestDatabase('postgres');
let sequelize: Sequelize;
/** 200 saved notes, for bulk and TTL tests. */
let notes: Note[];

beforeAll(async () => {
  sequelize = new Sequelize(database.url, { logging: false });
  initModels(sequelize);
  await sequelize.sync({ force: true });
  await Note.bulkCreate(
    Array.from({ length: 200 }, (_, index) => ({ title: `note ${index}`, body: `body ${index}` })),
  );
  notes = await Note.findAll({ order: [['id', 'ASC']] });
});

afterAll(async () => {
  await sequelize?.close();
  await removeSharedKeys(BASE);
});

async function openStore(kind: Kind, cluster: RedisClusterRef | undefined): Promise<Store> {
  if (kind === 'memory') {
    return {
      kind,
      client: new MemoryStore(),
      pttl: () => Promise.reject(new Error('MemoryStore has no PTTL')),
      close: async () => {},
    };
  }
  if (kind === 'redis') {
    const redis = await createClient({ url: serviceUrls().redis })
      .on('error', () => {})
      .connect();
    return { kind, client: redis, pttl: (key) => redis.pTTL(key), close: () => redis.close() };
  }
  const redis = await createCluster({ rootNodes: cluster?.rootNodes ?? [] })
    .on('error', () => {})
    .connect();
  return { kind, client: redis, pttl: (key) => redis.pTTL(key), close: () => redis.close() };
}

/** What a value is to JS: the checks a caller's code makes on a loaded attribute. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Buffer.isBuffer(value)) return 'Buffer';
  if (value instanceof Date) return 'Date';
  if (Array.isArray(value)) return `Array<${value.map(kindOf).join(',')}>`;
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) === Object.prototype ? 'Object' : 'other';
    return `${proto}{${Object.entries(value)
      .map(([key, item]) => `${key}:${kindOf(item)}`)
      .join(',')}}`;
  }
  return typeof value;
}

const BYTES_0_TO_255 = Buffer.from(Array.from({ length: 256 }, (_, index) => index));

/** A JSONB document with an own `__proto__` key, as the pg driver's JSON.parse makes it. */
const DOC_TEXT =
  '{"__proto__":{"polluted":true},"nested":{"list":[1,2.5,-3,null,{"deep":["x",{"y":false}]}]},' +
  '"unicode":"héllo 世界 \\ud83d\\ude00 𝄞","big":9007199254740991,"tiny":1e-7,"nil":null,"empty":{},"none":[]}';

const LONG_TEXT = `line one\nline\ttwo\r\n${'é😀𝄞 '.repeat(12_000)}`;

/** The rows of {@link Typed} that each store round-trips. */
const TYPED_ROWS: Readonly<Record<string, () => TypedValues>> = {
  'every column set': () => ({
    int: 2_147_483_647,
    big: '9223372036854775807',
    dec: '-9876543210.12',
    float: 1.1,
    double: Math.PI,
    bool: true,
    at: new Date('2024-02-29T23:59:59.987Z'),
    day: '2024-02-29',
    str: 'a:b c 😀 𝄞 "q" \\ ü',
    text: LONG_TEXT,
    uuid: '0b9f3c52-3f0e-4c1a-9d7e-2f6b8a1c4d5e',
    doc: JSON.parse(DOC_TEXT),
    blob: BYTES_0_TO_255,
    ints: [0, -1, 2_147_483_647, -2_147_483_648],
    texts: ['', 'a,b', '"quoted"', '{braces}', 'NULL', 'back\\slash', 'ünï 😀', null],
    doubles: [0.1, -2.5e-300, 1e308, 42],
    mood: 'ça va',
  }),
  'every nullable column NULL': () => ({
    int: null,
    big: null,
    dec: null,
    float: null,
    double: null,
    bool: null,
    at: null,
    day: null,
    str: null,
    text: null,
    uuid: null,
    doc: null,
    blob: null,
    ints: null,
    texts: null,
    doubles: null,
    mood: null,
  }),
  'empty and extreme values': () => ({
    int: -2_147_483_648,
    big: '-9223372036854775808',
    dec: '0.00',
    float: 5e-324,
    double: -1.7976931348623157e308,
    bool: false,
    at: new Date('1969-07-20T20:17:40.001Z'),
    day: '0001-01-01',
    str: '',
    text: '',
    uuid: '00000000-0000-0000-0000-000000000000',
    doc: 'a top-level JSON string',
    blob: Buffer.alloc(0),
    ints: [],
    texts: [],
    doubles: [],
    mood: 'calm',
  }),
  'large and far-future values': () => ({
    int: 1,
    big: '9007199254740993',
    dec: '9999999999.99',
    float: Number.POSITIVE_INFINITY,
    double: Number.NaN,
    bool: true,
    at: new Date('3000-01-01T00:00:00.001Z'),
    day: '9999-12-31',
    str: 'x'.repeat(255),
    text: 'z'.repeat(70_000),
    uuid: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
    doc: [0, [[]], { '': '' }],
    blob: randomBytes(70_000),
    ints: [1, null, 3],
    texts: [null],
    doubles: [Number.NEGATIVE_INFINITY, Number.NaN, null],
    mood: 'very glad',
  }),
};

function nullRow(): TypedValues {
  return (TYPED_ROWS['every nullable column NULL'] as () => TypedValues)();
}

describe.each<Kind>(['redis', 'cluster', 'memory'])('CacheManager on %s', (kind) => {
  const cluster = kind === 'cluster' ? useRedisCluster() : undefined;
  let store: Store;
  const openManager = useManagers();
  let made = 0;
  const typedIds = new Map<string, number>();

  const prefixes = new WeakMap<CacheManager, string>();

  /** A manager under a prefix of its own, so tests never see each other's entries. */
  function cacheOn(
    expire = 60,
    options: CacheManagerOptions = {},
    client: CacheClient = store.client,
  ): CacheManager {
    const prefix = `${BASE}${kind}-${++made}`;
    const cache = openManager(client, expire, { prefix, ...options });
    prefixes.set(cache, prefix);
    return cache;
  }

  function prefixOf(cache: CacheManager): string {
    return prefixes.get(cache) as string;
  }

  beforeAll(async () => {
    store = await openStore(kind, cluster);
    for (const [name, values] of Object.entries(TYPED_ROWS)) {
      const row = await Typed.create(values());
      typedIds.set(name, row.id);
    }
  });

  afterAll(async () => {
    await store?.close();
  });

  describe('type fidelity', () => {
    it.each(Object.keys(TYPED_ROWS))(
      'gives back the row with %s as findByPk does, and save() then UPDATEs it',
      async (name) => {
        const id = typedIds.get(name) as number;
        const loaded = await Typed.findByPk(id, { rejectOnEmpty: true });
        const nullable = Object.keys(TYPED_ROWS[name]?.() ?? {}) as (keyof TypedValues)[];
        if (name === 'every column set') {
          for (const attribute of nullable) expect(loaded[attribute], attribute).not.toBeNull();
        }
        if (name === 'every nullable column NULL') {
          for (const attribute of nullable) expect(loaded[attribute], attribute).toBeNull();
        }
        const cache = cacheOn();
        expect(await cache.set(loaded)).toBe(true);

        const cached = await cache.get(Typed, id);
        if (cached === null) throw new Error('expected a hit');
        expect(cached).toBeInstanceOf(Typed);
        expect(cached.dataValues).toStrictEqual(loaded.dataValues);
        const attributes = Object.keys(Typed.getAttributes());
        expect(Object.keys(cached.dataValues).sort()).toEqual([...attributes].sort());
        for (const attribute of attributes) {
          const value = cached.getDataValue(attribute as keyof InferAttributes<Typed>);
          const expected = loaded.getDataValue(attribute as keyof InferAttributes<Typed>);
          expect(kindOf(value), attribute).toBe(kindOf(expected));
          expect(typeof value, attribute).toBe(typeof expected);
          expect(Buffer.isBuffer(value), attribute).toBe(Buffer.isBuffer(expected));
          expect(value instanceof Date, attribute).toBe(expected instanceof Date);
          expect(Array.isArray(value), attribute).toBe(Array.isArray(expected));
        }
        expect(cached.isNewRecord).toBe(false);
        expect(cached.changed()).toBe(false);

        const countBefore = await Typed.count();
        const statements: string[] = [];
        cached.str = `edited ${kind} ${name}`;
        expect(cached.changed()).toEqual(['str']);
        await cached.save({ logging: (sql: string) => statements.push(sql) });
        expect(statements).toHaveLength(1);
        expect(statements[0]).toMatch(
          /^Executing \(default\): UPDATE "typed_rows" SET "str"=\$1,"updatedAt"=\$2 WHERE "id" = \$3$/,
        );
        expect(statements.join('\n')).not.toMatch(/INSERT/i);
        expect(await Typed.count()).toBe(countBefore);
        const rows = await sequelize.query<{ str: string }>(
          'SELECT str FROM typed_rows WHERE id = :id',
          { replacements: { id }, type: QueryTypes.SELECT },
        );
        expect(rows).toEqual([{ str: `edited ${kind} ${name}` }]);
      },
    );

    it('keeps the exact bytes, milliseconds, strings and JSON of the full row', async () => {
      const id = typedIds.get('every column set') as number;
      const loaded = await Typed.findByPk(id, { rejectOnEmpty: true });
      const cache = cacheOn();
      await cache.set(loaded);
      const cached = await cache.get(Typed, id);
      if (cached === null) throw new Error('expected a hit');

      expect(Buffer.isBuffer(cached.blob)).toBe(true);
      expect(cached.blob?.equals(BYTES_0_TO_255)).toBe(true);
      expect(cached.at?.getTime()).toBe(Date.parse('2024-02-29T23:59:59.987Z'));
      expect(cached.big).toBe('9223372036854775807');
      expect(cached.dec).toBe('-9876543210.12');
      expect(cached.text).toBe(LONG_TEXT);
      expect(cached.texts).toEqual([
        '',
        'a,b',
        '"quoted"',
        '{braces}',
        'NULL',
        'back\\slash',
        'ünï 😀',
        null,
      ]);
      const doc = cached.doc as Record<string, unknown>;
      expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
      expect(Object.hasOwn(doc, '__proto__')).toBe(true);
      expect(Object.getOwnPropertyDescriptor(doc, '__proto__')?.value).toEqual({
        polluted: true,
      });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(doc.unicode).toBe('héllo 世界 😀 𝄞');
      expect(doc.big).toBe(Number.MAX_SAFE_INTEGER);
      expect(doc.nested).toEqual({ list: [1, 2.5, -3, null, { deep: ['x', { y: false }] }] });
      // Instances never share state: changing one hit leaves the next one as stored.
      (doc.nested as { list: unknown[] }).list.push('mutated');
      cached.blob?.fill(0);
      const again = await cache.get(Typed, id);
      expect(again?.dataValues).toStrictEqual(loaded.dataValues);
    });

    it('keeps negative zero in FLOAT, DOUBLE and DOUBLE[] columns', async () => {
      const row = await Typed.create(nullRow());
      // Sequelize writes the number -0 as 0, so the value goes in as SQL text.
      await sequelize.query(
        "UPDATE typed_rows SET float = '-0', double = '-0', doubles = '{-0,0,1.5}' WHERE id = :id",
        { replacements: { id: row.id } },
      );
      const loaded = await Typed.findByPk(row.id, { rejectOnEmpty: true });
      // The database and driver give -0 back; the cache must too.
      expect(Object.is(loaded.float, -0)).toBe(true);
      expect(Object.is(loaded.double, -0)).toBe(true);
      expect(Object.is(loaded.doubles?.[0], -0)).toBe(true);
      const cache = cacheOn();
      await cache.set(loaded);
      const cached = await cache.get(Typed, row.id);
      expect(cached?.float).toBe(-0);
      expect(cached?.double).toBe(-0);
      expect(cached?.doubles).toEqual([-0, 0, 1.5]);
      expect(cached?.dataValues).toStrictEqual(loaded.dataValues);
    });

    it('caches a model with a composite primary key, got with an object id', async () => {
      await Pair.destroy({ where: {} });
      await Pair.create({ tenantId: 7, code: 'a:b c', label: 'first' });
      await Pair.create({ tenantId: 8, code: 'a:b c', label: 'other tenant' });
      await Pair.create({ tenantId: 7, code: 'a:b', label: 'other code' });
      const exact = await Pair.findOne({
        where: { tenantId: 7, code: 'a:b c' },
        rejectOnEmpty: true,
      });
      const cache = cacheOn();
      expect(await cache.set(exact)).toBe(true);

      const hit = await cache.get(Pair, { tenantId: 7, code: 'a:b c' });
      expect(hit).toBeInstanceOf(Pair);
      expect(hit?.dataValues).toStrictEqual(exact.dataValues);
      // Key order in the id object does not matter; a string id of the number does not either.
      expect((await cache.get(Pair, { code: 'a:b c', tenantId: 7 }))?.label).toBe('first');
      expect((await cache.get(Pair, { tenantId: '7', code: 'a:b c' }))?.label).toBe('first');
      if (kind !== 'memory') {
        // The documented key layout: a composite id is the JSON array of its values as text.
        const key = `${prefixOf(cache)}:e:pairs:${JSON.stringify(['7', 'a:b c'])}`;
        expect(await store.pttl(key)).toBeGreaterThan(0);
      }
      expect(await cache.get(Pair, { tenantId: 8, code: 'a:b c' })).toBeNull();
      expect(await cache.get(Pair, { tenantId: 7, code: 'a:b' })).toBeNull();
      await expect(cache.get(Pair, 7)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(cache.get(Pair, { tenantId: 7 })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });

      if (hit === null) throw new Error('expected a hit');
      expect(hit.isNewRecord).toBe(false);
      expect(hit.changed()).toBe(false);
      const statements: string[] = [];
      hit.label = 'renamed';
      await hit.save({ logging: (sql: string) => statements.push(sql) });
      expect(statements).toEqual([
        'Executing (default): UPDATE "pairs" SET "label"=$1 WHERE "tenantId" = $2 AND "code" = $3',
      ]);
      expect(await Pair.count()).toBe(3);
      const stored = await Pair.findAll({
        order: [
          ['tenantId', 'ASC'],
          ['code', 'ASC'],
        ],
        raw: true,
      });
      expect(stored).toEqual([
        { tenantId: 7, code: 'a:b', label: 'other code' },
        { tenantId: 7, code: 'a:b c', label: 'renamed' },
        { tenantId: 8, code: 'a:b c', label: 'other tenant' },
      ]);
    });

    it('caches a model with a text primary key holding colons and spaces', async () => {
      await Tagged.destroy({ where: {} });
      const names = ['a:b c', 'a:b', 'a', 'a:b c:', ' lead:trail ', 'ü:😀 %3A'];
      await Tagged.bulkCreate(names.map((name, weight) => ({ name, weight })));
      const loaded = await Tagged.findAll();
      const cache = cacheOn();
      for (const row of loaded) expect(await cache.set(row)).toBe(true);

      for (const [weight, name] of names.entries()) {
        const hit = await cache.get(Tagged, name);
        expect(hit?.dataValues).toStrictEqual({ name, weight });
      }
      expect(await cache.get(Tagged, 'a:b c ')).toBeNull();
      if (kind !== 'memory') {
        expect(await store.pttl(`${prefixOf(cache)}:e:tagged:a:b c`)).toBeGreaterThan(0);
      }
      await cache.delete(Tagged, 'a:b');
      expect(await cache.get(Tagged, 'a:b')).toBeNull();
      expect((await cache.get(Tagged, 'a:b c'))?.weight).toBe(0);
      expect((await cache.get(Tagged, 'a:b c:'))?.weight).toBe(3);

      const hit = await cache.get(Tagged, 'a:b c');
      if (hit === null) throw new Error('expected a hit');
      const statements: string[] = [];
      hit.weight = 42;
      await hit.save({ logging: (sql: string) => statements.push(sql) });
      expect(statements).toEqual([
        'Executing (default): UPDATE "tagged" SET "weight"=$1 WHERE "name" = $2',
      ]);
      expect(await Tagged.count()).toBe(names.length);
      expect((await Tagged.findByPk('a:b c', { rejectOnEmpty: true })).weight).toBe(42);
    });
  });

  describe('getMany', () => {
    it('answers in the order asked, null for each miss, duplicates included', async () => {
      const [n1, n2, n3, n4] = notes as [Note, Note, Note, Note];
      const cache = cacheOn();
      for (const note of [n1, n2, n3]) await cache.set(note);

      const ids = [n3.id, 999_999, n1.id, n2.id, n4.id, n3.id, n1.id];
      const found = await cache.getMany(Note, ids);
      expect(found).toHaveLength(ids.length);
      expect(found.map((note) => note?.id ?? null)).toEqual([
        n3.id,
        null,
        n1.id,
        n2.id,
        null,
        n3.id,
        n1.id,
      ]);
      expect(found[0]?.dataValues).toStrictEqual(n3.dataValues);
      expect(found[2]?.dataValues).toStrictEqual(n1.dataValues);
      expect(found[3]?.dataValues).toStrictEqual(n2.dataValues);
      // Each duplicate is an instance of its own.
      expect(found[5]).not.toBe(found[0]);
      expect(found[5]?.dataValues).toStrictEqual(n3.dataValues);
      for (const note of found) if (note !== null) expect(note.isNewRecord).toBe(false);

      expect(await cache.getMany(Note, [])).toEqual([]);
      expect(await cache.getMany(Note, [n4.id, 999_998])).toEqual([null, null]);
      const all = await cache.getMany(Note, [n1.id, n2.id, n3.id]);
      expect(all.map((note) => note?.title)).toEqual([n1.title, n2.title, n3.title]);
    });

    it('hits all of 200 entries that a new manager wrote concurrently', async () => {
      const cache = cacheOn();
      // The first writes of a manager also create the model's generation stamp: all of them
      // must end up stamped with the one the store keeps.
      const stored = await Promise.all(notes.map((note) => cache.set(note)));
      expect(stored.every(Boolean)).toBe(true);
      const ids = notes.map((note) => note.id).reverse();
      const found = await cache.getMany(Note, ids);
      expect(found.map((note) => note?.id)).toEqual(ids);
      expect(found.map((note) => note?.dataValues)).toStrictEqual(
        [...notes].reverse().map((note) => note.dataValues),
      );
    });
  });

  describe('expiry', () => {
    const entryKey = (cache: CacheManager, id: number) => `${prefixOf(cache)}:e:notes:${id}`;

    /** Sets every note and returns each entry's PTTL and the ms the round trips took. */
    async function ttls(cache: CacheManager): Promise<{ ttls: number[]; elapsed: number }> {
      const started = Date.now();
      const stored = await Promise.all(notes.map((note) => cache.set(note)));
      expect(stored.every(Boolean)).toBe(true);
      const found = await Promise.all(notes.map((note) => store.pttl(entryKey(cache, note.id))));
      return { ttls: found, elapsed: Date.now() - started };
    }

    if (kind === 'memory') {
      it('drops entries after expire × (1 ± jitter) on the store clock', async () => {
        let now = 1_000_000;
        const clockStore = new MemoryStore({ now: () => now });
        const ids = notes.map((note) => note.id);
        const hitsAt = async (jitter: number, at: number) => {
          now = 1_000_000;
          const cache = cacheOn(100, { jitter }, clockStore);
          // One by one: only expiry is under test here.
          for (const note of notes) await cache.set(note);
          now = 1_000_000 + at;
          const found = await cache.getMany(Note, ids);
          return found.filter((note) => note !== null).length;
        };
        // Default jitter 0.1: all live through 90 s, none past 110 s, and they do not all
        // expire at one moment.
        expect(await hitsAt(0.1, 89_999)).toBe(200);
        expect(await hitsAt(0.1, 110_001)).toBe(0);
        const atExpire = await hitsAt(0.1, 100_000);
        expect(atExpire).toBeGreaterThan(0);
        expect(atExpire).toBeLessThan(200);
        expect(await hitsAt(0.1, 95_000)).toBeLessThan(200);
        expect(await hitsAt(0.1, 105_000)).toBeGreaterThan(0);
        // No jitter: every entry lives exactly 100 s.
        expect(await hitsAt(0, 99_999)).toBe(200);
        expect(await hitsAt(0, 100_000)).toBe(0);
        // Jitter 0.3: 70 s to 130 s, spread over the range.
        expect(await hitsAt(0.3, 69_999)).toBe(200);
        expect(await hitsAt(0.3, 130_001)).toBe(0);
        expect(await hitsAt(0.3, 75_000)).toBeLessThan(200);
        expect(await hitsAt(0.3, 125_000)).toBeGreaterThan(0);
      });
    } else {
      it('sets PTTL within expire × [0.9, 1.1] with the default jitter, not all equal', async () => {
        const cache = cacheOn(100);
        const { ttls: found, elapsed } = await ttls(cache);
        for (const ttl of found) {
          expect(ttl).toBeGreaterThanOrEqual(90_000 - elapsed - 1);
          expect(ttl).toBeLessThanOrEqual(110_000);
        }
        expect(new Set(found).size).toBeGreaterThan(150);
        expect(Math.min(...found)).toBeLessThan(92_000);
        expect(Math.max(...found)).toBeGreaterThan(108_000);
        // The generation stamp never expires.
        expect(await store.pttl(`${prefixOf(cache)}:g:notes`)).toBe(-1);
      });

      it('sets PTTL to expire with jitter 0', async () => {
        const cache = cacheOn(100, { jitter: 0 });
        const { ttls: found, elapsed } = await ttls(cache);
        for (const ttl of found) {
          expect(ttl).toBeGreaterThanOrEqual(100_000 - elapsed - 1);
          expect(ttl).toBeLessThanOrEqual(100_000);
        }
      });

      it('sets PTTL within expire × [0.7, 1.3] with jitter 0.3, spread over the range', async () => {
        const cache = cacheOn(100, { jitter: 0.3 });
        const { ttls: found, elapsed } = await ttls(cache);
        for (const ttl of found) {
          expect(ttl).toBeGreaterThanOrEqual(70_000 - elapsed - 1);
          expect(ttl).toBeLessThanOrEqual(130_000);
        }
        expect(Math.min(...found)).toBeLessThan(75_000);
        expect(Math.max(...found)).toBeGreaterThan(125_000);
      });
    }

    it('serves an entry until it expires, then misses', async () => {
      const [n1, n2] = notes as [Note, Note];
      // 400 ms ± 10 %: at least 360 ms to read it back, gone after 440 ms.
      const cache = cacheOn(0.4);
      await cache.set(n1);
      await cache.set(n2);
      expect((await cache.getMany(Note, [n1.id, n2.id])).map((note) => note?.id)).toEqual([
        n1.id,
        n2.id,
      ]);
      await sleep(500);
      expect(await cache.getMany(Note, [n1.id, n2.id])).toEqual([null, null]);
      expect(await cache.get(Note, n1.id)).toBeNull();
      await cache.set(n1);
      expect((await cache.get(Note, n1.id))?.id).toBe(n1.id);
    });
  });

  describe('a changed model shape', () => {
    it('misses an entry written by another shape of the model, then caches the new one', async () => {
      const table = `evolving_${kind}`;
      const define = (attributes: Parameters<Sequelize['define']>[1]): ModelStatic<Model> =>
        sequelize.define('Evolving', attributes, { tableName: table });
      const V1 = define({
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        name: DataTypes.STRING,
        score: DataTypes.INTEGER,
      });
      await V1.sync({ force: true });
      const created = await V1.create({ name: 'first', score: 5 });
      const id = created.get('id') as number;
      const cache = cacheOn();
      await cache.set(await V1.findByPk(id, { rejectOnEmpty: true }));
      expect((await cache.get(V1, id))?.get('score')).toBe(5);

      // The next release adds a column.
      const V2 = define({
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        name: DataTypes.STRING,
        score: DataTypes.INTEGER,
        rank: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 3 },
      });
      await V2.sync({ alter: true });
      const missesBefore = cache.stats().misses;
      expect(await cache.get(V2, id)).toBeNull();
      expect(await cache.getMany(V2, [id])).toEqual([null]);
      expect(cache.stats().misses).toBe(missesBefore + 2);

      // And the one after retypes one (INTEGER to BIGINT: the driver then gives a string).
      const V3 = define({
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        name: DataTypes.STRING,
        score: DataTypes.BIGINT,
        rank: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 3 },
      });
      await V3.sync({ alter: true });
      expect(await cache.get(V3, id)).toBeNull();

      const v2Row = await V2.findByPk(id, { rejectOnEmpty: true });
      expect(await cache.set(v2Row)).toBe(true);
      const v2Hit = await cache.get(V2, id);
      expect(v2Hit?.dataValues).toStrictEqual(v2Row.dataValues);
      expect(v2Hit?.get('rank')).toBe(3);
      expect(await cache.get(V1, id)).toBeNull();
      expect(await cache.get(V3, id)).toBeNull();

      const v3Row = await V3.findByPk(id, { rejectOnEmpty: true });
      expect(v3Row.get('score')).toBe('5');
      await cache.set(v3Row);
      const v3Hit = await cache.get(V3, id);
      expect(v3Hit?.dataValues).toStrictEqual(v3Row.dataValues);
      expect(typeof v3Hit?.get('score')).toBe('string');
      expect(await cache.get(V2, id)).toBeNull();
    });
  });

  describe('stats', () => {
    it('counts hits, misses and loads of a known sequence', async () => {
      const [n1, n2] = notes as [Note, Note];
      const cache = cacheOn();
      expect(cache.stats()).toEqual({ hits: 0, misses: 0, localHits: 0, loads: 0, errors: 0 });

      expect(await cache.get(Note, n1.id)).toBeNull(); // miss 1
      await cache.set(n1);
      expect(await cache.get(Note, n1.id)).not.toBeNull(); // hit 1
      await cache.getMany(Note, [n1.id, n2.id, n1.id]); // hits 2, 3; miss 2
      expect(cache.stats()).toEqual({ hits: 3, misses: 2, localHits: 0, loads: 0, errors: 0 });

      await cache.deleteAll(Note);
      expect(await cache.get(Note, n1.id)).toBeNull(); // miss 3 (stale)
      const loader = () => Note.findByPk(n2.id);
      expect((await cache.getOrLoad(Note, n2.id, loader))?.id).toBe(n2.id); // miss 4, load 1
      expect((await cache.getOrLoad(Note, n2.id, loader))?.id).toBe(n2.id); // hit 4
      expect(await cache.get(Note, n2.id)).not.toBeNull(); // hit 5
      expect(await cache.getOrLoad(Note, 999_999, () => null)).toBeNull(); // miss 5, load 2
      expect(cache.stats()).toEqual({ hits: 5, misses: 5, localHits: 0, loads: 2, errors: 0 });
      // Writes and deletes are not lookups.
      await cache.set(n1);
      await cache.delete(n1);
      expect(cache.stats()).toEqual({ hits: 5, misses: 5, localHits: 0, loads: 2, errors: 0 });
    });
  });
});
