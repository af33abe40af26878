import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { serviceUrls, testRedisPrefix } from '@x/test-services';
import { type RedisClusterRef, useRedisCluster, useTestDatabase } from '@x/test-services/vitest';
import { createClient, createCluster } from 'redis';
import { Sequelize } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useManagers } from '../test/managers.js';
import { initModels, Note, Pair, Tagged } from '../test/models.js';
import { countKeysUnder, removeSharedKeys } from '../test/redis-keys.js';
import type { CacheManager, CacheManagerOptions } from './cache-manager.js';
import type { StoreEntry } from './cache-store.js';
import { MemoryStore } from './memory-store.js';

type Kind = 'redis' | 'cluster' | 'memory';
type CacheClient = ConstructorParameters<typeof CacheManager>[0];

/** The package folder: children run from there, so that `--import tsx` resolves. */
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

interface Store {
  readonly kind: Kind;
  readonly client: CacheClient;
  /** Another connection to the same store (MemoryStore: the same store, it has no connections). */
  readonly second: CacheClient;
  /** The URLs a child process connects to (Redis stores only). */
  readonly urls: readonly string[];
  rawSet(key: string, value: string): Promise<void>;
  rawGet(key: string): Promise<string | null>;
  /** How many keys start with `prefix`, per master (one number for a single server). */
  countUnder(prefix: string): Promise<number[]>;
  close(): Promise<void>;
}

/** A MemoryStore that remembers the keys written to it, to list them as SCAN would. */
class ListingMemoryStore extends MemoryStore {
  readonly #written = new Set<string>();

  override async set(entries: readonly StoreEntry[]): Promise<void> {
    for (const { key } of entries) this.#written.add(key);
    await super.set(entries);
  }

  override async setIfAbsent(key: string, value: Uint8Array): Promise<Uint8Array> {
    this.#written.add(key);
    return super.setIfAbsent(key, value);
  }

  async keysUnder(prefix: string): Promise<string[]> {
    const keys = [...this.#written].filter((key) => key.startsWith(prefix));
    const values = await this.get(keys);
    return keys.filter((_, index) => values[index] !== null);
  }
}

const BASE = testRedisPrefix('cache-erase');
const database = useTestDatabase('postgres');
let sequelize: Sequelize;
let notes: Note[];
let tagged: Tagged;
let pair: Pair;

beforeAll(async () => {
  sequelize = new Sequelize(database.url, { logging: false });
  initModels(sequelize);
  await sequelize.sync({ force: true });
  await Note.bulkCreate(
    Array.from({ length: 60 }, (_, index) => ({ title: `note ${index}`, body: null })),
  );
  notes = await Note.findAll({ order: [['id', 'ASC']] });
  await Tagged.create({ name: 'kept: yes', weight: 1 });
  tagged = await Tagged.findByPk('kept: yes', { rejectOnEmpty: true });
  await Pair.create({ tenantId: 1, code: 'x:y', label: 'pair' });
  pair = await Pair.findOne({ where: { tenantId: 1, code: 'x:y' }, rejectOnEmpty: true });
});

afterAll(async () => {
  await sequelize?.close();
  await removeSharedKeys(BASE);
});

function connectRedis(url: string) {
  // node-redis ends the process on an 'error' event nobody listens to.
  return createClient({ url })
    .on('error', () => {})
    .connect();
}

async function openStore(kind: Kind, cluster: RedisClusterRef | undefined): Promise<Store> {
  if (kind === 'memory') {
    const memory = new ListingMemoryStore();
    return {
      kind,
      client: memory,
      second: memory,
      urls: [],
      rawSet: (key, value) => memory.set([{ key, value: Buffer.from(value), ttlMs: 0 }]),
      rawGet: async (key) => {
        const [value] = await memory.get([key]);
        return value == null ? null : Buffer.from(value).toString();
      },
      countUnder: async (prefix) => [(await memory.keysUnder(prefix)).length],
      close: async () => {},
    };
  }
  if (kind === 'redis') {
    const url = serviceUrls().redis;
    const [first, second] = await Promise.all([connectRedis(url), connectRedis(url)]);
    return {
      kind,
      client: first,
      second,
      urls: [url],
      rawSet: async (key, value) => {
        await first.set(key, value);
      },
      rawGet: (key) => first.get(key),
      countUnder: async (prefix) => [await countKeysUnder(first, prefix)],
      close: async () => {
        await Promise.all([first.close(), second.close()]);
      },
    };
  }
  const urls = (cluster?.rootNodes ?? []).map((node) => node.url);
  const connect = () =>
    createCluster({ rootNodes: urls.map((url) => ({ url })) })
      .on('error', () => {})
      .connect();
  const [first, second] = await Promise.all([connect(), connect()]);
  // Direct connections to each master, to see where keys live.
  const masters = await Promise.all(urls.map((url) => connectRedis(url)));
  return {
    kind,
    client: first,
    second,
    urls,
    rawSet: async (key, value) => {
      await first.set(key, value);
    },
    rawGet: (key) => first.get(key),
    countUnder: (prefix) => Promise.all(masters.map((master) => countKeysUnder(master, prefix))),
    close: async () => {
      await Promise.all([first.close(), second.close(), ...masters.map((m) => m.close())]);
    },
  };
}

const sum = (counts: readonly number[]) => counts.reduce((total, count) => total + count, 0);
const idsOf = (found: readonly (Note | null)[]) => found.map((note) => note?.id ?? null);

describe.each<Kind>(['redis', 'cluster', 'memory'])('CacheManager on %s', (kind) => {
  const cluster = kind === 'cluster' ? useRedisCluster() : undefined;
  let store: Store;
  const openManager = useManagers();
  let made = 0;

  beforeAll(async () => {
    store = await openStore(kind, cluster);
  });

  afterAll(async () => {
    await store?.close();
  });

  function freshPrefix(label: string): string {
    return `${BASE}${kind}-${label}-${++made}`;
  }

  function cacheOn(
    client: CacheClient,
    prefix: string,
    options: CacheManagerOptions = {},
  ): CacheManager {
    return openManager(client, 60, { prefix, ...options });
  }

  /** Two managers on one prefix, each on its own connection. */
  function twoManagers(label: string): [CacheManager, CacheManager, string] {
    const prefix = freshPrefix(label);
    return [cacheOn(store.client, prefix), cacheOn(store.second, prefix), prefix];
  }

  describe('delete', () => {
    it('delete(entity) and delete(Model, id) remove the entry for every manager, and only it', async () => {
      const [n1, n2, n3] = notes as [Note, Note, Note];
      const [cache, other, prefix] = twoManagers('delete');
      for (const entity of [n1, n2, n3, tagged, pair]) expect(await cache.set(entity)).toBe(true);
      expect(idsOf(await other.getMany(Note, [n1.id, n2.id, n3.id]))).toEqual([
        n1.id,
        n2.id,
        n3.id,
      ]);

      await cache.delete(n1);
      await cache.delete(Note, n2.id);
      for (const manager of [cache, other]) {
        expect(idsOf(await manager.getMany(Note, [n1.id, n2.id, n3.id]))).toEqual([
          null,
          null,
          n3.id,
        ]);
        expect((await manager.get(Tagged, tagged.name))?.dataValues).toStrictEqual(
          tagged.dataValues,
        );
        expect((await manager.get(Pair, { tenantId: 1, code: 'x:y' }))?.label).toBe('pair');
      }
      expect(await store.rawGet(`${prefix}:e:notes:${n1.id}`)).toBeNull();
      expect(await store.rawGet(`${prefix}:e:notes:${n2.id}`)).toBeNull();
      expect(await store.rawGet(`${prefix}:e:notes:${n3.id}`)).not.toBeNull();

      // From the other manager, a composite key and a text key; deleting twice is fine.
      await other.delete(Pair, { code: 'x:y', tenantId: 1 });
      await other.delete(tagged);
      await other.delete(tagged);
      expect(await cache.get(Pair, { tenantId: 1, code: 'x:y' })).toBeNull();
      expect(await cache.get(Tagged, tagged.name)).toBeNull();
      expect((await cache.get(Note, n3.id))?.id).toBe(n3.id);

      await cache.set(n1);
      expect((await other.get(Note, n1.id))?.dataValues).toStrictEqual(n1.dataValues);
    });
  });

  describe('deleteAll', () => {
    it("makes every entry of the model a miss for another connection's manager at once", async () => {
      const [cache, other] = twoManagers('delete-all');
      const ids = notes.map((note) => note.id);
      // One by one: concurrent first writes are another test's subject.
      for (const entity of [...notes, tagged, pair]) await cache.set(entity);
      expect(idsOf(await other.getMany(Note, ids))).toEqual(ids);

      await cache.deleteAll(Note);
      expect(await other.getMany(Note, ids)).toEqual(ids.map(() => null));
      expect(await cache.getMany(Note, ids)).toEqual(ids.map(() => null));
      // Other models keep their entries.
      expect((await other.get(Tagged, tagged.name))?.weight).toBe(1);
      expect((await other.get(Pair, { tenantId: 1, code: 'x:y' }))?.label).toBe('pair');

      // Written after deleteAll (by either manager): hits again, for both.
      const [n1, n2, n3] = notes as [Note, Note, Note];
      await cache.set(n1);
      await other.set(n2);
      for (const manager of [cache, other]) {
        expect(idsOf(await manager.getMany(Note, [n1.id, n2.id, n3.id]))).toEqual([
          n1.id,
          n2.id,
          null,
        ]);
      }
      expect((await other.get(Note, n1.id))?.dataValues).toStrictEqual(n1.dataValues);

      // A deleteAll from the other side works the same way.
      await other.deleteAll(Note);
      expect(await cache.getMany(Note, [n1.id, n2.id])).toEqual([null, null]);
    });

    it('leaves a fresh manager that never read the model reading misses', async () => {
      const [cache, , prefix] = twoManagers('delete-all-fresh');
      const [n1] = notes as [Note];
      await cache.set(n1);
      await cache.deleteAll(Note);
      const late = cacheOn(store.second, prefix);
      expect(await late.get(Note, n1.id)).toBeNull();
      await late.set(n1);
      expect((await cache.get(Note, n1.id))?.id).toBe(n1.id);
    });

    if (kind !== 'memory') {
      it('is seen by another process as soon as it resolves', async () => {
        const [cache, , prefix] = twoManagers('process');
        const child = await Child.start([kind, store.urls.join(','), prefix]);
        try {
          const some = notes.slice(0, 5);
          const ids = some.map((note) => note.id);
          for (const entity of [...some, tagged]) await cache.set(entity);

          const before = await child.request({ op: 'get', model: 'Note', ids });
          expect(before.found).toEqual(some.map((note) => note.get({ plain: true })).map(json));

          await cache.deleteAll(Note);
          const after = await child.request({ op: 'get', model: 'Note', ids });
          expect(after.found).toEqual(ids.map(() => null));
          const kept = await child.request({ op: 'get', model: 'Tagged', ids: [tagged.name] });
          expect(kept.found).toEqual([{ name: 'kept: yes', weight: 1 }]);

          const [n1] = some as [Note];
          await cache.set(n1);
          const again = await child.request({ op: 'get', model: 'Note', ids: [n1.id] });
          expect(again.found).toEqual([json(n1.get({ plain: true }))]);

          // And the other way round: the child's deleteAll is this process's miss.
          await child.request({ op: 'deleteAll', model: 'Note' });
          expect(await cache.get(Note, n1.id)).toBeNull();
          const last = await child.request({ op: 'get', model: 'Note', ids: [n1.id] });
          expect(last.found).toEqual([null]);
          expect(last.stats).toMatchObject({ errors: 0, hits: 7, misses: 6 });
        } finally {
          await child.close();
        }
        expect(child.stderr).toBe('');
        expect(child.exitCode).toBe(0);
      });
    }
  });

  describe('erase', () => {
    it('removes every key under "<prefix>:" and nothing else, and returns the count', async () => {
      const prefix = freshPrefix('erase');
      const cache = cacheOn(store.client, prefix);
      const neighbour = cacheOn(store.client, `${prefix}-neighbour`);
      const some = notes.slice(0, 40);
      await Promise.all([...some, tagged, pair].map((entity) => cache.set(entity)));
      await neighbour.set(tagged);
      await store.rawSet(`${prefix}:by hand`, 'under the prefix');
      const survivors: Record<string, string> = {
        [prefix]: 'the prefix itself',
        [`${prefix}x`]: 'the prefix and more text',
        [`${prefix}e:notes:1`]: 'an entry key without the colon',
        [`${prefix}-other:e:notes:1`]: 'another prefix starting alike',
        [`${BASE}${kind}-plain-${made}`]: 'a plain foreign key',
      };
      for (const [key, value] of Object.entries(survivors)) await store.rawSet(key, value);

      // 42 entries, 3 generation stamps (notes, tagged, pairs) and the key set by hand.
      const expected = some.length + 2 + 3 + 1;
      const before = await store.countUnder(`${prefix}:`);
      expect(sum(before)).toBe(expected);
      if (kind === 'cluster') {
        expect(before).toHaveLength(3);
        expect(before.filter((count) => count > 0).length).toBeGreaterThan(1);
      }

      expect(await cache.erase()).toBe(expected);
      expect(sum(await store.countUnder(`${prefix}:`))).toBe(0);
      for (const [key, value] of Object.entries(survivors)) {
        expect(await store.rawGet(key), key).toBe(value);
      }
      expect((await neighbour.get(Tagged, tagged.name))?.weight).toBe(1);
      expect(idsOf(await cache.getMany(Note, [some[0]?.id ?? 0, some[1]?.id ?? 0]))).toEqual([
        null,
        null,
      ]);
      expect(await cache.get(Tagged, tagged.name)).toBeNull();

      // The cache works again afterwards.
      const [n1] = some as [Note];
      expect(await cache.set(n1)).toBe(true);
      expect((await cache.get(Note, n1.id))?.dataValues).toStrictEqual(n1.dataValues);
      expect(await cache.erase()).toBe(2);
      expect(await cache.erase()).toBe(0);
    });

    it('takes glob characters in the prefix literally', async () => {
      const stem = freshPrefix('glob');
      const literal = `${stem}-*[ab]?\\`;
      const cache = cacheOn(store.client, literal);
      await cache.set(notes[0] as Note);
      // Each would match the prefix read as a pattern (`*` any text, `[ab]` one of a or b,
      // `?` any character, `\` escaping the next).
      const lookalikes = [`${stem}-ZZZaQ:e:notes:1`, `${stem}-*bX:`, `${stem}-*[ab]?:`];
      for (const key of lookalikes) await store.rawSet(key, 'not ours');
      expect(await cache.erase()).toBe(2);
      for (const key of lookalikes) expect(await store.rawGet(key), key).toBe('not ours');
    });
  });
});

/** What JSON makes of a value (Dates become ISO strings). */
function json(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

interface Reply {
  readonly found?: unknown[];
  readonly ok?: boolean;
  readonly stats?: Record<string, number>;
  readonly error?: string;
}

/** A child process running `test/second-process.ts`, one JSON request and reply per line. */
class Child {
  stderr = '';
  exitCode: number | null = null;
  readonly #process: ChildProcessWithoutNullStreams;
  readonly #waiting: ((reply: Reply) => void)[] = [];
  readonly #exited: Promise<void>;

  private constructor(args: readonly string[]) {
    this.#process = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/second-process.ts', ...args],
      { cwd: PACKAGE_DIR, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.#process.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    createInterface({ input: this.#process.stdout }).on('line', (line) => {
      this.#waiting.shift()?.(JSON.parse(line) as Reply);
    });
    this.#exited = new Promise((resolve) => {
      this.#process.on('close', (code) => {
        this.exitCode = code;
        for (const waiter of this.#waiting.splice(0)) {
          waiter({ error: `the child exited (${code}): ${this.stderr}` });
        }
        resolve();
      });
    });
  }

  static async start(args: readonly string[]): Promise<Child> {
    const child = new Child(args);
    const ready = await child.#next();
    if (ready.error !== undefined) throw new Error(ready.error);
    return child;
  }

  async request(message: object): Promise<Reply> {
    const reply = this.#next();
    this.#process.stdin.write(`${JSON.stringify(message)}\n`);
    const answer = await reply;
    if (answer.error !== undefined) throw new Error(`the child failed: ${answer.error}`);
    return answer;
  }

  async close(): Promise<void> {
    this.#process.stdin.end();
    const timer = setTimeout(() => this.#process.kill('SIGKILL'), 5_000);
    await this.#exited;
    clearTimeout(timer);
  }

  #next(): Promise<Reply> {
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
}
