import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type Sequelize,
} from 'sequelize';

/** The moods of {@link Typed}; one value has a space and one is not ASCII. */
export const MOODS = ['calm', 'very glad', 'ça va'] as const;

/**
 * One column of every type the cache must give back exactly as `findByPk` does. pg returns
 * BIGINT and DECIMAL as strings, DATEONLY as a string, BYTEA as a Buffer.
 */
export class Typed extends Model<InferAttributes<Typed>, InferCreationAttributes<Typed>> {
  declare id: CreationOptional<number>;
  declare int: number | null;
  declare big: string | null;
  declare dec: string | null;
  declare float: number | null;
  declare double: number | null;
  declare bool: boolean | null;
  declare at: Date | null;
  declare day: string | null;
  declare str: string | null;
  declare text: string | null;
  declare uuid: string | null;
  declare doc: unknown;
  declare blob: Buffer | null;
  declare ints: (number | null)[] | null;
  declare texts: (string | null)[] | null;
  declare doubles: (number | null)[] | null;
  declare mood: (typeof MOODS)[number] | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

/** The values of a {@link Typed} row that a test chooses (the rest the database fills in). */
export type TypedValues = Omit<InferAttributes<Typed>, 'id' | 'createdAt' | 'updatedAt'>;

/** A model keyed by two columns, one of them text with the key separator in it. */
export class Pair extends Model<InferAttributes<Pair>, InferCreationAttributes<Pair>> {
  declare tenantId: number;
  declare code: string;
  declare label: string;
}

/** A model keyed by free text (colons, spaces, non-ASCII). */
export class Tagged extends Model<InferAttributes<Tagged>, InferCreationAttributes<Tagged>> {
  declare name: string;
  declare weight: number;
}

/** A plain model for bulk and invalidation tests. */
export class Note extends Model<InferAttributes<Note>, InferCreationAttributes<Note>> {
  declare id: CreationOptional<number>;
  declare title: string;
  declare body: string | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

/** Binds every model to `sequelize` (one connection pool per process or test file). */
export function initModels(sequelize: Sequelize): void {
  Typed.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      int: DataTypes.INTEGER,
      big: DataTypes.BIGINT,
      dec: DataTypes.DECIMAL(12, 2),
      float: DataTypes.FLOAT,
      double: DataTypes.DOUBLE,
      bool: DataTypes.BOOLEAN,
      at: DataTypes.DATE,
      day: DataTypes.DATEONLY,
      str: DataTypes.STRING,
      text: DataTypes.TEXT,
      uuid: DataTypes.UUID,
      doc: DataTypes.JSONB,
      blob: DataTypes.BLOB,
      ints: DataTypes.ARRAY(DataTypes.INTEGER),
      texts: DataTypes.ARRAY(DataTypes.TEXT),
      doubles: DataTypes.ARRAY(DataTypes.DOUBLE),
      mood: DataTypes.ENUM(...MOODS),
      createdAt: DataTypes.DATE,
      updatedAt: DataTypes.DATE,
    },
    { sequelize, tableName: 'typed_rows', modelName: 'Typed' },
  );
  Pair.init(
    {
      tenantId: { type: DataTypes.INTEGER, primaryKey: true },
      code: { type: DataTypes.STRING, primaryKey: true },
      label: { type: DataTypes.STRING, allowNull: false },
    },
    { sequelize, tableName: 'pairs', modelName: 'Pair', timestamps: false },
  );
  Tagged.init(
    {
      name: { type: DataTypes.STRING, primaryKey: true },
      weight: { type: DataTypes.INTEGER, allowNull: false },
    },
    { sequelize, tableName: 'tagged', modelName: 'Tagged', timestamps: false },
  );
  Note.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      title: { type: DataTypes.STRING, allowNull: false },
      body: DataTypes.TEXT,
      createdAt: DataTypes.DATE,
      updatedAt: DataTypes.DATE,
    },
    { sequelize, tableName: 'notes', modelName: 'Note' },
  );
}
