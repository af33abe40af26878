import { BasicClientSideCache, createClient, createCluster, RESP_TYPES } from 'redis';
import { DataTypes, Model, Sequelize } from 'sequelize';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type CacheError,
  CacheManager,
  type CacheOperation,
  type CacheStats,
  type CacheStore,
  type Identifier,
  MemoryStore,
} from './index.js';

const sequelize = new Sequelize({ dialect: 'postgres', logging: false });

class User extends Model {
  declare id: number;
  declare name: string;
}
User.init(
  { id: { type: DataTypes.INTEGER, primaryKey: true }, name: DataTypes.STRING },
  { sequelize, tableName: 'users' },
);

class Post extends Model {
  declare id: number;
  declare title: string;
}
Post.init(
  { id: { type: DataTypes.INTEGER, primaryKey: true }, title: DataTypes.STRING },
  { sequelize, tableName: 'posts' },
);

declare const cache: CacheManager;
declare const user: User;

describe('CacheManager clients', () => {
  it('accepts node-redis clients and clusters as they are created', () => {
    expectTypeOf(new CacheManager(createClient(), 60)).toEqualTypeOf<CacheManager>();
    expectTypeOf(
      new CacheManager(createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:7000' }] }), 60),
    ).toEqualTypeOf<CacheManager>();
    expectTypeOf(
      new CacheManager(
        createClient({ RESP: 3, clientSideCache: { ttl: 0, maxEntries: 1000 } }),
        60,
        { localTier: true },
      ),
    ).toEqualTypeOf<CacheManager>();
    expectTypeOf(
      new CacheManager(
        createClient({ RESP: 3, clientSideCache: new BasicClientSideCache({ maxEntries: 10 }) }),
        60,
        { localTier: { maxEntries: 100, ttl: 30 } },
      ),
    ).toEqualTypeOf<CacheManager>();
    expectTypeOf(
      new CacheManager(
        createCluster({
          rootNodes: [{ url: 'redis://127.0.0.1:7000' }],
          RESP: 3,
          clientSideCache: { maxEntries: 1000 },
        }),
        60,
      ),
    ).toEqualTypeOf<CacheManager>();
    expectTypeOf(
      new CacheManager(createClient().withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer }), 60),
    ).toEqualTypeOf<CacheManager>();
  });

  it('accepts a MemoryStore and any CacheStore', () => {
    expectTypeOf(new CacheManager(new MemoryStore(), 60)).toEqualTypeOf<CacheManager>();
    expectTypeOf(new MemoryStore({ maxEntries: 10, maxBytes: 1024 })).toExtend<CacheStore>();
    const custom: CacheStore = {
      get: async (keys) => keys.map(() => null),
      set: async () => {},
      setIfAbsent: async (_key, value) => value,
      delete: async () => {},
      deletePrefix: async () => 0,
    };
    expectTypeOf(new CacheManager(custom, 60)).toEqualTypeOf<CacheManager>();
  });

  it('refuses what is not a client or a store', () => {
    // @ts-expect-error a connection string is not a client
    new CacheManager('redis://127.0.0.1:6379', 60);
    // @ts-expect-error an object without the store methods
    new CacheManager({ get: async () => [] }, 60);
    // @ts-expect-error expire is a number of seconds
    new CacheManager(new MemoryStore(), '60');
    // @ts-expect-error unknown option name
    new CacheManager(new MemoryStore(), 60, { ttl: 5 });
  });

  it('types the options', () => {
    new CacheManager(new MemoryStore(), 60, {
      prefix: 'app',
      jitter: 0.2,
      timeout: 100,
      onError: (error, operation) => {
        expectTypeOf(error).toEqualTypeOf<CacheError>();
        expectTypeOf(operation).toEqualTypeOf<CacheOperation>();
      },
    });
    expectTypeOf<CacheOperation>().toEqualTypeOf<
      'get' | 'getMany' | 'getOrLoad' | 'set' | 'connection'
    >();
  });
});

describe('CacheManager methods', () => {
  it('get and getMany answer instances of the model passed', () => {
    expectTypeOf(cache.get(User, 1)).toEqualTypeOf<Promise<User | null>>();
    expectTypeOf(cache.get(Post, 'a')).toEqualTypeOf<Promise<Post | null>>();
    expectTypeOf(cache.getMany(User, [1, 2n, 'x'])).toEqualTypeOf<Promise<(User | null)[]>>();
    expectTypeOf(cache.get(User, { id: 1 })).toEqualTypeOf<Promise<User | null>>();
    expectTypeOf<number>().toExtend<Identifier>();
    expectTypeOf<bigint>().toExtend<Identifier>();
  });

  it('getOrLoad takes a loader of the same model', () => {
    expectTypeOf(cache.getOrLoad(User, 1, () => User.findByPk(1))).toEqualTypeOf<
      Promise<User | null>
    >();
    expectTypeOf(cache.getOrLoad(User, 1, () => user)).toEqualTypeOf<Promise<User | null>>();
    expectTypeOf(cache.getOrLoad(User, 1, async () => undefined)).toEqualTypeOf<
      Promise<User | null>
    >();
    // @ts-expect-error the loader gives a Post for a User
    cache.getOrLoad(User, 1, () => Post.findByPk(1));
    // @ts-expect-error the loader gives a Post for a User
    cache.getOrLoad(User, 1, async () => new Post());
  });

  it('set takes an instance; delete an instance or a model and id', () => {
    expectTypeOf(cache.set(user)).toEqualTypeOf<Promise<boolean>>();
    // @ts-expect-error a string is not an instance
    cache.set('x');
    // @ts-expect-error a model class is not an instance
    cache.set(User);
    expectTypeOf(cache.delete(user)).toEqualTypeOf<Promise<void>>();
    expectTypeOf(cache.delete(User, 1)).toEqualTypeOf<Promise<void>>();
    expectTypeOf(cache.deleteAll(User)).toEqualTypeOf<Promise<void>>();
    expectTypeOf(cache.erase()).toEqualTypeOf<Promise<number>>();
    expectTypeOf(cache.stats()).toEqualTypeOf<CacheStats>();
    expectTypeOf(cache.close()).toEqualTypeOf<void>();
  });
});
