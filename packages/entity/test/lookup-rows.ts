import {
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type Sequelize,
} from 'sequelize';

/** The table of {@link LookupRow}; hand-written SQL in the tests names it directly. */
export const ROW_TABLE = 'lookup_rows';
/** The table of {@link LookupChild}. */
export const CHILD_TABLE = 'lookup_children';
/** The table of {@link LookupArchived}. */
export const ARCHIVED_TABLE = 'lookup_archived';

/**
 * The row every lookup test filters. `seenAt` and the child's `parentId` live in columns with
 * another name (`seen_at`, `parent_id`), so a filter that used the attribute name as the column
 * would fail against the hand-written SQL.
 */
export class LookupRow extends Model<
  InferAttributes<LookupRow>,
  InferCreationAttributes<LookupRow>
> {
  declare id: number;
  declare name: string | null;
  declare score: number | null;
  declare price: string | null;
  declare seenAt: Date | null;
  declare day: string | null;
}

/** Rows pointing at a {@link LookupRow}, for `__in`/`__notin` subqueries. */
export class LookupChild extends Model<
  InferAttributes<LookupChild>,
  InferCreationAttributes<LookupChild>
> {
  declare id: number;
  declare parentId: number | null;
  declare label: string;
}

/** A paranoid model: reads must leave soft-deleted rows out. */
export class LookupArchived extends Model<
  InferAttributes<LookupArchived>,
  InferCreationAttributes<LookupArchived>
> {
  declare id: number;
  declare title: string;
  declare rowId: number | null;
  declare removedAt: Date | null;
}

/** The model classes bound to one Sequelize instance. */
export interface LookupModels {
  readonly Row: typeof LookupRow;
  readonly Child: typeof LookupChild;
  readonly Archived: typeof LookupArchived;
}

/**
 * Binds fresh subclasses of the models to `sequelize`: a model class belongs to one instance,
 * and a test file talks to both dialects at once.
 */
export function defineLookupModels(sequelize: Sequelize): LookupModels {
  class Row extends LookupRow {}
  Row.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true },
      name: DataTypes.STRING,
      score: DataTypes.INTEGER,
      price: DataTypes.DECIMAL(10, 2),
      seenAt: { type: DataTypes.DATE, field: 'seen_at' },
      day: DataTypes.DATEONLY,
    },
    { sequelize, tableName: ROW_TABLE, modelName: 'Row', timestamps: false },
  );
  class Child extends LookupChild {}
  Child.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true },
      parentId: { type: DataTypes.INTEGER, field: 'parent_id' },
      label: { type: DataTypes.STRING, allowNull: false },
    },
    { sequelize, tableName: CHILD_TABLE, modelName: 'Child', timestamps: false },
  );
  class Archived extends LookupArchived {}
  Archived.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true },
      title: { type: DataTypes.STRING, allowNull: false },
      rowId: { type: DataTypes.INTEGER, field: 'row_id' },
      removedAt: { type: DataTypes.DATE, field: 'removed_at' },
    },
    {
      sequelize,
      tableName: ARCHIVED_TABLE,
      modelName: 'Archived',
      timestamps: true,
      createdAt: false,
      updatedAt: false,
      deletedAt: 'removedAt',
      paranoid: true,
    },
  );
  return { Row, Child, Archived };
}

/** The values of one {@link LookupRow}. */
export type LookupRowValues = InferAttributes<LookupRow>;

const at = (iso: string): Date => new Date(iso);

/** Strings an unescaped statement would run as SQL. */
export const INJECTIONS: readonly string[] = [
  "x' OR '1'='1",
  "'); DROP TABLE lookup_rows; --",
  '%',
  '_',
];

/**
 * Case variants, accents, ß, characters outside the BMP, the Turkish dotted I, the LIKE
 * metacharacters and the escape character, quotes, backslashes, bind markers and injection
 * strings, with NULLs in every column but the key.
 */
export const LOOKUP_ROWS: readonly LookupRowValues[] = [
  row(1, 'Ann', 30, '10.50', at('2024-01-01T10:00:00Z'), '2024-01-01'),
  row(2, 'ann', 25, '0.00', at('2024-01-01T10:00:01Z'), '2024-01-02'),
  row(3, 'ANN', null, '99.99', at('2023-12-31T23:59:59Z'), '2023-12-31'),
  row(4, 'Anna', 40, '-3.25', null, '2024-06-15'),
  row(5, 'Joann', -5, null, at('2025-02-28T12:30:00Z'), null),
  row(6, 'café', 30, '10.50', at('2024-03-01T00:00:00Z'), '2024-03-01'),
  row(7, 'CAFÉ', 7, '1.00', at('2024-03-02T00:00:00Z'), '2024-03-02'),
  row(8, 'cafe', 8, '2.00', null, null),
  row(9, 'straße', 9, '3.00', at('2022-07-04T08:00:00Z'), '2022-07-04'),
  row(10, 'STRASSE', 10, null, at('2022-07-05T08:00:00Z'), '2022-07-05'),
  row(11, '😀 smile', 11, '5.00', at('2024-01-01T09:59:59Z'), '2024-01-01'),
  row(12, '😃 smile', 12, '5.00', at('2024-01-01T10:00:00Z'), '2024-01-01'),
  row(13, 'İstanbul', 13, '13.13', at('2021-01-01T00:00:00Z'), '2021-01-01'),
  row(14, '100%', 100, '100.00', at('2024-05-05T05:05:05Z'), '2024-05-05'),
  row(15, '100 percent', 100, '100.00', null, '2024-05-05'),
  row(16, 'a_b', 16, '0.16', at('2020-02-29T00:00:00Z'), '2020-02-29'),
  row(17, 'axb', 17, '0.17', at('2020-03-01T00:00:00Z'), '2020-03-01'),
  row(18, 'x!y', 18, '0.18', null, null),
  row(19, 'back\\slash', 19, '0.19', at('2019-01-01T00:00:00Z'), '2019-01-01'),
  row(20, "O'Brien", 20, '20.00', at('2024-12-31T23:59:59Z'), '2024-12-31'),
  row(21, 'say "hi"', null, '21.00', at('2024-07-01T00:00:00Z'), '2024-07-01'),
  row(22, "x' OR '1'='1", 22, '22.00', at('2024-07-02T00:00:00Z'), '2024-07-02'),
  row(23, "'); DROP TABLE lookup_rows; --", 23, '23.00', null, '2024-07-03'),
  row(24, '%', 24, '24.00', at('2024-07-04T00:00:00Z'), '2024-07-04'),
  row(25, '_', 25, '25.00', at('2024-07-05T00:00:00Z'), '2024-07-05'),
  row(26, null, null, null, null, null),
  row(27, '', 0, '0.00', at('1999-12-31T23:59:59Z'), '1999-12-31'),
  row(28, 'Bob', 28, '28.00', at('2024-01-01T10:00:00Z'), '2024-01-01'),
  row(29, 'x', 29, '29.00', at('2024-08-01T00:00:00Z'), '2024-08-01'),
  row(30, '!', 30, '30.00', at('2024-08-02T00:00:00Z'), '2024-08-02'),
  row(31, 'cost $1 ? :name', 31, '31.00', at('2024-08-03T00:00:00Z'), '2024-08-03'),
  row(32, 'tab\there', 32, '32.00', at('2024-08-04T00:00:00Z'), '2024-08-04'),
];

/** Children of {@link LOOKUP_ROWS}; one has no parent, one points at a row that does not exist. */
export const CHILD_ROWS: readonly InferAttributes<LookupChild>[] = [
  { id: 1, parentId: 1, label: 'red' },
  { id: 2, parentId: 1, label: 'blue' },
  { id: 3, parentId: 4, label: 'red' },
  { id: 4, parentId: null, label: 'red' },
  { id: 5, parentId: 22, label: "x' OR '1'='1" },
  { id: 6, parentId: 14, label: '100%' },
  { id: 7, parentId: 999, label: 'red' },
  { id: 8, parentId: 5, label: 'RED' },
  { id: 9, parentId: 6, label: "'); DROP TABLE lookup_children; --" },
  { id: 10, parentId: 15, label: '100 percent' },
];

function row(
  id: number,
  name: string | null,
  score: number | null,
  price: string | null,
  seenAt: Date | null,
  day: string | null,
): LookupRowValues {
  return { id, name, score, price, seenAt, day };
}
