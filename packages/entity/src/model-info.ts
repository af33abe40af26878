import type { Model, ModelAttributeColumnOptions, ModelStatic, Sequelize } from 'sequelize';
import { EntityError } from './entity-error.js';

/** What the SQL builder needs of a model, computed once per model class. */
export interface ModelInfo {
  readonly model: ModelStatic<Model>;
  readonly name: string;
  /** The quoted, schema-qualified table. */
  readonly table: string;
  readonly attributes: ReadonlyMap<string, AttributeInfo>;
  /** Attribute names, in definition order, VIRTUAL ones left out. */
  readonly attributeNames: readonly string[];
  readonly primaryKeys: readonly string[];
  /** The soft-delete attribute of a paranoid model. */
  readonly deletedAt: string | undefined;
  readonly dialect: Dialect;
}

export interface AttributeInfo {
  readonly name: string;
  /** `"table"."column"`. */
  readonly column: string;
  /** The column name alone, quoted. */
  readonly field: string;
  readonly typeKey: string;
  readonly definition: ModelAttributeColumnOptions;
}

/** The SQL dialects the manager speaks. */
export type Dialect = 'postgres' | 'mariadb' | 'mysql';

interface QueryGenerator {
  quoteTable(table: unknown): string;
  quoteIdentifier(identifier: string): string;
}

interface CachedInfo {
  readonly info: ModelInfo;
  readonly sequelize: Sequelize;
  readonly attributesObject: object;
}

const infos = new WeakMap<object, CachedInfo>();

/** The generator Sequelize quotes with for `sequelize`'s dialect. */
export function generatorOf(sequelize: Sequelize): QueryGenerator {
  return (sequelize.getQueryInterface() as unknown as { queryGenerator: QueryGenerator })
    .queryGenerator;
}

/** The dialect of `sequelize`, refused when the manager does not support it. */
export function dialectOf(sequelize: Sequelize): Dialect {
  const dialect = sequelize.getDialect();
  if (dialect === 'postgres' || dialect === 'mariadb' || dialect === 'mysql') return dialect;
  throw new EntityError(
    'INVALID_ARGUMENT',
    `EntityManager supports PostgreSQL, MariaDB and MySQL; this Sequelize instance uses ${dialect}.`,
  );
}

/** The info of `model`, checked to be a Sequelize model class of the manager's instance. */
export function infoOf(model: unknown, sequelize: Sequelize): ModelInfo {
  if (
    typeof model !== 'function' ||
    typeof (model as { getAttributes?: unknown }).getAttributes !== 'function'
  ) {
    throw new EntityError(
      'INVALID_ARGUMENT',
      `Expected a Sequelize model class (initialised with Model.init or sequelize.define), got ${describe(model)}.`,
    );
  }
  const typed = model as ModelStatic<Model>;
  const cached = infos.get(model);
  // A model class can be initialised again (on another instance, with other attributes).
  if (
    cached !== undefined &&
    cached.sequelize === sequelize &&
    typed.sequelize === sequelize &&
    cached.attributesObject === typed.getAttributes()
  ) {
    return cached.info;
  }
  if (typed.sequelize !== sequelize) {
    throw new EntityError(
      'INVALID_ARGUMENT',
      `Model ${typed.name} belongs to another Sequelize instance than this EntityManager's.`,
    );
  }
  const info = buildInfo(typed, sequelize);
  infos.set(model, { info, sequelize, attributesObject: typed.getAttributes() });
  return info;
}

function buildInfo(model: ModelStatic<Model>, sequelize: Sequelize): ModelInfo {
  const generator = generatorOf(sequelize);
  const table = generator.quoteTable(model.getTableName());
  const attributes = new Map<string, AttributeInfo>();
  for (const [name, definition] of Object.entries(model.getAttributes())) {
    const typeKey = String((definition.type as { key?: string }).key ?? '');
    if (typeKey === 'VIRTUAL') continue;
    const field = generator.quoteIdentifier(definition.field ?? name);
    attributes.set(name, { name, column: `${table}.${field}`, field, typeKey, definition });
  }
  // Sequelize soft-deletes only with timestamps on; its own record of the attribute says so.
  const deletedAt =
    (model.options as { paranoid?: boolean }).paranoid === true
      ? (model as unknown as { _timestampAttributes?: { deletedAt?: string } })._timestampAttributes
          ?.deletedAt
      : undefined;
  return {
    model,
    name: model.name,
    table,
    attributes,
    attributeNames: [...attributes.keys()],
    primaryKeys: [...model.primaryKeyAttributes],
    deletedAt,
    dialect: dialectOf(sequelize),
  };
}

/** The attribute `name` of the model, or an error listing the valid ones. */
export function attributeOf(info: ModelInfo, name: string, where: string): AttributeInfo {
  const attribute = info.attributes.get(name);
  if (attribute !== undefined) return attribute;
  throw new EntityError(
    'INVALID_FILTER',
    `${where}: ${info.name} has no field ${JSON.stringify(name)}; its fields are ${info.attributeNames.join(', ')}.`,
  );
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a Date';
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'no prototype'})`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}
