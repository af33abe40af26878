import { DataTypes, Model, type Sequelize } from 'sequelize';
import { sequelizeForBuilding } from './sequelize.js';

/**
 * A model with the value kinds that need care in a cache: JSONB (mutable, JSON-coded), bytes,
 * DECIMAL and BIGINT (strings from pg), and dates.
 */
export class Item extends Model {
  declare id: number;
  declare name: string;
  declare tags: string[] | null;
  declare payload: Buffer | null;
  declare amount: string | null;
  declare big: string | null;
  declare createdAt: Date;
  declare updatedAt: Date;
}

/** A fresh `Item` model class on `sequelize` (one per call, so files never share a class). */
export function defineItem(sequelize: Sequelize, tableName: string): typeof Item {
  class DefinedItem extends Item {}
  DefinedItem.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      name: { type: DataTypes.STRING, allowNull: false },
      tags: DataTypes.JSONB,
      payload: DataTypes.BLOB,
      amount: DataTypes.DECIMAL(12, 2),
      big: DataTypes.BIGINT,
    },
    { sequelize, tableName, modelName: 'Item' },
  );
  return DefinedItem;
}

/** A fresh `Item` model on `tableName` to build instances of, for tests without a database. */
export function itemModelForBuilding(tableName: string): typeof Item {
  return defineItem(sequelizeForBuilding(), tableName);
}

/** An instance as if loaded from the database (every attribute set, not new). */
export function builtItem(model: typeof Item, id: number, name = `item ${id}`): Item {
  const at = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678));
  return model.build(
    {
      id,
      name,
      tags: ['red', 'green'],
      payload: Buffer.from([0, 1, 2, 255]),
      amount: '12.50',
      big: '9007199254740993',
      createdAt: at,
      updatedAt: at,
    },
    { isNewRecord: false, raw: true },
  );
}
