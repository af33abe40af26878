// Shared fixtures of the bench files (no `.bench.ts`: not a suite). Each suite opens its own
// table (a unique name, dropped in teardown), so a run leaves nothing behind and runs never meet.
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { serviceUrls } from '@x/test-services';
import { type ModelStatic, Op, QueryTypes, Sequelize, type WhereOptions } from 'sequelize';
import { EntityManager, type WhereFilters } from '../src/index.js';
import { defineProduct, fillSql, type Layout, type Product } from './model.js';

/** A smoke run (`X_BENCH_QUICK=1` or `x-bench --quick`): fewer repetitions, so CI stays fast. */
export const quick: boolean =
  ['1', 'true'].includes(process.env.X_BENCH_QUICK ?? '') || process.argv.includes('--quick');

/**
 * Rows of the table the read suites query. The smoke run loads fewer, so that it stays well
 * within CI's minute on a busy machine; every filter still matches more than 50 of them.
 */
export const READ_ROWS: number = quick ? 40_000 : 100_000;

/**
 * The same three filters (a range on an indexed INTEGER, a list on an indexed string, a
 * case-insensitive substring) as bare Sequelize and as EntityManager take them, and the SQL
 * condition they mean, for checks written by hand.
 */
export interface FilterSet {
  readonly label: string;
  readonly sequelize: WhereOptions<Product>;
  readonly entity: WhereFilters<Product>;
  readonly sql: string;
}

function filterSet(
  label: string,
  stockFrom: number,
  categories: number[],
  word: string,
): FilterSet {
  // No % or _ in the word: Sequelize's iLike takes a raw pattern, icontains escapes them.
  if (/[%_!]/.test(word)) throw new Error(`${word} is not a plain word`);
  const names = categories.map((n) => `category-${String(n).padStart(2, '0')}`);
  return {
    label,
    sequelize: {
      stock: { [Op.gte]: stockFrom },
      category: { [Op.in]: names },
      name: { [Op.iLike]: `%${word}%` },
    },
    entity: { stock__gte: stockFrom, category__in: names, name__icontains: word },
    sql: `"stock" >= ${stockFrom} AND "category" IN (${names.map((n) => `'${n}'`).join(', ')}) AND "name" ILIKE '%${word}%'`,
  };
}

/**
 * About 0.16 % of the rows (162 of 100 000): the database intersects two bitmap index scans and
 * reads about 1 000 pages (some milliseconds), which is most of the time of each case.
 */
export const TYPICAL: FilterSet = filterSet('3 filters', 9_000, [3, 7, 11], 'blue');

/**
 * Filters for which the database has little to do, so that what each library does around the
 * query weighs most: for a count, about 0.2 % of the rows, found through the stock index;
 * ordered by the releasedAt index with a limit, the first of the 36 % that match.
 */
export const LIGHT_COUNT: FilterSet = filterSet(
  '3 filters, index-selective',
  9_950,
  [0, 2, 4, 6, 8, 10, 12, 14, 16, 18],
  'e',
);
export const LIGHT_PAGE: FilterSet = filterSet(
  '3 filters, broad (the order index finds the page)',
  2_000,
  [0, 2, 4, 6, 8, 10, 12, 14, 16, 18],
  'e',
);

/** `100 000`. */
export function label(count: number): string {
  return count.toLocaleString('en-US').replaceAll(',', ' ');
}

/** A lowercase table name no other run picks: `xbench_entity_<label>_<pid>_<8 hex digits>`. */
function uniqueTable(name: string): string {
  return `xbench_entity_${name}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** The PostgreSQL connection every suite measures on (default pool, no logging). */
function connect(): Sequelize {
  return new Sequelize(serviceUrls().postgres, { logging: false });
}

/**
 * One suite's world: a table of `rows` rows filled with generate_series, indexed on the columns
 * the suites filter and order on, analysed, and an EntityManager on the same Sequelize.
 */
export class BenchTable {
  readonly sequelize: Sequelize;
  readonly Product: ModelStatic<Product>;
  readonly em: EntityManager;
  readonly table: string;
  readonly rows: number;
  readonly layout: Layout;

  private constructor(
    sequelize: Sequelize,
    Model: ModelStatic<Product>,
    table: string,
    rows: number,
    layout: Layout,
  ) {
    this.sequelize = sequelize;
    this.Product = Model;
    this.em = new EntityManager(sequelize);
    this.table = table;
    this.rows = rows;
    this.layout = layout;
  }

  /** Creates, fills and indexes the table. */
  static async open(
    name: string,
    rows: number = READ_ROWS,
    layout: Layout = 'shuffled',
    indexes: readonly string[] = ['stock', 'category', 'releasedAt'],
  ): Promise<BenchTable> {
    const sequelize = connect();
    const table = uniqueTable(name);
    const Model = defineProduct(sequelize, table);
    try {
      await Model.sync();
      const world = new BenchTable(sequelize, Model, table, rows, layout);
      await world.fill();
      // Built after the load (faster than maintaining them row by row), as a restore would.
      for (const column of indexes) {
        await sequelize.query(`CREATE INDEX "${table}_${column}" ON "${table}" ("${column}")`);
      }
      await world.settle();
      return world;
    } catch (error) {
      await Model.drop().catch(() => {});
      await sequelize.close();
      throw error;
    }
  }

  /** Empties the table and loads its rows again (ids 1..rows), then vacuums and analyses it. */
  async refill(): Promise<void> {
    await this.sequelize.query(`TRUNCATE "${this.table}" RESTART IDENTITY`);
    await this.fill();
    await this.settle();
  }

  async count(): Promise<number> {
    const [row] = await this.sequelize.query<{ count: string }>(
      `SELECT COUNT(*) AS count FROM "${this.table}"`,
      { type: QueryTypes.SELECT },
    );
    return Number(row?.count);
  }

  async close(): Promise<void> {
    await this.em[Symbol.asyncDispose]();
    try {
      await this.Product.drop();
    } finally {
      await this.sequelize.close();
    }
  }

  /**
   * Vacuums (hint bits and the visibility map set: a table at rest) and analyses the table from
   * every row. ANALYZE's default sample (30 000 rows) differs from one table to the next, and
   * with it the plan of the filtered reads (a BitmapAnd of two indexes, or one index and a
   * filter: 3 or 8 ms), which would make two runs of the same suite disagree; a sample of
   * 300 × 1 000 rows takes them all.
   */
  private async settle(): Promise<void> {
    if (this.rows > 300_000) throw new Error('settle() samples at most 300 000 rows');
    await this.sequelize.query(`VACUUM "${this.table}"`);
    await this.sequelize.query(
      `SET LOCAL default_statistics_target = 1000; ANALYZE "${this.table}"`,
    );
  }

  private async fill(): Promise<void> {
    await this.sequelize.query(fillSql(this.table, this.rows, this.layout));
    const loaded = await this.count();
    if (loaded !== this.rows) throw new Error(`loaded ${loaded} of ${this.rows} rows`);
  }
}

/** Throws unless `actual` deep-equals `expected` (checked in setups before any timing). */
export function expectEqual(name: string, actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new Error(
      `bench case "${name}" gave ${describeValue(actual)}, expected ${describeValue(expected)}`,
    );
  }
}

function describeValue(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    return text.length > 400 ? `${text.slice(0, 400)}…` : text;
  } catch {
    return String(value);
  }
}

/** The attributes of loaded instances, checked to be loaded and unchanged. */
export function plainRows(name: string, rows: readonly (Product | null)[]): unknown[] {
  return rows.map((row) => {
    if (row === null) throw new Error(`bench case "${name}" found nothing`);
    if (row.isNewRecord || row.changed() !== false) {
      throw new Error(`bench case "${name}" did not give back a loaded, unchanged instance`);
    }
    return row.get({ plain: true });
  });
}

/** A suite's world, set by its setup and cleared by its teardown. */
export class Slot<T extends { close(): Promise<void> }> {
  #value: T | undefined;

  get value(): T {
    if (this.#value === undefined) throw new Error('the suite setup has not run');
    return this.#value;
  }

  /** Opens the world and runs `check` on it; closes it again if either fails. */
  async open(opening: Promise<T>, check: (value: T) => Promise<void>): Promise<void> {
    const value = await opening;
    try {
      await check(value);
      this.#value = value;
    } catch (error) {
      await value.close().catch(() => {});
      throw error;
    }
  }

  async close(): Promise<void> {
    const closing = this.#value;
    this.#value = undefined;
    await closing?.close();
  }
}
