// The model every suite measures on, and the SQL that fills its table. Imported by the suites
// and by the child process of the deletion figures (delete-child.ts), which runs as plain
// JavaScript: so nothing here may import the harness or the test helpers.
import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type ModelStatic,
  type Sequelize,
} from 'sequelize';

/** A typical row of an application table: 12 columns, timestamps included. */
export class Product extends Model<InferAttributes<Product>, InferCreationAttributes<Product>> {
  declare id: CreationOptional<number>;
  declare name: string;
  declare email: string;
  declare category: string;
  declare price: string;
  declare stock: number;
  declare rating: number;
  declare active: boolean;
  declare city: string;
  declare releasedAt: Date;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

/**
 * A model class of its own per table (a subclass initialised on the given connection), so one
 * suite's setup never re-initialises a class another suite or process still uses.
 */
export function defineProduct(sequelize: Sequelize, tableName: string): ModelStatic<Product> {
  class Row extends Product {}
  Row.init(
    {
      id: { type: DataTypes.INTEGER, autoIncrement: true, primaryKey: true },
      name: { type: DataTypes.STRING, allowNull: false },
      email: { type: DataTypes.STRING, allowNull: false },
      category: { type: DataTypes.STRING(32), allowNull: false },
      price: { type: DataTypes.DECIMAL(12, 2), allowNull: false },
      stock: { type: DataTypes.INTEGER, allowNull: false },
      rating: { type: DataTypes.FLOAT, allowNull: false },
      active: { type: DataTypes.BOOLEAN, allowNull: false },
      city: { type: DataTypes.STRING(64), allowNull: false },
      releasedAt: { type: DataTypes.DATE, allowNull: false },
      createdAt: DataTypes.DATE,
      updatedAt: DataTypes.DATE,
    },
    { sequelize, tableName, modelName: 'Product' },
  );
  return Row;
}

/** Where row `i` sits in time. */
export type Layout =
  /** releasedAt a permutation of the ids (unique, uncorrelated with the physical order). */
  | 'shuffled'
  /** createdAt grows with the id, as rows inserted over time: what a purge of old rows meets. */
  | 'chronological';

/** A value in `[0, modulus)` that looks random in `i`, different for each `seed`, repeatable. */
function spread(seed: number, modulus: number): string {
  return `((hashint4extended(i, ${seed}) & 2147483647) % ${modulus})`;
}

/** The start of createdAt: row `i` is created `i` seconds later. */
export const CREATED_FROM: Date = new Date('2024-01-01T00:00:00Z');

/** createdAt of row `i` (1-based), as {@link fillSql} writes it. */
export function createdAtOf(i: number): Date {
  return new Date(CREATED_FROM.getTime() + i * 1000);
}

/**
 * `INSERT … SELECT … FROM generate_series(1, rows)`: one statement fills the table, ids 1..rows.
 * `rows` must be coprime with 7907 (a prime), so that the shuffled releasedAt are all different
 * and an ORDER BY releasedAt has no ties that two queries could break differently.
 */
export function fillSql(table: string, rows: number, layout: Layout): string {
  if (!Number.isSafeInteger(rows) || rows < 1 || rows % 7907 === 0) {
    throw new Error(`fillSql: ${rows} rows`);
  }
  const colors = `ARRAY['red','green','blue','black','white','silver','golden','purple']`;
  const items = `ARRAY['chair','table','lamp','desk','shelf','sofa','bed','rug','mirror','clock']`;
  const cities = `ARRAY['London','Paris','Berlin','Madrid','Rome','Vienna','Prague','Lisbon','Dublin','Oslo','Warsaw','Athens']`;
  const released =
    layout === 'shuffled'
      ? `timestamptz '2015-01-01 00:00:00+00' + ((i::bigint * 7907) % ${rows}) * interval '1 minute'`
      : `timestamptz '2015-01-01 00:00:00+00' + i * interval '1 minute'`;
  const created = `timestamptz '${CREATED_FROM.toISOString()}' + i * interval '1 second'`;
  return `INSERT INTO "${table}" ("name", "email", "category", "price", "stock", "rating", "active", "city", "releasedAt", "createdAt", "updatedAt")
SELECT
  'Product ' || i || ' ' || (${colors})[1 + ${spread(1, 8)}] || ' ' || (${items})[1 + ${spread(2, 10)}],
  'customer.' || i || '@example.org',
  'category-' || lpad(${spread(3, 20)}::text, 2, '0'),
  (${spread(4, 1_000_000)} / 100.0)::numeric(12, 2),
  ${spread(5, 10_000)},
  ${spread(6, 501)} / 100.0,
  ${spread(7, 4)} <> 0,
  (${cities})[1 + ${spread(8, 12)}],
  ${released},
  ${created},
  ${created} + ${spread(9, 86_400)} * interval '1 second'
FROM generate_series(1, ${rows}) AS i`;
}
