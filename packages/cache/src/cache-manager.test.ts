import { EventEmitter } from 'node:events';
import { type BuildOptions, DataTypes, Model, type ModelStatic } from 'sequelize';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { caught, collector, expectCode, type Reported, rejection } from '../test/cache-errors.js';
import { sequelizeForBuilding } from '../test/sequelize.js';
import { CacheError } from './cache-error.js';
import { CacheManager, type CacheManagerOptions } from './cache-manager.js';
import type { CacheStore, StoreEntry } from './cache-store.js';
import { encodeEntry } from './entry-format.js';
import { MemoryStore } from './memory-store.js';
import { schemaOf, valuesOf } from './model-schema.js';

const sequelize = sequelizeForBuilding();

afterEach(() => {
  vi.useRealTimers();
});

class User extends Model {
  declare id: number;
  declare name: string;
  declare email: string | null;
  declare born: Date | null;
  declare avatar: Buffer | null;
  declare profile: unknown;
}
User.init(
  {
    id: { type: DataTypes.INTEGER, primaryKey: true },
    name: { type: DataTypes.STRING, allowNull: false },
    email: { type: DataTypes.STRING },
    born: { type: DataTypes.DATE },
    avatar: { type: DataTypes.BLOB },
    profile: { type: DataTypes.JSONB },
  },
  { sequelize, tableName: 'users', timestamps: false },
);

class Post extends Model {
  declare id: number;
  declare title: string;
}
Post.init(
  { id: { type: DataTypes.INTEGER, primaryKey: true }, title: { type: DataTypes.STRING } },
  { sequelize, tableName: 'posts', timestamps: false },
);

class Membership extends Model {
  declare org: string;
  declare userId: number;
  declare role: string;
}
Membership.init(
  {
    org: { type: DataTypes.STRING, primaryKey: true },
    userId: { type: DataTypes.INTEGER, primaryKey: true },
    role: { type: DataTypes.STRING },
  },
  { sequelize, tableName: 'memberships', timestamps: false },
);

const LOADED = { isNewRecord: false, raw: true } as const;

/** A User as a query would load it: saved, with every attribute. */
function user(id: number, overrides: Record<string, unknown> = {}): User {
  return User.build(
    {
      id,
      name: `user ${id}`,
      email: id % 2 === 0 ? `u${id}@example.test` : null,
      born: new Date(Date.UTC(1990, 0, id)),
      avatar: Buffer.from([id & 0xff, 0, 255]),
      profile: { tags: ['a', 'b'], level: id },
      ...overrides,
    },
    LOADED,
  );
}

function post(id: number): Post {
  return Post.build({ id, title: `post ${id}` }, LOADED);
}

type Method = keyof CacheStore;
type Override = (method: Method) => Promise<never> | undefined;

interface FakeStore extends CacheStore {
  readonly calls: { method: Method; args: unknown[] }[];
}

/** A store that records its calls and lets a test replace any of them (else a MemoryStore answers). */
function fakeStore(override: Override = () => undefined, inner: CacheStore = new MemoryStore()) {
  const calls: { method: Method; args: unknown[] }[] = [];
  const run = <T>(method: Method, args: unknown[], pass: () => Promise<T>): Promise<T> => {
    calls.push({ method, args });
    return override(method) ?? pass();
  };
  const store: FakeStore = {
    calls,
    get: (keys) => run('get', [keys], () => inner.get(keys)),
    set: (entries: readonly StoreEntry[]) => run('set', [entries], () => inner.set(entries)),
    setIfAbsent: (key, value) =>
      run('setIfAbsent', [key, value], () => inner.setIfAbsent(key, value)),
    delete: (keys) => run('delete', [keys], () => inner.delete(keys)),
    deletePrefix: (prefix) => run('deletePrefix', [prefix], () => inner.deletePrefix(prefix)),
  };
  return store;
}

const never = (): Promise<never> => new Promise<never>(() => {});

/** A manager on a store that rejects every call with `failure`, and what it reported. */
function onFailingStore(
  failure: Error,
  options: CacheManagerOptions = {},
): { cache: CacheManager; reported: Reported[] } {
  const { reported, onError } = collector();
  const store = fakeStore(() => Promise.reject(failure));
  return { cache: new CacheManager(store, 60, { onError, ...options }), reported };
}

/** A manager under prefix `p` on a MemoryStore that holds user 1, and what it reported. */
async function withUser1(): Promise<{
  cache: CacheManager;
  store: MemoryStore;
  reported: Reported[];
  generation: Uint8Array;
}> {
  const store = new MemoryStore();
  const { reported, onError } = collector();
  const cache = new CacheManager(store, 60, { prefix: 'p', onError });
  await cache.set(user(1));
  const [generation] = await store.get(['p:g:users']);
  return { cache, store, reported, generation: generation as Uint8Array };
}

/** User 1's entry under `generation`: well formed, but its `profile` JSON does not parse. */
function unbuildableEntry(generation: Uint8Array): Uint8Array {
  const schema = schemaOf(User);
  const values = valuesOf(schema, user(1));
  values[schema.attributes.indexOf('profile')] = '{not json';
  return encodeEntry(schema.fingerprint, generation, values);
}

function plain(instance: Model | null): Record<string, unknown> | null {
  return instance === null ? null : (instance.get({ plain: true }) as Record<string, unknown>);
}

/** A node-redis-shaped event source that never connects (isReady false, commands refused). */
function fakeRedisClient(clientSideCache?: EventEmitter) {
  const sent: unknown[] = [];
  const client = Object.assign(new EventEmitter(), {
    isReady: false,
    sendCommand: async (args: unknown) => {
      sent.push(args);
      throw new Error('this client is never connected');
    },
    ...(clientSideCache === undefined ? {} : { clientSideCache }),
  });
  return { client, sent };
}

/** An instance loaded with only `attributes` selected, as `findByPk(id, { attributes })` gives. */
function partial<M extends Model>(model: ModelStatic<M>, values: Record<string, unknown>): M {
  const options = { ...LOADED, attributes: Object.keys(values) } as BuildOptions;
  return model.build(values as M['_creationAttributes'], options);
}

describe('constructor', () => {
  const store = new MemoryStore();

  it('accepts a MemoryStore, any CacheStore and the documented option bounds', () => {
    expect(new CacheManager(store, 60)).toBeInstanceOf(CacheManager);
    expect(new CacheManager(fakeStore(), 0.001)).toBeInstanceOf(CacheManager);
    expect(
      new CacheManager(store, 60, {
        prefix: 'p',
        jitter: 0,
        timeout: 1,
        onError: () => {},
        localTier: false,
      }),
    ).toBeInstanceOf(CacheManager);
    expect(new CacheManager(store, 60, { jitter: 0.5 })).toBeInstanceOf(CacheManager);
  });

  it.each([
    ['0', 0],
    ['negative', -60],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['below a millisecond', 0.0004],
    ['a string', '60'],
  ])('refuses expire %s', (_name, expire) => {
    expectCode(() => new CacheManager(store, expire as number), 'INVALID_ARGUMENT', 'expire');
  });

  it.each([
    ['negative', -0.01],
    ['above 0.5', 0.51],
    ['NaN', Number.NaN],
    ['a string', '0.1'],
  ])('refuses jitter %s', (_name, jitter) => {
    expectCode(
      () => new CacheManager(store, 60, { jitter: jitter as number }),
      'INVALID_ARGUMENT',
      'jitter',
    );
  });

  it.each([
    ['0', 0],
    ['negative', -5],
    ['fractional', 1.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
  ])('refuses timeout %s', (_name, timeout) => {
    expectCode(() => new CacheManager(store, 60, { timeout }), 'INVALID_ARGUMENT', 'timeout');
  });

  it.each([
    ['empty', ''],
    ['a number', 5],
  ])('refuses prefix %s', (_name, prefix) => {
    expectCode(
      () => new CacheManager(store, 60, { prefix: prefix as string }),
      'INVALID_ARGUMENT',
      'prefix',
    );
  });

  it('refuses unknown option names, listing them and the valid ones', () => {
    const options = { ttl: 5, expire: 6, prefix: 'ok' } as CacheManagerOptions;
    expectCode(
      () => new CacheManager(store, 60, options),
      'INVALID_ARGUMENT',
      'ttl, expire',
      'prefix, jitter, timeout, onError, localTier',
    );
    expect(caught(() => new CacheManager(store, 60, options)).message).not.toContain('ok');
  });

  it('refuses options that are not an object', () => {
    expectCode(
      () => new CacheManager(store, 60, null as unknown as CacheManagerOptions),
      'INVALID_ARGUMENT',
      'options',
    );
  });

  it.each([
    ['a URL string', 'redis://127.0.0.1:6379'],
    ['null', null],
    ['undefined', undefined],
    ['a number', 6379],
    ['an empty object', {}],
    ['an object with get and set only', { get: async () => [], set: async () => {} }],
    ['a Map', new Map()],
  ])('refuses %s as client with INVALID_ARGUMENT', (_name, client) => {
    expectCode(
      () => new CacheManager(client as unknown as CacheStore, 60),
      'INVALID_ARGUMENT',
      'client',
    );
  });

  it.each([true, { maxEntries: 10 }])(
    'refuses localTier %o on a MemoryStore with LOCAL_TIER_UNAVAILABLE',
    (localTier) => {
      expectCode(
        () => new CacheManager(store, 60, { localTier }),
        'LOCAL_TIER_UNAVAILABLE',
        'clientSideCache',
      );
    },
  );

  it('refuses localTier on a Redis client without client-side caching', () => {
    const { client } = fakeRedisClient();
    expectCode(() => new CacheManager(client, 60, { localTier: true }), 'LOCAL_TIER_UNAVAILABLE');
  });

  it.each([
    ['maxEntries 0', { maxEntries: 0 }],
    ['fractional maxEntries', { maxEntries: 1.5 }],
    ['ttl 0', { ttl: 0 }],
    ['negative ttl', { ttl: -1 }],
    ['NaN ttl', { ttl: Number.NaN }],
  ])('refuses localTier with %s', (_name, localTier) => {
    const { client } = fakeRedisClient(new EventEmitter());
    expectCode(() => new CacheManager(client, 60, { localTier }), 'INVALID_ARGUMENT', 'localTier');
  });

  it('leaves no listener on the client when it refuses its options', () => {
    // The manager cannot be closed when its constructor throws, so it must not stay attached.
    const plainClient = fakeRedisClient().client;
    caught(() => new CacheManager(plainClient, 60, { localTier: true }));
    expect(plainClient.listenerCount('error')).toBe(0);
    const tracker = new EventEmitter();
    const tracking = fakeRedisClient(tracker).client;
    caught(() => new CacheManager(tracking, 60, { localTier: { maxEntries: 0 } }));
    expect(tracking.listenerCount('error')).toBe(0);
    expect(tracker.listenerCount('invalidate')).toBe(0);
  });
});

describe('set', () => {
  it('stores an entity under <prefix>:e:<table>:<id>, and a generation under <prefix>:g:<table>', async () => {
    const store = new MemoryStore();
    const cache = new CacheManager(store, 60, { prefix: 'app' });
    expect(await cache.set(user(7))).toBe(true);
    const [entry, generation] = await store.get(['app:e:users:7', 'app:g:users']);
    expect(entry).not.toBeNull();
    expect(generation).toHaveLength(8);
    expect(store.size).toBe(2);
  });

  it('rejects an unsaved instance with INVALID_ENTITY and stores nothing', async () => {
    const store = new MemoryStore();
    const cache = new CacheManager(store, 60);
    const fresh = User.build({
      id: 1,
      name: 'new',
      email: null,
      born: null,
      avatar: null,
      profile: null,
    });
    const error = await rejection(cache.set(fresh));
    expect(error.code).toBe('INVALID_ENTITY');
    expect(error.message).toContain('isNewRecord');
    const withoutId = await rejection(cache.set(User.build({ name: 'new' })));
    expect(withoutId.code).toBe('INVALID_ENTITY');
    expect(store.size).toBe(0);
  });

  it('rejects a partially loaded instance with INVALID_ENTITY naming what is missing', async () => {
    const store = new MemoryStore();
    const cache = new CacheManager(store, 60);
    const error = await rejection(cache.set(partial(User, { id: 1, name: 'a' })));
    expect(error.code).toBe('INVALID_ENTITY');
    expect(error.message).toContain('email, born, avatar, profile');
    expect(store.size).toBe(0);
  });

  it('rejects something that is not a model instance with INVALID_ARGUMENT', async () => {
    const cache = new CacheManager(new MemoryStore(), 60);
    for (const value of [{ id: 1 }, null, 'x']) {
      const error = await rejection(cache.set(value as unknown as Model));
      expect(error.code).toBe('INVALID_ARGUMENT');
    }
  });

  it('resolves false and reports when the store fails, without rejecting', async () => {
    const failure = new Error('store down');
    const { cache, reported } = onFailingStore(failure);
    expect(await cache.set(user(1))).toBe(false);
    expect(reported).toHaveLength(1);
    expect(reported[0]?.operation).toBe('set');
    expect(reported[0]?.error.code).toBe('UNAVAILABLE');
    expect(reported[0]?.error.cause).toBe(failure);
  });

  it('resolves false when only the write fails', async () => {
    const { reported, onError } = collector();
    const store = fakeStore((method) =>
      method === 'set' ? Promise.reject(new Error('read-only replica')) : undefined,
    );
    const cache = new CacheManager(store, 60, { onError });
    expect(await cache.set(user(1))).toBe(false);
    expect(reported.map((report) => report.operation)).toEqual(['set']);
  });
});

describe('get and getMany on a MemoryStore', () => {
  it('misses, then gives back an instance equal to the one stored', async () => {
    const cache = new CacheManager(new MemoryStore(), 60);
    expect(await cache.get(User, 1)).toBeNull();
    const original = user(1, { email: 'ann@example.test' });
    await cache.set(original);
    const hit = await cache.get(User, 1);
    expect(hit).toBeInstanceOf(User);
    expect(hit).not.toBe(original);
    expect(plain(hit)).toEqual(plain(original));
    expect(hit?.isNewRecord).toBe(false);
    expect(hit?.changed()).toBe(false);
    expect(hit?.born).toBeInstanceOf(Date);
    expect(Buffer.isBuffer(hit?.avatar)).toBe(true);
  });

  it('finds an entry by any spelling of its id (1 and "1")', async () => {
    const cache = new CacheManager(new MemoryStore(), 60);
    await cache.set(user(1));
    expect((await cache.get(User, '1'))?.id).toBe(1);
    expect((await cache.get(User, { id: 1 }))?.id).toBe(1);
  });

  it('gives a new instance each time, sharing nothing with the previous one', async () => {
    const cache = new CacheManager(new MemoryStore(), 60);
    await cache.set(user(1));
    const first = (await cache.get(User, 1)) as User;
    (first.born as Date).setTime(0);
    (first.avatar as Buffer).fill(7);
    (first.profile as { tags: string[] }).tags.push('z');
    first.name = 'changed';
    const second = (await cache.get(User, 1)) as User;
    expect(plain(second)).toEqual(plain(user(1)));
  });

  it('is not affected by changes to the instance after set', async () => {
    const cache = new CacheManager(new MemoryStore(), 60);
    const original = user(1);
    await cache.set(original);
    (original.avatar as Buffer).fill(9);
    (original.profile as { tags: string[] }).tags.length = 0;
    expect(plain(await cache.get(User, 1))).toEqual(plain(user(1)));
  });

  it('keeps JSON values with own "__proto__" keys', async () => {
    const cache = new CacheManager(new MemoryStore(), 60);
    const profile = JSON.parse('{"__proto__":{"admin":true},"name":"x"}') as object;
    await cache.set(user(1, { profile }));
    const back = (await cache.get(User, 1))?.profile as Record<string, unknown>;
    expect(Object.hasOwn(back, '__proto__')).toBe(true);
    expect((back as { admin?: unknown }).admin).toBeUndefined();
    expect(back.name).toBe('x');
  });

  it('keys composite primary keys by all their parts', async () => {
    const cache = new CacheManager(new MemoryStore(), 60);
    await cache.set(Membership.build({ org: 'acme', userId: 1, role: 'admin' }, LOADED));
    await cache.set(Membership.build({ org: 'acme', userId: 2, role: 'member' }, LOADED));
    expect((await cache.get(Membership, { userId: 1, org: 'acme' }))?.role).toBe('admin');
    expect((await cache.get(Membership, { org: 'acme', userId: '2' }))?.role).toBe('member');
    expect(await cache.get(Membership, { org: 'other', userId: 1 })).toBeNull();
    const error = await rejection(cache.get(Membership, 1));
    expect(error.code).toBe('INVALID_ARGUMENT');
    await cache.delete(Membership, { org: 'acme', userId: 1 });
    expect(await cache.get(Membership, { org: 'acme', userId: 1 })).toBeNull();
    expect(await cache.get(Membership, { org: 'acme', userId: 2 })).not.toBeNull();
  });

  it('rejects ids of the wrong shape and non-models with INVALID_ARGUMENT', async () => {
    const cache = new CacheManager(new MemoryStore(), 60);
    expect((await rejection(cache.get(User, null as never))).code).toBe('INVALID_ARGUMENT');
    expect((await rejection(cache.get(User, { name: 'x' }))).code).toBe('INVALID_ARGUMENT');
    expect((await rejection(cache.get({} as typeof User, 1))).code).toBe('INVALID_ARGUMENT');
    expect((await rejection(cache.getMany(User, [1, null as never]))).code).toBe(
      'INVALID_ARGUMENT',
    );
  });

  it('getMany answers in order, null for each miss, duplicates included', async () => {
    const cache = new CacheManager(new MemoryStore(), 60);
    await cache.set(user(1));
    await cache.set(user(3));
    const found = await cache.getMany(User, [3, 2, 1, 3, '1']);
    expect(found.map((instance) => instance?.id ?? null)).toEqual([3, null, 1, 3, 1]);
    expect(found[0]).not.toBe(found[3]);
    expect(plain(found[2] ?? null)).toEqual(plain(user(1)));
  });

  it('getMany reads the generation and every key in one store call', async () => {
    const store = fakeStore();
    const cache = new CacheManager(store, 60, { prefix: 'p' });
    await cache.set(user(1));
    store.calls.length = 0;
    await cache.getMany(User, [1, 2, 3]);
    expect(store.calls).toEqual([
      { method: 'get', args: [['p:g:users', 'p:e:users:1', 'p:e:users:2', 'p:e:users:3']] },
    ]);
  });

  it('getMany of no ids answers [] without calling the store', async () => {
    const store = fakeStore();
    const cache = new CacheManager(store, 60);
    expect(await cache.getMany(User, [])).toEqual([]);
    expect(store.calls).toEqual([]);
  });

  it('keeps the entries of two prefixes on one store apart', async () => {
    const store = new MemoryStore();
    const first = new CacheManager(store, 60, { prefix: 'a' });
    const second = new CacheManager(store, 60, { prefix: 'b' });
    await first.set(user(1));
    expect(await second.get(User, 1)).toBeNull();
    await second.set(user(1, { name: 'from b' }));
    expect((await first.get(User, 1))?.name).toBe('user 1');
    expect((await second.get(User, 1))?.name).toBe('from b');
  });

  it('expires an entry after expire seconds when jitter is 0; the generation never expires', async () => {
    let now = Date.now();
    const store = new MemoryStore({ now: () => now });
    const cache = new CacheManager(store, 10, { jitter: 0, prefix: 'p' });
    await cache.set(user(1));
    now += 9_999;
    expect(await cache.get(User, 1)).not.toBeNull();
    now += 1;
    expect(await cache.get(User, 1)).toBeNull();
    now += 10 * 365 * 24 * 3600 * 1000;
    expect((await store.get(['p:g:users']))[0]).not.toBeNull();
  });

  it('spreads lifetimes over expire × (1 ± jitter)', async () => {
    let now = Date.now();
    const store = new MemoryStore({ now: () => now });
    const cache = new CacheManager(store, 10, { jitter: 0.5 });
    const ids = Array.from({ length: 60 }, (_, index) => index + 1);
    for (const id of ids) await cache.set(user(id));
    const start = now;
    const alive = async (): Promise<number> =>
      (await cache.getMany(User, ids)).filter((instance) => instance !== null).length;
    now = start + 4_999;
    expect(await alive()).toBe(60);
    now = start + 10_000;
    const middle = await alive();
    expect(middle).toBeGreaterThan(0);
    expect(middle).toBeLessThan(60);
    now = start + 15_000;
    expect(await alive()).toBe(0);
  });

  it('treats an entry written for another shape of the model as a miss and leaves it', async () => {
    const { cache, store, reported, generation } = await withUser1();
    const foreign = encodeEntry(new Uint8Array(8), generation, [1, 'x']);
    await store.set([{ key: 'p:e:users:1', value: foreign, ttlMs: 0 }]);
    expect(await cache.get(User, 1)).toBeNull();
    expect((await store.get(['p:e:users:1']))[0]).not.toBeNull();
    expect(reported).toEqual([]);
  });

  it('removes and reports a corrupt entry, counting a miss', async () => {
    const { cache, store, reported } = await withUser1();
    await store.set([{ key: 'p:e:users:1', value: Buffer.from('garbage'), ttlMs: 0 }]);
    expect(await cache.get(User, 1)).toBeNull();
    expect(reported).toHaveLength(1);
    expect(reported[0]?.error.code).toBe('UNAVAILABLE');
    expect(reported[0]?.error.message).toContain('p:e:users:1');
    await vi.waitFor(async () => expect((await store.get(['p:e:users:1']))[0]).toBeNull());
    expect(cache.stats()).toMatchObject({ hits: 0, misses: 1, errors: 1 });
  });

  it('treats an entry that does not build an instance as a corrupt miss', async () => {
    const { cache, store, reported, generation } = await withUser1();
    await store.set([{ key: 'p:e:users:1', value: unbuildableEntry(generation), ttlMs: 0 }]);
    expect(await cache.get(User, 1)).toBeNull();
    expect(reported).toHaveLength(1);
    expect(reported[0]?.error.message).toContain('does not build a User');
    await vi.waitFor(async () => expect((await store.get(['p:e:users:1']))[0]).toBeNull());
    expect(cache.stats()).toMatchObject({ hits: 0, misses: 1, errors: 1 });
  });
});

describe('delete, deleteAll and erase on a MemoryStore', () => {
  it('delete(entity) and delete(Model, id) remove one entry each', async () => {
    const cache = new CacheManager(new MemoryStore(), 60);
    for (const id of [1, 2, 3]) await cache.set(user(id));
    await cache.delete(user(1));
    await cache.delete(User, '2');
    const found = await cache.getMany(User, [1, 2, 3]);
    expect(found.map((instance) => instance?.id ?? null)).toEqual([null, null, 3]);
    await cache.delete(User, 99);
  });

  it('delete accepts a partially loaded instance (only its key is needed)', async () => {
    const cache = new CacheManager(new MemoryStore(), 60);
    await cache.set(user(1));
    await cache.delete(partial(User, { id: 1 }));
    expect(await cache.get(User, 1)).toBeNull();
  });

  it('deleteAll makes every entry of the model a miss with one write, and only of that model', async () => {
    const store = fakeStore();
    const cache = new CacheManager(store, 60, { prefix: 'p' });
    for (const id of [1, 2, 3]) await cache.set(user(id));
    await cache.set(post(1));
    store.calls.length = 0;
    await cache.deleteAll(User);
    expect(store.calls.map((call) => call.method)).toEqual(['set']);
    const written = (store.calls[0]?.args[0] ?? []) as StoreEntry[];
    expect(written.map((entry) => [entry.key, entry.ttlMs, entry.value.length])).toEqual([
      ['p:g:users', 0, 8],
    ]);
    expect((await cache.getMany(User, [1, 2, 3])).every((instance) => instance === null)).toBe(
      true,
    );
    expect((await cache.get(Post, 1))?.title).toBe('post 1');
    await cache.set(user(2));
    expect((await cache.get(User, 2))?.id).toBe(2);
    expect(await cache.get(User, 1)).toBeNull();
  });

  it('deleteAll by another manager on the same store is seen by the next read', async () => {
    const store = new MemoryStore();
    const reader = new CacheManager(store, 60);
    const other = new CacheManager(store, 60);
    await reader.set(user(1));
    expect(await reader.get(User, 1)).not.toBeNull();
    await other.deleteAll(User);
    expect(await reader.get(User, 1)).toBeNull();
  });

  it('a writer follows a deleteAll made elsewhere within a second', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const store = new MemoryStore();
    const writer = new CacheManager(store, 60);
    const other = new CacheManager(store, 60);
    await writer.set(user(1));
    await other.deleteAll(User);
    // Within a second the writer stamps the generation it remembers: only a miss, never stale data.
    await writer.set(user(1));
    expect(await other.get(User, 1)).toBeNull();
    vi.setSystemTime(Date.now() + 1_500);
    await writer.set(user(1));
    await writer.set(user(1, { name: 'fresh' }));
    expect((await other.get(User, 1))?.name).toBe('fresh');
  });

  it('erase removes exactly the keys under "<prefix>:" and counts them', async () => {
    const store = new MemoryStore();
    const cache = new CacheManager(store, 60, { prefix: 'p' });
    const longer = new CacheManager(store, 60, { prefix: 'pp' });
    await store.set([{ key: 'p', value: Buffer.from('bare'), ttlMs: 0 }]);
    await cache.set(user(1));
    await cache.set(user(2));
    await cache.set(post(1));
    await longer.set(user(1));
    // Entries 3 and generations 2 under "p:".
    expect(await cache.erase()).toBe(5);
    expect(await cache.get(User, 1)).toBeNull();
    expect(await longer.get(User, 1)).not.toBeNull();
    expect((await store.get(['p']))[0]).not.toBeNull();
    expect(await cache.erase()).toBe(0);
    await cache.set(user(1));
    expect(await cache.get(User, 1)).not.toBeNull();
  });
});

describe('getOrLoad on a MemoryStore', () => {
  it('loads on a miss, stores what it loaded, and answers from the cache next time', async () => {
    const cache = new CacheManager(new MemoryStore(), 60);
    const loaded = user(1);
    const loader = vi.fn(async () => loaded);
    expect(await cache.getOrLoad(User, 1, loader)).toBe(loaded);
    const again = await cache.getOrLoad(User, 1, loader);
    expect(loader).toHaveBeenCalledTimes(1);
    expect(plain(again)).toEqual(plain(loaded));
    expect(plain(await cache.get(User, 1))).toEqual(plain(loaded));
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 1, loads: 1 });
  });

  it('shares one load among concurrent callers, each getting its own instance', async () => {
    const cache = new CacheManager(new MemoryStore(), 60);
    let release: ((value: User) => void) | undefined;
    const loader = vi.fn(
      () =>
        new Promise<User>((resolve) => {
          release = resolve;
        }),
    );
    const callers = Array.from({ length: 10 }, () => cache.getOrLoad(User, 1, loader));
    await vi.waitFor(() => expect(release).toBeDefined(), { interval: 1 });
    release?.(user(1));
    const results = await Promise.all(callers);
    expect(loader).toHaveBeenCalledTimes(1);
    expect(new Set(results).size).toBe(10);
    for (const result of results) expect(plain(result)).toEqual(plain(user(1)));
    ((results[1] as User).profile as { tags: string[] }).tags.push('mine');
    expect(plain(results[2] ?? null)).toEqual(plain(user(1)));
  });

  it('returns null and stores nothing when the loader finds nothing', async () => {
    const store = new MemoryStore();
    const cache = new CacheManager(store, 60, { prefix: 'p' });
    const loader = vi.fn(async () => null);
    expect(await cache.getOrLoad(User, 1, loader)).toBeNull();
    expect(await cache.getOrLoad(User, 1, () => undefined)).toBeNull();
    expect(await cache.getOrLoad(User, 1, loader)).toBeNull();
    expect(loader).toHaveBeenCalledTimes(2);
    expect((await store.get(['p:e:users:1']))[0]).toBeNull();
  });

  it('rejects every waiting caller when the loader rejects, and loads again next time', async () => {
    const cache = new CacheManager(new MemoryStore(), 60);
    const failure = new Error('database down');
    let fail: ((error: Error) => void) | undefined;
    const loader = () =>
      new Promise<User>((_resolve, reject) => {
        fail = reject;
      });
    const callers = [cache.getOrLoad(User, 1, loader), cache.getOrLoad(User, 1, loader)];
    await vi.waitFor(() => expect(fail).toBeDefined(), { interval: 1 });
    fail?.(failure);
    for (const caller of callers) await expect(caller).rejects.toBe(failure);
    expect((await cache.getOrLoad(User, 1, () => user(1)))?.id).toBe(1);
  });

  it('rejects with INVALID_ENTITY when the loader returns another model or an unsaved instance', async () => {
    const cache = new CacheManager(new MemoryStore(), 60);
    const other = await rejection(cache.getOrLoad(User, 1, () => post(1) as unknown as User));
    expect(other.code).toBe('INVALID_ENTITY');
    const unsaved = await rejection(cache.getOrLoad(User, 2, () => User.build({ id: 2 })));
    expect(unsaved.code).toBe('INVALID_ENTITY');
    expect(await cache.get(User, 1)).toBeNull();
  });

  it('does not store a load that crossed a deleteAll', async () => {
    const cache = new CacheManager(new MemoryStore(), 60);
    let release: ((value: User) => void) | undefined;
    const pending = cache.getOrLoad(
      User,
      1,
      () =>
        new Promise<User>((resolve) => {
          release = resolve;
        }),
    );
    await vi.waitFor(() => expect(release).toBeDefined(), { interval: 1 });
    await cache.deleteAll(User);
    release?.(user(1, { name: 'loaded before deleteAll' }));
    expect((await pending)?.name).toBe('loaded before deleteAll');
    expect(await cache.get(User, 1)).toBeNull();
  });

  it('falls back to the loader on an entry that does not build, counting one miss only', async () => {
    const { cache, store, reported, generation } = await withUser1();
    await store.set([{ key: 'p:e:users:1', value: unbuildableEntry(generation), ttlMs: 0 }]);
    const loaded = user(1, { name: 'from the database' });
    expect(await cache.getOrLoad(User, 1, () => loaded)).toBe(loaded);
    expect(reported.length).toBeGreaterThanOrEqual(1);
    expect((await cache.get(User, 1))?.name).toBe('from the database');
    // One lookup that found nothing usable, then one hit.
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, loads: 1 });
  });
});

describe('store failures', () => {
  it('get resolves null after about the timeout when the store never answers', async () => {
    const { reported, onError } = collector();
    const cache = new CacheManager(fakeStore(never), 60, { timeout: 50, onError });
    const started = performance.now();
    expect(await cache.get(User, 1)).toBeNull();
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(45);
    expect(elapsed).toBeLessThan(1_000);
    expect(reported).toHaveLength(1);
    expect(reported[0]?.operation).toBe('get');
    expect(CacheError.is(reported[0]?.error)).toBe(true);
    expect(reported[0]?.error.code).toBe('UNAVAILABLE');
    expect(reported[0]?.error.message).toContain('50 ms');
  });

  it('getMany, set and getOrLoad give up after the timeout too', async () => {
    const { reported, onError } = collector();
    const cache = new CacheManager(fakeStore(never), 60, { timeout: 30, onError });
    expect(await cache.getMany(User, [1, 2])).toEqual([null, null]);
    expect(await cache.set(user(1))).toBe(false);
    const loaded = user(1);
    expect(await cache.getOrLoad(User, 1, () => loaded)).toBe(loaded);
    expect(reported.map((report) => report.operation)).toEqual(['getMany', 'set', 'getOrLoad']);
  });

  it('delete, deleteAll and erase reject UNAVAILABLE after the timeout', async () => {
    const cache = new CacheManager(fakeStore(never), 60, { timeout: 30, onError: () => {} });
    for (const operation of [
      () => cache.delete(User, 1),
      () => cache.deleteAll(User),
      () => cache.erase(),
    ]) {
      const error = await rejection(operation());
      expect(error.code).toBe('UNAVAILABLE');
    }
  });

  it('reads fail open when the store rejects: null, reported with the cause', async () => {
    const failure = new Error('connection reset');
    const { cache, reported } = onFailingStore(failure);
    expect(await cache.get(User, 1)).toBeNull();
    expect(await cache.getMany(User, [1, 2])).toEqual([null, null]);
    const loaded = user(3);
    expect(await cache.getOrLoad(User, 3, () => loaded)).toBe(loaded);
    expect(reported.map((report) => report.operation)).toEqual(['get', 'getMany', 'getOrLoad']);
    for (const { error } of reported) {
      expect(CacheError.is(error)).toBe(true);
      expect(error.code).toBe('UNAVAILABLE');
      expect(error.cause).toBe(failure);
      expect(error.message).toContain('connection reset');
    }
  });

  it('passes a CacheError from the store to onError as it is', async () => {
    const failure = new CacheError('UNAVAILABLE', 'not ready');
    const { cache, reported } = onFailingStore(failure);
    await cache.get(User, 1);
    expect(reported[0]?.error).toBe(failure);
  });

  it('delete, deleteAll and erase reject UNAVAILABLE with the store error as cause', async () => {
    const failure = new Error('READONLY');
    const { cache } = onFailingStore(failure);
    for (const operation of [
      () => cache.delete(User, 1),
      () => cache.delete(user(1)),
      () => cache.deleteAll(User),
      () => cache.erase(),
    ]) {
      const error = await rejection(operation());
      expect(error.code).toBe('UNAVAILABLE');
      expect(error.cause).toBe(failure);
      expect(error.message).toContain('READONLY');
    }
  });

  it('a throwing onError does not turn a miss or a failed write into a rejection', async () => {
    const { cache } = onFailingStore(new Error('down'), {
      onError: () => {
        throw new Error('handler bug');
      },
    });
    await expect(cache.get(User, 1)).resolves.toBeNull();
    await expect(cache.getMany(User, [1])).resolves.toEqual([null]);
    await expect(cache.set(user(1))).resolves.toBe(false);
    expect(cache.stats().errors).toBe(3);
  });

  it('without onError, warns through a process warning at most once a minute', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const warnings: Error[] = [];
    const listener = (warning: Error): void => {
      if (warning.name === 'CacheWarning') warnings.push(warning);
    };
    process.on('warning', listener);
    const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
    try {
      const cache = new CacheManager(
        fakeStore(() => Promise.reject(new Error('down'))),
        60,
      );
      await cache.get(User, 1);
      await cache.get(User, 2);
      await cache.get(User, 3);
      await settle();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.message).toContain('1 cache error(s)');
      expect((warnings[0] as Error & { code?: string }).code).toBe('X_CACHE_ERRORS');
      vi.setSystemTime(new Date('2030-01-01T00:00:59.999Z'));
      await cache.get(User, 4);
      await settle();
      expect(warnings).toHaveLength(1);
      vi.setSystemTime(new Date('2030-01-01T00:01:00Z'));
      await cache.get(User, 5);
      await settle();
      expect(warnings).toHaveLength(2);
      expect(warnings[1]?.message).toContain('4 cache error(s)');
      expect(warnings[1]?.message).toContain('onError');
    } finally {
      process.off('warning', listener);
    }
  });
});

describe('stats', () => {
  it('counts hits, misses, loads and errors', async () => {
    const cache = new CacheManager(new MemoryStore(), 60);
    expect(cache.stats()).toEqual({ hits: 0, misses: 0, localHits: 0, loads: 0, errors: 0 });
    await cache.get(User, 1);
    await cache.set(user(1));
    await cache.get(User, 1);
    await cache.getMany(User, [1, 2, 3]);
    await cache.getOrLoad(User, 4, () => user(4));
    await cache.getOrLoad(User, 4, () => user(4));
    expect(cache.stats()).toEqual({ hits: 3, misses: 4, localHits: 0, loads: 1, errors: 0 });
  });

  it('counts a failed read as a miss and an error for each id', async () => {
    const { cache } = onFailingStore(new Error('down'));
    await cache.get(User, 1);
    await cache.getMany(User, [1, 2, 3]);
    await cache.set(user(1));
    expect(cache.stats()).toEqual({ hits: 0, misses: 4, localHits: 0, loads: 0, errors: 3 });
  });

  it('gives a snapshot, not a live view', async () => {
    const cache = new CacheManager(new MemoryStore(), 60);
    const before = cache.stats();
    await cache.get(User, 1);
    expect(before.misses).toBe(0);
    expect(cache.stats().misses).toBe(1);
  });
});

describe('close', () => {
  it('is idempotent and leaves a store-backed manager usable (the store is not closed)', async () => {
    const cache = new CacheManager(new MemoryStore(), 60);
    cache.close();
    cache.close();
    await cache.set(user(1));
    expect((await cache.get(User, 1))?.id).toBe(1);
  });

  it('detaches from a Redis client once, however often it is called', () => {
    const { client } = fakeRedisClient();
    const cache = new CacheManager(client, 60, { onError: () => {} });
    expect(client.listenerCount('error')).toBe(1);
    cache.close();
    expect(client.listenerCount('error')).toBe(0);
    cache.close();
    expect(client.listenerCount('error')).toBe(0);
  });

  it('detaches the local tier from invalidations and connection events', () => {
    const tracker = new EventEmitter();
    const { client } = fakeRedisClient(tracker);
    const cache = new CacheManager(client, 60, { localTier: true, onError: () => {} });
    expect(tracker.listenerCount('invalidate')).toBe(1);
    expect(client.listenerCount('error')).toBeGreaterThanOrEqual(1);
    cache.close();
    cache.close();
    expect(tracker.listenerCount('invalidate')).toBe(0);
    for (const event of ['error', 'reconnecting', 'end']) {
      expect(client.listenerCount(event), event).toBe(0);
    }
  });
});

describe('on a Redis client (never connected)', () => {
  it('reports connection errors to onError as "connection"', () => {
    const { client } = fakeRedisClient();
    const { reported, onError } = collector();
    const cache = new CacheManager(client, 60, { onError });
    const failure = new Error('ECONNREFUSED');
    client.emit('error', failure);
    expect(reported).toHaveLength(1);
    expect(reported[0]?.operation).toBe('connection');
    expect(reported[0]?.error.cause).toBe(failure);
    expect(cache.stats().errors).toBe(1);
    cache.close();
  });

  it('fails reads open at once while the client is not ready, without sending commands', async () => {
    const { client, sent } = fakeRedisClient();
    const { reported, onError } = collector();
    const cache = new CacheManager(client, 60, { onError });
    expect(await cache.get(User, 1)).toBeNull();
    expect(await cache.set(user(1))).toBe(false);
    expect((await rejection(cache.delete(User, 1))).code).toBe('UNAVAILABLE');
    expect(sent).toEqual([]);
    expect(reported.map((report) => report.error.code)).toEqual(['UNAVAILABLE', 'UNAVAILABLE']);
    cache.close();
  });
});
