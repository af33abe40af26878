import { useTestDatabase } from '@x/test-services/vitest';
import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  QueryTypes,
  Sequelize,
} from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EntityError } from './entity-error.js';
import { EntityManager } from './entity-manager.js';
import type { WhereFilters } from './filters.js';

// Expected sums are worked out here with BigInt (cents for money), independently of the
// database, and also read back from the database's own SUM as text.

class LedgerRow extends Model<InferAttributes<LedgerRow>, InferCreationAttributes<LedgerRow>> {
  declare id: CreationOptional<number>;
  /** Which test wrote the row: each test sums its own rows only. */
  declare batch: string;
  declare category: string | null;
  declare accountId: number | null;
  declare qty: number | null;
  declare big: string | null;
  declare amount: string | null;
  declare ratio: number | null;
}

/** Same columns as {@link LedgerRow}, never written: sums over a table with no rows at all. */
class VacantRow extends Model<InferAttributes<VacantRow>, InferCreationAttributes<VacantRow>> {
  declare id: CreationOptional<number>;
  declare qty: number | null;
  declare big: string | null;
  declare amount: string | null;
  declare ratio: number | null;
}

class AccountRow extends Model<InferAttributes<AccountRow>, InferCreationAttributes<AccountRow>> {
  declare id: number;
  declare region: string;
  declare balance: string;
  declare points: number;
  declare deletedAt: CreationOptional<Date | null>;
}

/** An INTEGER attribute over a BIGINT column, to reach sums past 2^53 with a few rows. */
class WideRow extends Model<InferAttributes<WideRow>, InferCreationAttributes<WideRow>> {
  declare id: number;
  declare tag: string;
  declare n: number;
}

/** A real INT column filled with millions of rows: the sum outgrows a double on its own. */
class HugeRow extends Model<InferAttributes<HugeRow>, InferCreationAttributes<HugeRow>> {
  declare n: number;
  declare g: number;
}

type Dialect = 'postgres' | 'mariadb';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const INT_MAX = 2_147_483_647;
/** Rows of INT_MAX whose sum, 9007199250546688, is still below Number.MAX_SAFE_INTEGER. */
const SAFE_ROWS = 4_194_304;

/** '12.34' -> 1234n. */
function cents(text: string): bigint {
  const match = /^(-?)(\d+)\.(\d{2})$/.exec(text);
  if (match === null) throw new Error(`not a money amount: ${text}`);
  const value = BigInt(`${match[2]}${match[3]}`);
  return match[1] === '-' ? -value : value;
}

/** 1234n -> '12.34'. */
function money(value: bigint): string {
  const sign = value < 0n ? '-' : '';
  const digits = (value < 0n ? -value : value).toString().padStart(3, '0');
  return `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe.each(['postgres', 'mariadb'] as const)('sumAll on %s', (dialect: Dialect) => {
  const database = useTestDatabase(dialect);
  let sequelize: Sequelize;
  let em: EntityManager;
  // Classes of this dialect's own: each is initialised on this block's Sequelize instance only.
  const Ledger = class Ledger extends LedgerRow {};
  const Vacant = class Vacant extends VacantRow {};
  const Account = class Account extends AccountRow {};
  const Wide = class Wide extends WideRow {};
  const Huge = class Huge extends HugeRow {};

  /** The database's own SUM of `column` over `table` with `where`, as text ('0' for none). */
  async function sqlSum(table: string, column: string, where = '1=1'): Promise<string> {
    const cast = dialect === 'postgres' ? 'TEXT' : 'CHAR';
    const [row] = await sequelize.query<{ total: string }>(
      `SELECT CAST(COALESCE(SUM(${column}), 0) AS ${cast}) AS total FROM ${table} WHERE ${where}`,
      { type: QueryTypes.SELECT },
    );
    if (row === undefined) throw new Error('no row');
    return row.total;
  }

  /** Inserts `count` rows of `values` through the database's own row generator. */
  async function generate(table: string, columns: string, values: string, count: number) {
    const rows =
      dialect === 'postgres'
        ? `generate_series(1, ${count})`
        : // MariaDB's SEQUENCE engine: a virtual table of 1..count.
          `seq_1_to_${count}`;
    await sequelize.query(`INSERT INTO ${table} (${columns}) SELECT ${values} FROM ${rows}`);
  }

  beforeAll(async () => {
    sequelize = new Sequelize(database.url, { logging: false });
    const ledger = {
      qty: DataTypes.INTEGER,
      big: DataTypes.BIGINT,
      amount: DataTypes.DECIMAL(12, 2),
      ratio: DataTypes.FLOAT,
    };
    Ledger.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        batch: { type: DataTypes.STRING(40), allowNull: false },
        category: DataTypes.STRING(40),
        accountId: DataTypes.INTEGER,
        ...ledger,
      },
      { sequelize, tableName: 'ledger', underscored: true, timestamps: false },
    );
    Vacant.init(
      { id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true }, ...ledger },
      { sequelize, tableName: 'vacant', underscored: true, timestamps: false },
    );
    Account.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true },
        region: { type: DataTypes.STRING(20), allowNull: false },
        balance: { type: DataTypes.DECIMAL(12, 2), allowNull: false },
        points: { type: DataTypes.INTEGER, allowNull: false },
        deletedAt: DataTypes.DATE,
      },
      {
        sequelize,
        tableName: 'account',
        underscored: true,
        paranoid: true,
        createdAt: false,
        updatedAt: false,
      },
    );
    Wide.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true },
        tag: { type: DataTypes.STRING(20), allowNull: false },
        n: { type: DataTypes.INTEGER, allowNull: false },
      },
      { sequelize, tableName: 'wide', timestamps: false },
    );
    Huge.init(
      { n: { type: DataTypes.INTEGER, allowNull: false }, g: DataTypes.INTEGER },
      { sequelize, tableName: 'huge', timestamps: false },
    );
    Huge.removeAttribute('id');
    await Ledger.sync();
    await Vacant.sync();
    await Account.sync();
    await sequelize.query(
      'CREATE TABLE wide (id INT PRIMARY KEY, tag VARCHAR(20) NOT NULL, n BIGINT NOT NULL)',
    );
    // Millions of rows: an unlogged (PostgreSQL) or non-transactional (MariaDB) table fills in
    // a fraction of the time.
    await sequelize.query(
      dialect === 'postgres'
        ? 'CREATE UNLOGGED TABLE huge (n INT NOT NULL, g INT NOT NULL)'
        : 'CREATE TABLE huge (n INT NOT NULL, g INT NOT NULL) ENGINE=MyISAM',
    );
    em = new EntityManager(sequelize);
  });

  afterAll(async () => {
    await sequelize?.close();
  });

  it('sums an INTEGER column exactly, as a number', async () => {
    const values = [1, 2, 3, INT_MAX, -5, INT_MAX, 0, 1_000_000];
    await Ledger.bulkCreate(values.map((qty) => ({ batch: 'int', qty })));
    await Ledger.bulkCreate([{ batch: 'int', qty: null }]);
    const total = await em.sumAll(Ledger, 'qty', { batch: 'int' });
    expect(typeof total).toBe('number');
    expect(total).toBe(2 * INT_MAX + 1 + 1_000_000);
    expect(String(total)).toBe(await sqlSum('ledger', 'qty', `batch = 'int'`));
  });

  it('gives 0 for no rows, and text 0 for DECIMAL and BIGINT', async () => {
    const columns = ['qty', 'amount', 'big', 'ratio'] as const;
    const empty = [0, '0', '0', 0];
    const vacant = [];
    for (const column of columns) vacant.push(await em.sumAll(Vacant, column));
    expect(vacant).toEqual(empty);
    const unmatched = [];
    for (const column of columns) {
      unmatched.push(await em.sumAll(Ledger, column, { batch: 'no such batch' }));
    }
    expect(unmatched).toEqual(empty);
    // Rows, but every value NULL: SQL's SUM is NULL there too.
    expect(await em.countAll(Ledger, { batch: 'int' })).toBeGreaterThan(0);
    const nulls = [];
    for (const column of columns.slice(1)) {
      nulls.push(await em.sumAll(Ledger, column, { batch: 'int' }));
    }
    expect(nulls).toEqual(empty.slice(1));
  });

  it('sums many DECIMAL(12,2) amounts to the exact decimal, where a float sum drifts', async () => {
    const amounts = Array.from(
      { length: 3000 },
      (_, index) => ['0.10', '0.20', '19.99'][index % 3] as string,
    );
    await Ledger.bulkCreate(amounts.map((amount) => ({ batch: 'money', amount })));
    const exact = money(amounts.reduce((sum, amount) => sum + cents(amount), 0n));
    expect(exact).toBe('20290.00');
    const floatSum = amounts.reduce((sum, amount) => sum + Number(amount), 0);
    expect(floatSum).not.toBe(20290);
    expect(String(floatSum)).not.toBe(exact);

    const total = await em.sumAll(Ledger, 'amount', { batch: 'money' });
    expect(typeof total).toBe('string');
    expect(await sqlSum('ledger', 'amount', `batch = 'money'`)).toBe(exact);
    expect(total).toBe(exact);
  });

  it('sums small amounts to text with their two decimals', async () => {
    await Ledger.bulkCreate([
      { batch: 'dimes', amount: '0.10' },
      { batch: 'dimes', amount: '0.20' },
    ]);
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(await sqlSum('ledger', 'amount', `batch = 'dimes'`)).toBe('0.30');
    expect(await em.sumAll(Ledger, 'amount', { batch: 'dimes' })).toBe('0.30');
  });

  it('sums DECIMAL amounts past what a double holds, to the cent', async () => {
    await generate('ledger', 'batch, amount', `'wide money', 9999999999.99`, 100_000);
    await Ledger.bulkCreate([{ batch: 'wide money', amount: '0.01' }]);
    const exact = money(100_000n * cents('9999999999.99') + 1n);
    expect(exact).toBe('999999999999000.01');
    // A double cannot tell this sum from its neighbour a cent away.
    expect(Number(exact)).toBe(999999999999000);
    expect(await sqlSum('ledger', 'amount', `batch = 'wide money'`)).toBe(exact);
    expect(await em.sumAll(Ledger, 'amount', { batch: 'wide money' })).toBe(exact);
  });

  it('sums BIGINT exactly as text, past 2^53 and past 2^63', async () => {
    const cases = [
      { batch: 'big 2^53', values: ['9007199254740993', '9007199254740993', '5'] },
      { batch: 'big 2^63', values: [String(2n ** 62n), String(2n ** 62n), String(2n ** 62n), '7'] },
      { batch: 'big negative', values: ['-9007199254740993', '1'] },
    ];
    for (const { batch, values } of cases) {
      await Ledger.bulkCreate(values.map((big) => ({ batch, big })));
      const exact = values.reduce((sum, value) => sum + BigInt(value), 0n).toString();
      const total = await em.sumAll(Ledger, 'big', { batch });
      expect(typeof total).toBe('string');
      expect(total, batch).toBe(exact);
      expect(await sqlSum('ledger', 'big', `batch = '${batch}'`)).toBe(exact);
    }
    expect(await em.sumAll(Ledger, 'big', { batch: 'big 2^63' })).toBe('13835058055282163719');
  });

  it('refuses an INTEGER sum past Number.MAX_SAFE_INTEGER with UNSAFE_INTEGER', async () => {
    await sequelize.query(
      `INSERT INTO wide (id, tag, n) VALUES (1, 'max', ${MAX_SAFE}), (2, 'one', 1),
         (3, 'min', ${-MAX_SAFE}), (4, 'minus one', -1)`,
    );
    expect(await em.sumAll(Wide, 'n', { tag: 'max' })).toBe(Number.MAX_SAFE_INTEGER);
    expect(await em.sumAll(Wide, 'n', { tag: 'min' })).toBe(-Number.MAX_SAFE_INTEGER);
    // The four cancel out: the total is safe even though its parts are at the edge.
    expect(await em.sumAll(Wide, 'n')).toBe(0);
    for (const [tags, sum] of [
      [['max', 'one'], MAX_SAFE + 1n],
      [['min', 'minus one'], -MAX_SAFE - 1n],
    ] as const) {
      const error = await caught(em.sumAll(Wide, 'n', { tag__in: tags }));
      expect(EntityError.is(error)).toBe(true);
      expect((error as EntityError).code).toBe('UNSAFE_INTEGER');
      expect((error as EntityError).message).toContain(String(sum));
    }
  });

  it('refuses the sum of millions of INT rows past Number.MAX_SAFE_INTEGER', async () => {
    await generate('huge', 'n, g', `${INT_MAX}, 0`, SAFE_ROWS);
    await sequelize.query(`INSERT INTO huge (n, g) VALUES (${INT_MAX}, 1)`);
    const safe = BigInt(SAFE_ROWS) * BigInt(INT_MAX);
    expect(safe <= MAX_SAFE).toBe(true);
    expect(await em.sumAll(Huge, 'n', { g: 0 })).toBe(Number(safe));
    const unsafe = safe + BigInt(INT_MAX);
    expect(await sqlSum('huge', 'n')).toBe(String(unsafe));
    const error = await caught(em.sumAll(Huge, 'n'));
    expect(EntityError.is(error) && error.code).toBe('UNSAFE_INTEGER');
    expect((error as Error).message).toContain(String(unsafe));
  });

  it('sums a FLOAT column as a number', async () => {
    await Ledger.bulkCreate([0.5, 0.25, 1.125].map((ratio) => ({ batch: 'binary', ratio })));
    const exact = await em.sumAll(Ledger, 'ratio', { batch: 'binary' });
    expect(typeof exact).toBe('number');
    expect(exact).toBe(1.875);

    await Ledger.bulkCreate(Array.from({ length: 10 }, () => ({ batch: 'tenths', ratio: 0.1 })));
    const tenths = await em.sumAll(Ledger, 'ratio', { batch: 'tenths' });
    expect(typeof tenths).toBe('number');
    expect(tenths).toBeCloseTo(1, 6);
    const [row] = await em.selectRows<{ total: number }>(
      `SELECT SUM(ratio) AS total FROM ledger WHERE batch = $1`,
      ['tenths'],
    );
    expect(tenths).toBe(Number(row?.total));
    expect(await em.sumAll(Ledger, 'ratio', { batch: 'tenths', ratio__gt: 1 })).toBe(0);
  });

  describe('with filters', () => {
    const rows: { category: string | null; accountId: number; qty: number; amount: string }[] = [
      { category: 'food', accountId: 1, qty: 3, amount: '12.35' },
      { category: 'food', accountId: 2, qty: 14, amount: '0.99' },
      { category: 'rent', accountId: 1, qty: 1, amount: '950.00' },
      { category: 'Food court', accountId: 3, qty: 22, amount: '7.45' },
      { category: null, accountId: 2, qty: 5, amount: '3.33' },
      { category: null, accountId: 4, qty: 40, amount: '1.01' },
      { category: 'travel', accountId: 4, qty: 9, amount: '245.67' },
      { category: 'travel', accountId: 5, qty: 11, amount: '10.00' },
      { category: 'fees', accountId: 3, qty: 2, amount: '0.05' },
    ];
    const batch = 'filtered';
    const cases: {
      name: string;
      filters: WhereFilters<LedgerRow>;
      keep: (row: (typeof rows)[number]) => boolean;
    }[] = [
      { name: 'exact', filters: { category: 'food' }, keep: (row) => row.category === 'food' },
      { name: 'gte', filters: { qty__gte: 10 }, keep: (row) => row.qty >= 10 },
      {
        name: 'in',
        filters: { category__in: ['food', 'rent'] },
        keep: (row) => row.category === 'food' || row.category === 'rent',
      },
      {
        name: 'ne, NULL rows included',
        filters: { category__ne: 'food' },
        keep: (row) => row.category !== 'food',
      },
      { name: 'isnull', filters: { category__isnull: true }, keep: (row) => row.category === null },
      {
        name: 'range of amounts',
        filters: { amount__range: ['1.00', '12.35'] },
        keep: (row) => cents(row.amount) >= 100n && cents(row.amount) <= 1235n,
      },
      {
        name: 'icontains',
        filters: { category__icontains: 'OO' },
        keep: (row) => row.category?.toLowerCase().includes('oo') ?? false,
      },
      {
        name: 'lt and notin',
        filters: { qty__lt: 20, accountId__notin: [1, 2] },
        keep: (row) => row.qty < 20 && row.accountId !== 1 && row.accountId !== 2,
      },
      { name: 'nothing', filters: { category: 'none' }, keep: () => false },
    ];

    beforeAll(async () => {
      await Ledger.bulkCreate(rows.map((row) => ({ ...row, batch })));
      await Account.bulkCreate([
        { id: 1, region: 'north', balance: '100.11', points: 10 },
        { id: 2, region: 'north', balance: '200.22', points: 20 },
        { id: 3, region: 'south', balance: '300.33', points: 30 },
        { id: 4, region: 'north', balance: '400.44', points: 40 },
        { id: 5, region: 'east', balance: '500.55', points: 50 },
      ]);
    });

    it.each(cases)('$name', async ({ filters, keep }) => {
      const kept = rows.filter(keep);
      const amount = money(kept.reduce((sum, row) => sum + cents(row.amount), 0n));
      const qty = kept.reduce((sum, row) => sum + row.qty, 0);
      expect(await em.sumAll(Ledger, 'qty', { ...filters, batch })).toBe(qty);
      expect(await em.countAll(Ledger, { ...filters, batch })).toBe(kept.length);
      expect(await em.sumAll(Ledger, 'amount', { ...filters, batch })).toBe(
        kept.length === 0 ? '0' : amount,
      );
    });

    it('the cases keep some rows and leave others', () => {
      const sizes = cases.map(({ keep }) => rows.filter(keep).length);
      expect(sizes.at(-1)).toBe(0);
      expect(sizes.slice(0, -1).every((size) => size > 0 && size < rows.length)).toBe(true);
    });

    it('sums through a subquery on a paranoid model, leaving out its soft-deleted rows', async () => {
      const north = { accountId__in: em.subquery(Account, 'id', { region: 'north' }), batch };
      const sumOf = (ids: number[]) =>
        money(
          rows
            .filter((row) => ids.includes(row.accountId))
            .reduce((s, r) => s + cents(r.amount), 0n),
        );
      expect(await em.sumAll(Ledger, 'amount', north)).toBe(sumOf([1, 2, 4]));
      expect(await em.sumAll(Ledger, 'qty', north)).toBe(3 + 14 + 1 + 5 + 40 + 9);

      const four = await em.select(Account, 4);
      if (four === null) throw new Error('account 4 is missing');
      await em.delete(four, { commit: true });
      expect(await em.sumAll(Ledger, 'amount', north)).toBe(sumOf([1, 2]));
      expect(
        await em.sumAll(Ledger, 'amount', {
          accountId__notin: em.subquery(Account, 'id', { region: 'north' }),
          batch,
        }),
      ).toBe(sumOf([3, 4, 5]));
    });

    it('leaves soft-deleted rows of a paranoid model out of its own sums', async () => {
      // Soft-deleted by the test before; again here (a no-op then) when this test runs alone.
      await Account.destroy({ where: { id: 4 } });
      expect(await em.sumAll(Account, 'balance')).toBe('1101.21');
      expect(await em.sumAll(Account, 'points')).toBe(110);
      expect(await sqlSum('account', 'balance')).toBe('1501.65');
      expect(await sqlSum('account', 'balance', 'deleted_at IS NULL')).toBe('1101.21');

      expect(await em.deleteAll(Account, { region: 'south' }, { commit: true })).toBe(1);
      expect(await em.sumAll(Account, 'balance')).toBe('800.88');
      expect(await em.sumAll(Account, 'points', { region__in: ['north', 'south'] })).toBe(30);
      expect(await em.sumAll(Account, 'balance', { region: 'south' })).toBe('0');
      expect(await em.countAll(Account)).toBe(3);
      // Still in the table, only marked.
      expect(await sqlSum('account', 'points')).toBe('150');
      expect(await sqlSum('account', 'balance', 'deleted_at IS NULL')).toBe('800.88');
    });
  });
});

describe('sumAll and the Sequelize instance a model class is bound to', () => {
  const postgres = useTestDatabase('postgres');
  const mariadb = useTestDatabase('mariadb');
  const opened: Sequelize[] = [];

  afterAll(async () => {
    for (const sequelize of opened) await sequelize.close();
  });

  class Tally extends Model<InferAttributes<Tally>, InferCreationAttributes<Tally>> {
    declare id: CreationOptional<number>;
    declare n: number;
  }

  /** Binds `model` to a new Sequelize instance on `url`, with a table of `values`. */
  async function bind(model: typeof Tally, url: string, values: number[]): Promise<Sequelize> {
    const tableName = model.name.toLowerCase();
    const sequelize = new Sequelize(url, { logging: false });
    opened.push(sequelize);
    model.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        n: { type: DataTypes.INTEGER, allowNull: false },
      },
      { sequelize, tableName, timestamps: false },
    );
    await model.sync();
    await model.bulkCreate(values.map((n) => ({ n })));
    return sequelize;
  }

  it('refuses a model of another instance, also once the model was used', async () => {
    const Used = class Used extends Tally {};
    const own = await bind(Used, postgres.url, [1, 2]);
    const other = new Sequelize(mariadb.url, { logging: false });
    opened.push(other);
    const refusal = await caught(new EntityManager(other).sumAll(Used, 'n'));
    expect(EntityError.is(refusal) && refusal.code).toBe('INVALID_ARGUMENT');

    expect(await new EntityManager(own).sumAll(Used, 'n')).toBe(3);
    const after = await caught(new EntityManager(other).sumAll(Used, 'n'));
    expect(EntityError.is(after) && after.code).toBe('INVALID_ARGUMENT');
  });

  it('sums through the instance a model class was initialised on again', async () => {
    const Moved = class Moved extends Tally {};
    const first = await bind(Moved, postgres.url, [1, 2]);
    expect(await new EntityManager(first).sumAll(Moved, 'n')).toBe(3);
    const second = await bind(Moved, mariadb.url, [10, 20]);
    expect
      .soft(await new EntityManager(second).sumAll(Moved, 'n').catch((e: unknown) => e))
      .toBe(30);
    // The first instance gives the class up, as for a class it never had.
    const stale = await new EntityManager(first).sumAll(Moved, 'n').catch((e: unknown) => e);
    expect.soft(EntityError.is(stale) && stale.code).toBe('INVALID_ARGUMENT');
  });
});
