import { randomUUID } from 'node:crypto';
import { serviceUrls, testRedisPrefix } from '@x/test-services';
import { useTestDatabase } from '@x/test-services/vitest';
import { createClient } from 'redis';
import {
  type BuildOptions,
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type ModelStatic,
  Sequelize,
} from 'sequelize';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deferred, gatedLoader, recordUnhandledRejections, settle, within } from '../test/races.js';
import {
  CacheError,
  CacheManager,
  type CacheManagerOptions,
  type CacheOperation,
  MemoryStore,
} from './index.js';

/** How long a getOrLoad that must not wait for an outdated load may take. */
const SETTLE_MS = 2_000;
/** Rounds of the set/deleteAll race: each interleaving the event loop allows gets its chance. */
const ROUNDS = 50;
/** Keys for the large erase; enough that SCAN + UNLINK outlast one timeout many times over. */
const ERASE_KEYS = 200_000;
const ERASE_TIMEOUT_MS = 250;

const PREFIX = testRedisPrefix('cache-races').slice(0, -1);
const ERASE_PREFIX = testRedisPrefix('cache-races-erase').slice(0, -1);

class Account extends Model<InferAttributes<Account>, InferCreationAttributes<Account>> {
  declare id: CreationOptional<number>;
  declare name: string | null;
  declare email: string | null;
}

class Member extends Model<InferAttributes<Member>, InferCreationAttributes<Member>> {
  declare id: string;
  declare name: string;
}

/** Its default scope leaves `secret` out, so a plain findByPk loads it partially. */
class Secretive extends Model<InferAttributes<Secretive>, InferCreationAttributes<Secretive>> {
  declare id: CreationOptional<number>;
  declare name: string;
  declare secret: string | null;
}

/** A getter method (not an attribute) and an attribute getter: toJSON depends on the build options. */
class Labelled extends Model<InferAttributes<Labelled>, InferCreationAttributes<Labelled>> {
  declare id: CreationOptional<number>;
  declare name: string;
}

/** A constructor whose effect depends on the values: building from `{}` then assigning skips it. */
class Shouting extends Model {
  declare id: number;
  declare name: string | null;
  declare shout?: string;

  constructor(values?: Record<string, unknown>, options?: BuildOptions) {
    super(values, options);
    const data = this.dataValues as Record<string, unknown>;
    if (data.name != null) {
      data.upper = String(data.name).toUpperCase();
      this.shout = `${String(data.name).toUpperCase()}!`;
    }
  }
}

const database = useTestDatabase('postgres', 'cache-races');
let sequelize: Sequelize;
const redis = createClient({ url: serviceUrls().redis });
redis.on('error', () => {});

beforeAll(async () => {
  await redis.connect();
  sequelize = new Sequelize(database.url, { logging: false });
  Account.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      name: DataTypes.STRING,
      email: DataTypes.STRING,
    },
    { sequelize, tableName: 'race_accounts', modelName: 'Account', timestamps: false },
  );
  Member.init(
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      name: { type: DataTypes.STRING, allowNull: false },
    },
    { sequelize, tableName: 'race_members', modelName: 'Member', timestamps: false },
  );
  Secretive.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      name: { type: DataTypes.STRING, allowNull: false },
      secret: DataTypes.STRING,
    },
    {
      sequelize,
      tableName: 'race_secretive',
      modelName: 'Secretive',
      timestamps: false,
      defaultScope: { attributes: { exclude: ['secret'] } },
    },
  );
  Labelled.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      name: {
        type: DataTypes.STRING,
        allowNull: false,
        get(this: Labelled): string {
          return String(this.getDataValue('name')).trim();
        },
      },
    },
    {
      sequelize,
      tableName: 'race_labelled',
      modelName: 'Labelled',
      timestamps: false,
      getterMethods: {
        label(this: Labelled): string {
          return `#${this.getDataValue('id')} ${this.getDataValue('name')}`;
        },
      },
    },
  );
  Shouting.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      name: DataTypes.STRING,
    },
    { sequelize, tableName: 'race_shouting', modelName: 'Shouting', timestamps: false },
  );
  await sequelize.sync({ force: true });
});

afterAll(async () => {
  // Nothing of this file stays in the shared Redis, whatever failed.
  if (redis.isReady) {
    for (const prefix of [PREFIX, ERASE_PREFIX]) {
      const cleaner = new CacheManager(redis, 60, { prefix, timeout: 5_000 });
      await cleaner.erase();
      cleaner.close();
    }
  }
  redis.destroy();
  await sequelize?.close();
});

interface Reported {
  readonly error: CacheError;
  readonly operation: CacheOperation;
}

function reporter(): {
  reported: Reported[];
  onError: (error: CacheError, operation: CacheOperation) => void;
} {
  const reported: Reported[] = [];
  return { reported, onError: (error, operation) => reported.push({ error, operation }) };
}

async function newAccount(name: string | null): Promise<number> {
  return (await Account.create({ name, email: null })).id;
}

async function loadAccount(id: number): Promise<Account> {
  return Account.findByPk(id, { rejectOnEmpty: true });
}

async function rejection(promise: Promise<unknown>): Promise<CacheError> {
  try {
    await promise;
  } catch (error) {
    if (CacheError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a CacheError rejection, but the promise resolved');
}

function thrown(make: () => unknown): CacheError {
  try {
    make();
  } catch (error) {
    if (CacheError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a CacheError to be thrown');
}

/** A store for managers, and a look at its raw keys that goes around every manager. */
interface Backend {
  /** A manager on the store; closed after the test (it listens to the shared client's errors). */
  manager(options?: Omit<CacheManagerOptions, 'prefix'>): CacheManager;
  /** Whether the entry key `<prefix>:e:<table>:<id>` exists in the store. */
  holds(table: string, id: string | number): Promise<boolean>;
}

/** Managers a test made; each is closed after it. */
const managers: CacheManager[] = [];

afterEach(() => {
  for (const manager of managers.splice(0)) manager.close();
});

function track(manager: CacheManager): CacheManager {
  managers.push(manager);
  return manager;
}

function redisBackend(): Backend {
  return {
    manager: (options = {}) => track(new CacheManager(redis, 60, { ...options, prefix: PREFIX })),
    holds: async (table, id) =>
      Number(await redis.sendCommand(['EXISTS', `${PREFIX}:e:${table}:${id}`])) === 1,
  };
}

function memoryBackend(): Backend {
  const store = new MemoryStore({ maxEntries: 100_000 });
  return {
    manager: (options = {}) => track(new CacheManager(store, 60, { ...options, prefix: 'races' })),
    holds: async (table, id) => (await store.get([`races:e:${table}:${id}`]))[0] !== null,
  };
}

describe.each([
  ['a Redis client', redisBackend],
  ['a MemoryStore', memoryBackend],
])('on %s', (_, makeBackend) => {
  const backend = makeBackend();

  describe('a getOrLoad whose load an invalidation overtakes', () => {
    it('delete(instance) during the load: a getOrLoad started after it loads again (v2), and the old load does not write v1', async () => {
      const id = await newAccount('v1');
      const { reported, onError } = reporter();
      const cache = backend.manager({ onError });
      const slow = gatedLoader(() => loadAccount(id));
      const first = cache.getOrLoad(Account, id, slow.load);
      await slow.loaded;

      const changed = await loadAccount(id);
      changed.name = 'v2';
      await changed.save();
      await cache.delete(changed);

      let loads = 0;
      try {
        const second = await within(
          cache.getOrLoad(Account, id, () => {
            loads++;
            return loadAccount(id);
          }),
          SETTLE_MS,
          'a getOrLoad started after the delete',
        );
        expect(second?.name).toBe('v2');
        expect(loads).toBe(1);
      } finally {
        slow.release();
      }
      // Its caller asked before the delete: v1 was the answer then.
      expect((await first)?.name).toBe('v1');
      expect((await cache.get(Account, id))?.name).toBe('v2');
      expect((await backend.manager({ onError }).get(Account, id))?.name).toBe('v2');
      expect(reported).toEqual([]);
    });

    it('deleteAll(Model) during the load: a getOrLoad started after it loads again (v2), and get never gives v1', async () => {
      const id = await newAccount('v1');
      const { reported, onError } = reporter();
      const cache = backend.manager({ onError });
      const slow = gatedLoader(() => loadAccount(id));
      const first = cache.getOrLoad(Account, id, slow.load);
      await slow.loaded;

      await Account.update({ name: 'v2' }, { where: { id } });
      await cache.deleteAll(Account);

      let loads = 0;
      try {
        const second = await within(
          cache.getOrLoad(Account, id, () => {
            loads++;
            return loadAccount(id);
          }),
          SETTLE_MS,
          'a getOrLoad started after the deleteAll',
        );
        expect(second?.name).toBe('v2');
        expect(loads).toBe(1);
      } finally {
        slow.release();
      }
      expect((await first)?.name).toBe('v1');
      expect((await cache.get(Account, id))?.name).toBe('v2');
      expect((await backend.manager({ onError }).get(Account, id))?.name).toBe('v2');
      expect(reported).toEqual([]);
    });

    it('set(v2) during the load: once the load finishes, get gives v2, not the v1 it loaded', async () => {
      const id = await newAccount('v1');
      const { reported, onError } = reporter();
      const cache = backend.manager({ onError });
      const slow = gatedLoader(() => loadAccount(id));
      const first = cache.getOrLoad(Account, id, slow.load);
      await slow.loaded;

      const changed = await loadAccount(id);
      changed.name = 'v2';
      await changed.save();
      expect(await cache.set(changed)).toBe(true);
      slow.release();
      expect((await first)?.name).toBe('v1');

      expect((await cache.get(Account, id))?.name).toBe('v2');
      expect((await backend.manager({ onError }).get(Account, id))?.name).toBe('v2');
      let loads = 0;
      const hit = await cache.getOrLoad(Account, id, () => {
        loads++;
        return loadAccount(id);
      });
      expect(hit?.name).toBe('v2');
      expect(loads).toBe(0);
      expect(reported).toEqual([]);
    });

    it('erase() during the load (the row deleted meanwhile): a new getOrLoad loads again, the old load writes nothing', async () => {
      const id = await newAccount('v1');
      const { reported, onError } = reporter();
      const cache = backend.manager({ onError });
      const slow = gatedLoader(() => loadAccount(id));
      const first = cache.getOrLoad(Account, id, slow.load);
      await slow.loaded;

      await Account.destroy({ where: { id } });
      await cache.erase();

      let loads = 0;
      try {
        const again = await within(
          cache.getOrLoad(Account, id, () => {
            loads++;
            return Account.findByPk(id);
          }),
          SETTLE_MS,
          'a getOrLoad started after the erase',
        );
        expect(again).toBeNull();
        expect(loads).toBe(1);
      } finally {
        slow.release();
      }
      expect((await first)?.name).toBe('v1');
      expect(await backend.holds('race_accounts', id)).toBe(false);
      expect(await cache.get(Account, id)).toBeNull();
      expect(reported).toEqual([]);
    });
  });

  describe('spellings of one primary key', () => {
    it('an entry loaded under "0<id>" is gone after delete(instance): every spelling (" <id>", <id>n, …) misses', async () => {
      const id = await newAccount('v1');
      const { reported, onError } = reporter();
      const cache = backend.manager({ onError });
      const padded = `0${id}`;
      const spellings = [padded, ` ${id}`, `+${id}`, BigInt(id), String(id), id];

      const loaded = await cache.getOrLoad(Account, padded, () => Account.findByPk(padded));
      expect(loaded?.name).toBe('v1');
      const changed = await loadAccount(id);
      changed.name = 'v2';
      await changed.save();
      await cache.delete(changed);
      for (const spelling of spellings) {
        expect(await cache.get(Account, spelling), `get(${String(spelling)})`).toBeNull();
      }

      // One entry whatever the spelling: written under one, read and deleted under the others.
      const spaced = ` ${id}`;
      const reloaded = await cache.getOrLoad(Account, spaced, () => Account.findByPk(spaced));
      expect(reloaded?.name).toBe('v2');
      for (const spelling of spellings) {
        expect((await cache.get(Account, spelling))?.name, `get(${String(spelling)})`).toBe('v2');
      }
      await cache.delete(Account, BigInt(id));
      expect(await cache.get(Account, spaced)).toBeNull();
      expect(await cache.get(Account, padded)).toBeNull();
      expect(reported).toEqual([]);
    });

    it('upper- and lower-case spellings of a UUID key name one entry', async () => {
      const id = randomUUID();
      const upper = id.toUpperCase();
      await Member.create({ id, name: 'v1' });
      const { reported, onError } = reporter();
      const cache = backend.manager({ onError });

      const loaded = await cache.getOrLoad(Member, upper, () => Member.findByPk(upper));
      expect(loaded?.name).toBe('v1');
      const changed = await Member.findByPk(upper, { rejectOnEmpty: true });
      // The database answers with the lower-case spelling: the one delete(instance) uses.
      expect(changed.id).toBe(id);
      changed.name = 'v2';
      await changed.save();
      await cache.delete(changed);
      expect(await cache.get(Member, upper)).toBeNull();
      expect(await cache.get(Member, id)).toBeNull();

      expect(await cache.set(changed)).toBe(true);
      expect((await cache.get(Member, upper))?.name).toBe('v2');
      expect((await cache.get(Member, id))?.name).toBe('v2');
      expect(reported).toEqual([]);
    });
  });

  describe('a set racing a deleteAll while the model has no generation (after erase)', () => {
    it.each([
      ['this manager', false],
      // Same store, same connection: the set's first read reaches the store before the
      // deleteAll's write, as when one process's commands are sent in the order issued.
      ['another manager', true],
    ])(
      'set(old) issued just before deleteAll by %s is a miss afterwards (50 rounds)',
      async (_, byOther) => {
        const id = await newAccount('old');
        const old = await loadAccount(id);
        const { reported, onError } = reporter();
        const cache = backend.manager({ onError });
        const other = backend.manager({ onError });
        const reader = backend.manager({ onError });

        for (let round = 0; round < ROUNDS; round++) {
          await cache.erase();
          const setting = cache.set(old);
          const clearing = (byOther ? other : cache).deleteAll(Account);
          const [stored] = await Promise.all([setting, clearing]);
          expect(stored, `round ${round}`).toBe(true);
          expect(await cache.get(Account, id), `round ${round}`).toBeNull();
          expect(await reader.get(Account, id), `round ${round}`).toBeNull();
        }
        expect(reported).toEqual([]);
      },
    );
  });

  describe('a loader that returns a partially loaded instance', () => {
    async function expectServedNotCached<M extends Model>(
      model: ModelStatic<M>,
      table: string,
      id: number,
      loader: () => Promise<M | null>,
      missing: string,
    ): Promise<void> {
      const { reported, onError } = reporter();
      const cache = backend.manager({ onError });
      const reference = await loader();
      if (reference === null) throw new Error(`no ${model.name} ${id}`);
      expect(missing in reference.dataValues).toBe(false);

      let calls = 0;
      const release = deferred();
      const load = async (): Promise<M | null> => {
        calls++;
        await release.promise;
        return loader();
      };
      const callers = Array.from({ length: 10 }, () => cache.getOrLoad(model, id, load));
      release.resolve();
      const results = await Promise.all(callers);

      expect(calls).toBe(1);
      expect(new Set(results).size).toBe(10);
      expect(new Set(results.map((result) => result?.dataValues)).size).toBe(10);
      for (const result of results) {
        expect(result).toBeInstanceOf(model);
        expect(result?.toJSON()).toEqual(reference.toJSON());
        expect(result?.isNewRecord).toBe(false);
        expect(result?.changed()).toBe(false);
      }
      expect(reported).toHaveLength(1);
      expect(reported[0]?.operation).toBe('getOrLoad');
      expect(reported[0]?.error.code).toBe('INVALID_ENTITY');
      expect(reported[0]?.error.message).toContain(missing);
      expect(await backend.holds(table, id)).toBe(false);
      expect(await cache.get(model, id)).toBeNull();
      expect(cache.stats().loads).toBe(1);
    }

    it('loaded with an attribute list: each of 10 callers gets its own instance, INVALID_ENTITY is reported, nothing is cached', async () => {
      const id = await newAccount('partial');
      await Account.update({ email: 'a@example.com' }, { where: { id } });
      await expectServedNotCached(
        Account,
        'race_accounts',
        id,
        () => Account.findByPk(id, { attributes: ['id', 'name'] }),
        'email',
      );
    });

    it('loaded through a defaultScope that excludes an attribute: served to 10 callers, reported, not cached', async () => {
      const { id } = await Secretive.create({ name: 'scoped', secret: 's3cret' });
      await expectServedNotCached(
        Secretive,
        'race_secretive',
        id,
        () => Secretive.findByPk(id),
        'secret',
      );
    });
  });

  it('get, getMany and getOrLoad give the toJSON() of findByPk for a model with getterMethods and an attribute getter', async () => {
    const { id } = await Labelled.create({ name: '  padded  ' });
    const found = await Labelled.findByPk(id, { rejectOnEmpty: true });
    const expected = found.toJSON();
    // What makes the difference: findAll's attribute list keeps getter methods out of toJSON.
    expect(
      Labelled.build(found.dataValues, { isNewRecord: false, raw: true }).toJSON(),
    ).not.toEqual(expected);
    const { reported, onError } = reporter();
    const cache = backend.manager({ onError });
    expect(await cache.set(found)).toBe(true);

    // The first build of a model is a full one, later ones may take the fast path: both count.
    for (let round = 0; round < 3; round++) {
      const hit = await cache.get(Labelled, id);
      expect(hit?.toJSON()).toEqual(expected);
      expect(hit?.get('label')).toBe(found.get('label'));
      expect(hit?.name).toBe('padded');
    }
    const [many] = await cache.getMany(Labelled, [id]);
    expect(many?.toJSON()).toEqual(expected);
    const loaded = await cache.getOrLoad(Labelled, id, () => {
      throw new Error('a hit must not load');
    });
    expect(loaded?.toJSON()).toEqual(expected);
    expect(reported).toEqual([]);
  });
});

describe('a local tier after close()', () => {
  const tracking = createClient({
    url: serviceUrls().redis,
    RESP: 3,
    clientSideCache: { maxEntries: 1000 },
  });
  tracking.on('error', () => {});

  beforeAll(async () => {
    await tracking.connect();
  });

  afterAll(() => {
    tracking.destroy();
  });

  it("another manager's acknowledged delete and deleteAll are never followed by the old value; no local hits after close", async () => {
    const id = await newAccount('v1');
    const v1 = await loadAccount(id);
    const { reported, onError } = reporter();
    const local = track(
      new CacheManager(tracking, 60, { prefix: PREFIX, localTier: true, onError }),
    );
    const other = track(new CacheManager(redis, 60, { prefix: PREFIX, onError }));

    expect(await other.set(v1)).toBe(true);
    expect((await local.get(Account, id))?.name).toBe('v1');
    expect((await local.get(Account, id))?.name).toBe('v1');
    expect(local.stats().localHits).toBe(1);

    local.close();
    const localHits = local.stats().localHits;
    expect((await local.get(Account, id))?.name).toBe('v1');
    expect((await local.get(Account, id))?.name).toBe('v1');
    await other.delete(v1);
    expect(await local.get(Account, id)).toBeNull();

    expect(await other.set(v1)).toBe(true);
    expect((await local.get(Account, id))?.name).toBe('v1');
    expect((await local.get(Account, id))?.name).toBe('v1');
    await other.deleteAll(Account);
    expect(await local.get(Account, id)).toBeNull();
    expect((await local.getMany(Account, [id]))[0]).toBeNull();

    // Every read after close() went to Redis.
    expect(local.stats().localHits).toBe(localHits);
    expect(reported).toEqual([]);
  });
});

describe('an async onError that rejects', () => {
  class FailingStore extends MemoryStore {
    override async get(): Promise<(Uint8Array | null)[]> {
      throw new Error('the store is down');
    }

    override async set(): Promise<void> {
      throw new Error('the store is down');
    }
  }

  it('causes no unhandled rejection when reads and a write fail', async () => {
    const id = await newAccount('v1');
    const row = await loadAccount(id);
    let calls = 0;
    const cache = new CacheManager(new FailingStore(), 60, {
      onError: async () => {
        calls++;
        throw new Error('the log sink is down');
      },
    });
    const log = recordUnhandledRejections();
    try {
      expect(await cache.get(Account, id)).toBeNull();
      expect(await cache.getMany(Account, [id, id + 1])).toEqual([null, null]);
      expect(await cache.getOrLoad(Account, id, () => row)).toBe(row);
      expect(await cache.set(row)).toBe(false);
      await settle();
    } finally {
      log.stop();
    }
    expect(log.reasons).toEqual([]);
    expect(calls).toBe(4);
    expect(cache.stats().errors).toBe(4);
  });
});

describe('erase() over a large keyspace', () => {
  it(`removes ${ERASE_KEYS} entries with timeout: ${ERASE_TIMEOUT_MS} and resolves with the full count`, async () => {
    const value = Buffer.alloc(24, 7);
    const writes: Promise<unknown>[] = [];
    const perCommand = 1_000;
    for (let start = 0; start < ERASE_KEYS; start += perCommand) {
      const args: (string | Buffer)[] = ['MSET'];
      for (let index = start; index < start + perCommand; index++) {
        args.push(`${ERASE_PREFIX}:e:race_accounts:${index}`, value);
      }
      writes.push(redis.sendCommand(args));
    }
    await Promise.all(writes);
    expect(await redis.sendCommand(['EXISTS', `${ERASE_PREFIX}:e:race_accounts:0`])).toBe(1);

    const { reported, onError } = reporter();
    const cache = track(
      new CacheManager(redis, 60, { prefix: ERASE_PREFIX, timeout: ERASE_TIMEOUT_MS, onError }),
    );
    const startedAt = performance.now();
    const count = await cache.erase();
    const elapsed = performance.now() - startedAt;
    expect(count).toBe(ERASE_KEYS);
    // The erase as a whole outlasted the timeout: one deadline over all of it would have cut it off.
    expect(elapsed).toBeGreaterThan(ERASE_TIMEOUT_MS);

    let left = 0;
    let cursor = '0';
    do {
      const [next, keys] = (await redis.sendCommand([
        'SCAN',
        cursor,
        'MATCH',
        `${ERASE_PREFIX}:*`,
        'COUNT',
        '10000',
      ])) as [string, string[]];
      cursor = String(next);
      left += keys.length;
    } while (cursor !== '0');
    expect(left).toBe(0);
    expect(reported).toEqual([]);
  }, 20_000);
});

describe('set() of an instance with unsaved changes', () => {
  it('rejects with INVALID_ENTITY naming the changed attribute; after save() it is accepted', async () => {
    const id = await newAccount('v1');
    const store = new MemoryStore();
    const cache = new CacheManager(store, 60);
    const account = await loadAccount(id);
    account.set('name', 'x');

    const error = await rejection(cache.set(account));
    expect(error.code).toBe('INVALID_ENTITY');
    expect(error.message).toContain('(name)');
    expect(error.message).not.toContain('email');
    expect(store.size).toBe(0);
    expect(await cache.get(Account, id)).toBeNull();

    await account.save();
    expect(await cache.set(account)).toBe(true);
    expect((await cache.get(Account, id))?.name).toBe('x');
  });
});

describe('a model with a constructor of its own', () => {
  it('is built through its constructor: after a row with name null, a row "hello" has upper "HELLO" as Model.build gives', async () => {
    const quietId = (await Shouting.create({ name: null })).id;
    const loudId = (await Shouting.create({ name: 'hello' })).id;
    const quiet = await Shouting.findByPk(quietId, { rejectOnEmpty: true });
    const loud = await Shouting.findByPk(loudId, { rejectOnEmpty: true });
    const built = Shouting.build({ id: loudId, name: 'hello' }, { isNewRecord: false, raw: true });
    expect((built.dataValues as Record<string, unknown>).upper).toBe('HELLO');

    const cache = new CacheManager(new MemoryStore(), 60);
    expect(await cache.set(quiet)).toBe(true);
    expect(await cache.set(loud)).toBe(true);
    // The first instance this model gets from the cache has no name: the constructor does nothing.
    const first = await cache.get(Shouting, quietId);
    expect(first?.dataValues).toEqual(quiet.dataValues);

    for (let round = 0; round < 3; round++) {
      const second = await cache.get(Shouting, loudId);
      expect((second?.dataValues as Record<string, unknown> | undefined)?.upper).toBe('HELLO');
      expect(second?.shout).toBe('HELLO!');
      expect(second?.dataValues).toEqual(built.dataValues);
      expect(second?.toJSON()).toEqual(loud.toJSON());
    }
  });
});

describe('the timeout option', () => {
  it.each([3e9, 2 ** 31])(
    'timeout: %d (beyond what a Node timer takes) is refused with INVALID_ARGUMENT',
    (timeout) => {
      const error = thrown(() => new CacheManager(new MemoryStore(), 60, { timeout }));
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toContain('timeout');
    },
  );

  it('timeout: 2 ** 31 - 1 (the longest timer) is accepted', () => {
    expect(new CacheManager(new MemoryStore(), 60, { timeout: 2 ** 31 - 1 }).stats().errors).toBe(
      0,
    );
  });
});
