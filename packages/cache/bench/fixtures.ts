// Shared fixtures of the bench files (no `.bench.ts`: not a suite). Every suite caches a typical
// 12-column row loaded from PostgreSQL, so the values are what pg hands back (DECIMAL and
// DATEONLY as strings, JSONB parsed, timestamps as Date), not what a test would invent.
// Each suite opens its own table (a unique name, dropped in teardown) and its own Redis key
// prefix (every key removed in teardown), so a run leaves nothing behind and runs never meet.
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { createKeyv } from '@keyv/redis';
import { serviceUrls } from '@x/test-services';
import { type Cache, createCache } from 'cache-manager';
import { Packr } from 'msgpackr';
import { createClient, type RedisClientType, type RedisDefaultModules } from 'redis';
import {
  type CreationAttributes,
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type ModelStatic,
  Sequelize,
} from 'sequelize';
import { CacheManager, type CacheManagerOptions } from '../src/index.js';

/** A smoke run (`X_BENCH_QUICK=1` or `x-bench --quick`): fewer repetitions, so CI stays fast. */
export const quick: boolean =
  ['1', 'true'].includes(process.env.X_BENCH_QUICK ?? '') || process.argv.includes('--quick');

/** Seconds an entry lives: far longer than a run, so no entry expires while it is measured. */
export const EXPIRE_SECONDS = 600;

/** version(1) + fingerprint(8) + generation(8): the header before an entry's MessagePack body. */
export const ENTRY_HEADER_BYTES = 17;

/** The MessagePack options the package encodes and decodes entries with (entry-format.ts). */
export const packr: Packr = new Packr({
  useRecords: false,
  copyBuffers: true,
  mapsAsObjects: true,
});

/** A typical row of an application table: 12 columns, as `findByPk` returns it. */
export class BenchRow extends Model<InferAttributes<BenchRow>, InferCreationAttributes<BenchRow>> {
  declare id: CreationOptional<number>;
  declare name: string;
  declare email: string;
  declare age: number;
  declare balance: string;
  declare score: number;
  declare active: boolean;
  declare born: string;
  declare tags: string[];
  declare city: string;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

/** The values of row `index` (0-based) as the application writes them. */
function rowValues(index: number): CreationAttributes<BenchRow> {
  return {
    name: `Ada Lovelace ${index}`,
    email: `ada.lovelace.${index}@analytical-engine.example.org`,
    age: 36 + (index % 40),
    balance: `${1234 + index}.56`,
    score: 98.25 + index / 8,
    active: index % 3 !== 0,
    born: '1815-12-10',
    tags: ['vip', 'newsletter', `cohort-${index % 7}`],
    city: 'London',
  };
}

/**
 * A model class of its own per suite (a subclass initialised on the suite's connection), so a
 * suite's setup never re-initialises a class another suite still uses.
 */
function defineRowModel(sequelize: Sequelize, tableName: string): ModelStatic<BenchRow> {
  class Row extends BenchRow {}
  Row.init(
    {
      id: { type: DataTypes.INTEGER, autoIncrement: true, primaryKey: true },
      name: { type: DataTypes.STRING, allowNull: false },
      email: { type: DataTypes.STRING, allowNull: false },
      age: { type: DataTypes.INTEGER, allowNull: false },
      balance: { type: DataTypes.DECIMAL(12, 2), allowNull: false },
      score: { type: DataTypes.FLOAT, allowNull: false },
      active: { type: DataTypes.BOOLEAN, allowNull: false },
      born: { type: DataTypes.DATEONLY, allowNull: false },
      tags: { type: DataTypes.JSONB, allowNull: false },
      city: { type: DataTypes.STRING, allowNull: false },
      createdAt: DataTypes.DATE,
      updatedAt: DataTypes.DATE,
    },
    { sequelize, tableName, modelName: 'BenchRow' },
  );
  return Row;
}

/** A lowercase name no other run picks: `<label>_<pid>_<8 hex digits>`. */
function uniqueName(label: string): string {
  return `${label}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** The node-redis client every suite measures on (RESP2, default options, no modules). */
export type RedisClient = RedisClientType<
  RedisDefaultModules,
  Record<string, never>,
  Record<string, never>,
  2,
  Record<string, never>
>;

function createDefaultClient(): RedisClient {
  return createClient({ url: serviceUrls().redis });
}

/** Connects a default node-redis client, with the error listener node-redis requires. */
export async function connectRedis(): Promise<RedisClient> {
  const client = createDefaultClient();
  client.on('error', (error: unknown) => {
    process.stderr.write(`bench redis client: ${String(error)}\n`);
  });
  await client.connect();
  return client;
}

/** Removes every key matching `pattern` (SCAN + UNLINK); resolves with the count. */
export async function deleteMatching(redis: RedisClient, pattern: string): Promise<number> {
  let cursor = '0';
  let count = 0;
  do {
    const [next, keys] = (await redis.sendCommand([
      'SCAN',
      cursor,
      'MATCH',
      pattern,
      'COUNT',
      '1000',
    ])) as [string, string[]];
    cursor = String(next);
    if (keys.length > 0) {
      await redis.sendCommand(['UNLINK', ...keys]);
      count += keys.length;
    }
  } while (cursor !== '0');
  return count;
}

interface Tracked {
  readonly name: string;
  readonly cache: CacheManager;
  readonly hitsOnly: boolean;
}

/**
 * One suite's world: a table of `rowCount` rows in PostgreSQL, the rows as loaded back, a Redis
 * client, a key prefix, and the CacheManagers built on them. `close()` checks that no manager
 * absorbed an error (a fail-open read would time a miss as if it were a hit) and cleans up.
 */
export class BenchFixture {
  readonly sequelize: Sequelize;
  readonly Row: ModelStatic<BenchRow>;
  readonly rows: readonly BenchRow[];
  readonly redis: RedisClient;
  /** Every key this suite writes starts with `${prefix}:`. */
  readonly prefix: string;
  readonly #tracked: Tracked[] = [];
  readonly #closers: (() => Promise<unknown>)[] = [];

  private constructor(
    sequelize: Sequelize,
    Row: ModelStatic<BenchRow>,
    rows: readonly BenchRow[],
    redis: RedisClient,
    prefix: string,
  ) {
    this.sequelize = sequelize;
    this.Row = Row;
    this.rows = rows;
    this.redis = redis;
    this.prefix = prefix;
  }

  /** Creates the table, inserts `rowCount` rows, loads them back and connects Redis. */
  static async open(label: string, rowCount = 1): Promise<BenchFixture> {
    const sequelize = new Sequelize(serviceUrls().postgres, { logging: false });
    try {
      const Row = defineRowModel(sequelize, uniqueName(`bench_${label}`));
      await Row.sync();
      await Row.bulkCreate(Array.from({ length: rowCount }, (_, index) => rowValues(index)));
      const rows = await Row.findAll({ order: [['id', 'ASC']] });
      if (rows.length !== rowCount) throw new Error(`loaded ${rows.length} of ${rowCount} rows`);
      const redis = await connectRedis();
      return new BenchFixture(sequelize, Row, rows, redis, `xbench:${uniqueName(label)}`);
    } catch (error) {
      await sequelize.close();
      throw error;
    }
  }

  /** The first row, the one most suites cache. */
  get row(): BenchRow {
    return this.rows[0] as BenchRow;
  }

  /** The table name as it appears in keys. */
  get keyTable(): string {
    return encodeURIComponent(String(this.Row.getTableName()));
  }

  /** The key of an entry under a manager prefix (the documented layout `<prefix>:e:<table>:<id>`). */
  entryKey(prefix: string, id: number): string {
    return `${prefix}:e:${this.keyTable}:${id}`;
  }

  /** The key of the model's generation under a manager prefix. */
  generationKey(prefix: string): string {
    return `${prefix}:g:${this.keyTable}`;
  }

  /**
   * A CacheManager on `client` (default: the suite's Redis client) under `${prefix}:<name>`,
   * checked at close: no absorbed error, and with `hitsOnly` no miss either.
   */
  manager(
    name: string,
    hitsOnly: boolean,
    client: ConstructorParameters<typeof CacheManager>[0] = this.redis,
    options: Omit<CacheManagerOptions, 'prefix'> = {},
  ): CacheManager {
    const cache = new CacheManager(client, EXPIRE_SECONDS, {
      ...options,
      prefix: `${this.prefix}:${name}`,
    });
    this.#tracked.push({ name, cache, hitsOnly });
    return cache;
  }

  /**
   * A CacheManager with the local tier, on a client of its own created with RESP3 and
   * client-side caching (what the local tier requires).
   */
  async localTierManager(name: string): Promise<CacheManager> {
    const client = createClient({
      url: serviceUrls().redis,
      RESP: 3,
      clientSideCache: { maxEntries: 10_000 },
    });
    client.on('error', (error: unknown) => {
      process.stderr.write(`bench redis client (RESP3): ${String(error)}\n`);
    });
    await client.connect();
    this.#closers.push(() => client.close());
    return this.manager(name, true, client, { localTier: true });
  }

  /**
   * cache-manager on @keyv/redis as its README sets it up, its keys under `${prefix}:<name>::`.
   * Its own node-redis v5 client connects on first use.
   */
  peer(name: string): Cache {
    const peer = createCache({
      stores: [createKeyv(serviceUrls().redis, { namespace: `${this.prefix}:${name}` })],
    });
    this.#closers.push(() => peer.disconnect());
    return peer;
  }

  /** Registers clean-up work of the suite, run by {@link close} before the shared clients close. */
  onClose(closer: () => Promise<unknown>): void {
    this.#closers.push(closer);
  }

  /** Checks every manager's counters, then removes the suite's keys and table and disconnects. */
  async close(): Promise<void> {
    const problems = this.#tracked.flatMap(({ name, cache, hitsOnly }) => {
      const stats = cache.stats();
      const found: string[] = [];
      if (stats.errors > 0) found.push(`${name}: ${stats.errors} absorbed error(s)`);
      if (hitsOnly && stats.misses > 0) found.push(`${name}: ${stats.misses} miss(es)`);
      return found;
    });
    try {
      for (const { cache } of this.#tracked) cache.close();
      for (const closer of this.#closers.splice(0).reverse()) await closer();
      await deleteMatching(this.redis, `${this.prefix}:*`);
    } finally {
      await this.redis.close();
      try {
        await this.Row.drop();
      } finally {
        await this.sequelize.close();
      }
    }
    if (problems.length > 0) {
      throw new Error(
        `A measured case did not do what its name says (${problems.join('; ')}), so its time means nothing.`,
      );
    }
  }
}

/** Throws unless `actual` deep-equals `expected` (checked in setups before any timing). */
export function expectEqual(label: string, actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new Error(
      `bench case "${label}" gave ${describeValue(actual)}, expected ${describeValue(expected)}`,
    );
  }
}

function describeValue(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** The row's values in the order the model declares its attributes (the order entries use). */
export function attributeValues(row: BenchRow): unknown[] {
  const model = row.constructor as ModelStatic<BenchRow>;
  const data = row.dataValues as Record<string, unknown>;
  return Object.keys(model.getAttributes()).map((name) => data[name]);
}
