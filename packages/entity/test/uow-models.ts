import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  QueryTypes,
  type Sequelize,
} from 'sequelize';

/** Both dialects the manager is tested on. */
export type TestDialect = 'postgres' | 'mariadb';

/** An account: a unique name (for constraint failures), an integer and a DECIMAL column. */
export class Account extends Model<InferAttributes<Account>, InferCreationAttributes<Account>> {
  declare id: CreationOptional<number>;
  declare name: string;
  declare balance: number;
  declare amount: CreationOptional<string>;
}

/** A fresh `Account` class on `sequelize` (one per call: a class belongs to one instance). */
export function defineAccount(sequelize: Sequelize, tableName: string): typeof Account {
  class AccountModel extends Account {}
  AccountModel.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      name: { type: DataTypes.STRING(64), allowNull: false, unique: true },
      balance: { type: DataTypes.INTEGER, allowNull: false },
      amount: { type: DataTypes.DECIMAL(12, 2), allowNull: false, defaultValue: '0.00' },
    },
    { sequelize, tableName, modelName: 'Account', timestamps: false },
  );
  return AccountModel;
}

/** A row of a large table for batched deletes; ids are given, not generated. */
export class BulkRow extends Model<InferAttributes<BulkRow>, InferCreationAttributes<BulkRow>> {
  declare id: number;
  declare grp: number;
  declare label: string;
}

export function defineBulkRow(sequelize: Sequelize, tableName: string): typeof BulkRow {
  class BulkRowModel extends BulkRow {}
  BulkRowModel.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true },
      grp: { type: DataTypes.INTEGER, allowNull: false },
      label: { type: DataTypes.STRING(32), allowNull: false },
    },
    { sequelize, tableName, modelName: 'BulkRow', timestamps: false },
  );
  return BulkRowModel;
}

/** A row with a two-column primary key whose attributes map to other column names. */
export class PairRow extends Model<InferAttributes<PairRow>, InferCreationAttributes<PairRow>> {
  declare tenantId: number;
  declare itemId: number;
  declare grp: number;
}

export function definePairRow(sequelize: Sequelize, tableName: string): typeof PairRow {
  class PairRowModel extends PairRow {}
  PairRowModel.init(
    {
      tenantId: { type: DataTypes.INTEGER, primaryKey: true, field: 'tenant_id' },
      itemId: { type: DataTypes.INTEGER, primaryKey: true, field: 'item_id' },
      grp: { type: DataTypes.INTEGER, allowNull: false },
    },
    { sequelize, tableName, modelName: 'PairRow', timestamps: false },
  );
  return PairRowModel;
}

/**
 * A row of a partitioned PostgreSQL table: the partition key (`region` or `id`) is part of the
 * primary key, as PostgreSQL requires. The table itself is created with SQL, not `sync`.
 */
export class EventRow extends Model<InferAttributes<EventRow>, InferCreationAttributes<EventRow>> {
  declare id: number;
  declare region: string;
  declare grp: number;
}

export function defineEventRow(sequelize: Sequelize, tableName: string): typeof EventRow {
  class EventRowModel extends EventRow {}
  EventRowModel.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true },
      region: { type: DataTypes.STRING(8), primaryKey: true },
      grp: { type: DataTypes.INTEGER, allowNull: false },
    },
    { sequelize, tableName, modelName: 'EventRow', timestamps: false },
  );
  return EventRowModel;
}

/**
 * A paranoid model whose soft-delete attribute has its own name and column (`removedAt`,
 * `removed_at`), so a delete that wrote the attribute name instead of the column would fail.
 */
export class SoftRow extends Model<InferAttributes<SoftRow>, InferCreationAttributes<SoftRow>> {
  declare id: number;
  declare grp: number;
  declare removedAt: CreationOptional<Date | null>;
}

export function defineSoftRow(sequelize: Sequelize, tableName: string): typeof SoftRow {
  class SoftRowModel extends SoftRow {}
  SoftRowModel.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true },
      grp: { type: DataTypes.INTEGER, allowNull: false },
      removedAt: { type: DataTypes.DATE, allowNull: true },
    },
    {
      sequelize,
      tableName,
      modelName: 'SoftRow',
      timestamps: true,
      createdAt: false,
      updatedAt: false,
      deletedAt: 'removedAt',
      paranoid: true,
      underscored: true,
    },
  );
  return SoftRowModel;
}

/**
 * A FROM item `alias` yielding one column `n` = 1…count in a single statement: `generate_series` on
 * PostgreSQL; on MariaDB a cross join of digits (its recursive CTEs stop at 1000 iterations by
 * default).
 */
export function seriesOf(dialect: TestDialect, count: number, alias = 'series'): string {
  if (!Number.isSafeInteger(count) || count < 1 || count > 100_000) {
    throw new RangeError(`seriesOf: 1…100000 rows, got ${count}`);
  }
  if (dialect === 'postgres') return `generate_series(1, ${count}) AS ${alias}(n)`;
  const digits = `(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)`;
  const all = `SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d + 1 AS n FROM ${digits} a CROSS JOIN ${digits} b CROSS JOIN ${digits} c CROSS JOIN ${digits} e CROSS JOIN ${digits} f`;
  return `(SELECT n FROM (${all}) AS every_n WHERE n <= ${count}) AS ${alias}`;
}

/** The number of rows of `table` matching `where`, read on `sequelize`'s own connection. */
export async function countRows(sequelize: Sequelize, table: string, where = ''): Promise<number> {
  const rows = await sequelize.query<{ n: unknown }>(
    `SELECT COUNT(*) AS n FROM ${table}${where === '' ? '' : ` WHERE ${where}`}`,
    { type: QueryTypes.SELECT },
  );
  return Number(rows[0]?.n);
}

/**
 * `promise`, or a rejection once `ms` passed: a lock wait or a pool that never hands out a
 * connection fails the test instead of hanging it.
 */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
