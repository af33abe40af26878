import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { type BuildOptions, Model, type ModelStatic } from 'sequelize';
import { CacheError } from './cache-error.js';

/** A primary key value, or for a composite key an object with every key attribute. */
export type Identifier = string | number | bigint | Readonly<Record<string, unknown>>;

/** What the cache knows of a model: its attributes in a fixed order and their fingerprint. */
export interface ModelSchema {
  readonly model: ModelStatic<Model>;
  /** The table (schema-qualified when the model has one), URI-encoded for use in keys. */
  readonly keyName: string;
  readonly attributes: readonly string[];
  /** For each attribute, whether its value is kept as JSON text (JSON, JSONB, HSTORE, GEO*). */
  readonly jsonCoded: readonly boolean[];
  readonly primaryKeys: readonly string[];
  /** The data type key (`INTEGER`, `UUID`, …) of each primary key attribute. */
  readonly primaryKeyTypes: readonly string[];
  /** 8 bytes of SHA-256 over the model name, table and every attribute's name, column and type. */
  readonly fingerprint: Uint8Array;
}

/**
 * Types whose values are plain JSON documents: they are stored as JSON text, which gives back
 * exactly what the driver's JSON parser gives (own `__proto__` keys included, which MessagePack
 * decoders rename).
 */
const JSON_TYPES = new Set(['JSON', 'JSONB', 'HSTORE', 'GEOMETRY', 'GEOGRAPHY']);

const schemas = new WeakMap<object, ModelSchema>();

/** The schema of `model`, computed once per model class. */
export function schemaOf(model: unknown): ModelSchema {
  if (
    typeof model !== 'function' ||
    typeof (model as { getAttributes?: unknown }).getAttributes !== 'function'
  ) {
    throw new CacheError(
      'INVALID_ARGUMENT',
      `Expected a Sequelize model class (initialised with Model.init or sequelize.define), got ${describe(model)}.`,
    );
  }
  const cached = schemas.get(model);
  if (cached !== undefined) return cached;
  const schema = buildSchema(model as ModelStatic<Model>);
  schemas.set(model, schema);
  return schema;
}

function buildSchema(model: ModelStatic<Model>): ModelSchema {
  const attributes: string[] = [];
  const jsonCoded: boolean[] = [];
  const hash = createHash('sha256');
  const table = String(model.getTableName());
  hash.update(`x/cache model\0${model.name}\0${table}\0`);
  for (const [name, attribute] of Object.entries(model.getAttributes())) {
    const type = attribute.type as { key?: string; toString?: () => string };
    const typeKey = String(type.key ?? '');
    if (typeKey === 'VIRTUAL') continue; // computed, never loaded from the database
    attributes.push(name);
    jsonCoded.push(JSON_TYPES.has(typeKey));
    hash.update(
      `${name}\0${attribute.field ?? name}\0${typeText(type)}\0${attribute.allowNull === false ? 'notnull' : 'null'}\0`,
    );
  }
  const primaryKeys = [...model.primaryKeyAttributes];
  if (primaryKeys.length === 0) {
    throw new CacheError(
      'INVALID_ARGUMENT',
      `Model ${model.name} has no primary key; the cache keys instances by it.`,
    );
  }
  hash.update(`pk\0${primaryKeys.join('\0')}`);
  return {
    model,
    keyName: encodeURIComponent(table),
    attributes,
    jsonCoded,
    primaryKeys,
    primaryKeyTypes: primaryKeys.map((name) =>
      String((model.getAttributes()[name]?.type as { key?: string } | undefined)?.key ?? ''),
    ),
    fingerprint: new Uint8Array(hash.digest().subarray(0, 8)),
  };
}

function typeText(type: { key?: string; toString?: () => string }): string {
  let text: string;
  try {
    text = String(type);
  } catch {
    // Some types print themselves only with a dialect at hand; their key is enough then.
    text = String(type.key);
  }
  // The printed form leaves out some options (an ENUM prints as 'ENUM'): add them.
  const { options, values } = type as { options?: unknown; values?: unknown };
  try {
    return `${text}\0${JSON.stringify(options) ?? ''}\0${JSON.stringify(values) ?? ''}`;
  } catch {
    return text;
  }
}

/** The key part that names one instance: its primary key value(s) as canonical text. */
export function idOf(schema: ModelSchema, id: Identifier): string {
  const { primaryKeys } = schema;
  if (typeof id === 'object' && id !== null && !Buffer.isBuffer(id) && !(id instanceof Date)) {
    const parts = primaryKeys.map((key) => {
      const value = (id as Record<string, unknown>)[key];
      if (value == null) {
        throw new CacheError(
          'INVALID_ARGUMENT',
          `The id of ${schema.model.name} needs ${primaryKeys.join(', ')}; ${key} is missing.`,
        );
      }
      return keyText(value, schema.primaryKeyTypes[primaryKeys.indexOf(key)] ?? '');
    });
    return primaryKeys.length === 1 ? (parts[0] as string) : JSON.stringify(parts);
  }
  if (primaryKeys.length > 1) {
    throw new CacheError(
      'INVALID_ARGUMENT',
      `${schema.model.name} has a composite primary key (${primaryKeys.join(', ')}); pass an object with each of them.`,
    );
  }
  if (id == null) {
    throw new CacheError('INVALID_ARGUMENT', `The id of ${schema.model.name} is ${String(id)}.`);
  }
  return keyText(id, schema.primaryKeyTypes[0] ?? '');
}

const INTEGER_KEYS = new Set(['INTEGER', 'BIGINT', 'SMALLINT', 'MEDIUMINT', 'TINYINT']);
const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/;

/**
 * A key value as canonical text, so that every spelling the database takes for one row names
 * one entry: `1`, `'1'`, `'01'`, `' 1'` and `1n` for an integer key, any case of a UUID.
 * Otherwise an entry cached under one spelling would survive a `delete` made under another.
 */
function keyText(value: unknown, typeKey: string): string {
  if (INTEGER_KEYS.has(typeKey)) {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value).toString();
    if (typeof value === 'string' && INTEGER_TEXT.test(value))
      return BigInt(value.trim()).toString();
    throw new CacheError(
      'INVALID_ARGUMENT',
      `An integer primary key cannot be ${describe(value)}.`,
    );
  }
  if (typeKey === 'UUID' && typeof value === 'string') return canonicalUuid(value);
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `0x${value.toString('hex')}`;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') {
    return String(value);
  }
  throw new CacheError('INVALID_ARGUMENT', `A primary key value cannot be ${describe(value)}.`);
}

/** A UUID as lower-case 8-4-4-4-12 text, whatever braces, hyphens and case it came with. */
function canonicalUuid(value: string): string {
  const digits = value
    .trim()
    .replace(/^\{(.*)\}$/, '$1')
    .replaceAll('-', '')
    .toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(digits)) {
    throw new CacheError('INVALID_ARGUMENT', `A UUID primary key cannot be ${describe(value)}.`);
  }
  return `${digits.slice(0, 8)}-${digits.slice(8, 12)}-${digits.slice(12, 16)}-${digits.slice(16, 20)}-${digits.slice(20)}`;
}

/** The attribute values of `entity` in schema order, checked to be complete and saved. */
export function valuesOf(schema: ModelSchema, entity: Model): unknown[] {
  if (entity.isNewRecord) {
    throw new CacheError(
      'INVALID_ENTITY',
      `This ${schema.model.name} is not saved yet (isNewRecord); cache instances that exist in the database.`,
    );
  }
  const changed = entity.changed();
  if (changed !== false) {
    throw new CacheError(
      'INVALID_ENTITY',
      `This ${schema.model.name} has unsaved changes (${changed.join(', ')}); save() it first. After a save, prefer delete(): the next load caches what the database holds.`,
    );
  }
  const data = entity.dataValues as Record<string, unknown>;
  const missing = schema.attributes.filter((name) => !(name in data));
  if (missing.length > 0) {
    throw new CacheError(
      'INVALID_ENTITY',
      `This ${schema.model.name} was loaded without ${missing.join(', ')}; only instances with every attribute are cached (a partial one would come back as if it were whole).`,
    );
  }
  return schema.attributes.map((name, index) => {
    const value = data[name];
    return schema.jsonCoded[index] && value != null ? JSON.stringify(value) : value;
  });
}

/** The primary key of `entity` as an identifier. */
export function identifierOf(schema: ModelSchema, entity: Model): Identifier {
  const data = entity.dataValues as Record<string, unknown>;
  const id: Record<string, unknown> = {};
  for (const key of schema.primaryKeys) {
    if (data[key] == null) {
      throw new CacheError(
        'INVALID_ENTITY',
        `This ${schema.model.name} has no value for its primary key ${key}.`,
      );
    }
    id[key] = data[key];
  }
  return id;
}

/**
 * A model instance from stored values, built as Sequelize builds a loaded row, so that it is
 * what `findByPk` returns. Mutable values (Date, Buffer, arrays, objects) are fresh copies when
 * `copy` is set, so instances never share state with each other or the local tier.
 */
export function instanceFrom<M extends Model>(
  schema: ModelSchema,
  values: readonly unknown[],
  copy: boolean,
): M {
  const data: Record<string, unknown> = {};
  const { attributes, jsonCoded } = schema;
  for (let index = 0; index < attributes.length; index++) {
    const value = values[index];
    data[attributes[index] as string] =
      jsonCoded[index] && typeof value === 'string'
        ? JSON.parse(value)
        : copy
          ? copyOf(value)
          : value;
  }
  return buildLoaded(schema, data) as M;
}

/** An instance from the data values of another (a loaded instance that is not cached), copied. */
export function rebuild<M extends Model>(
  schema: ModelSchema,
  data: Readonly<Record<string, unknown>>,
): M {
  const copy: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(data)) copy[name] = copyOf(value);
  const options: BuildOptions & { attributes: string[] } = {
    isNewRecord: false,
    raw: true,
    attributes: Object.keys(data),
  };
  return schema.model.build(copy, options) as M;
}

/** The build options of a loaded row, as `findAll` passes them (its attribute list included). */
const loadedOptions = new WeakMap<ModelSchema, BuildOptions & { attributes: string[] }>();

function optionsOf(schema: ModelSchema): BuildOptions & { attributes: string[] } {
  let options = loadedOptions.get(schema);
  if (options === undefined) {
    options = { isNewRecord: false, raw: true, attributes: [...schema.attributes] };
    loadedOptions.set(schema, options);
  }
  return options;
}

/** Internals of an instance that Sequelize's own fast path for raw rows sets. */
interface InstanceState {
  dataValues: Record<string, unknown>;
  _previousDataValues: Record<string, unknown>;
}

/** Per model: whether the fast build gives exactly what `build` gives (checked on first use). */
const fastBuild = new WeakMap<object, boolean>();

/**
 * `model.build(data, { isNewRecord: false, raw: true })`, as Sequelize builds a loaded row.
 * For raw values Sequelize takes a fast path (assign `dataValues`, copy it to
 * `_previousDataValues`) only when the model has no DATE or BOOLEAN attribute; otherwise it
 * sets each value through sanitizers that leave already-loaded values as they are. Taking the
 * fast path for every model makes a hit about three times cheaper to build; it is used only
 * after a first comparison against a full build of the same values found no difference.
 */
function buildLoaded(schema: ModelSchema, data: Record<string, unknown>): Model {
  const { model } = schema;
  const options = optionsOf(schema);
  const fast = fastBuild.get(model);
  if (fast === true) return buildFast(model, data, options);
  const full = model.build({ ...data }, options);
  if (fast === undefined) {
    // A constructor of the application's own could do anything with the values: never skip it.
    fastBuild.set(
      model,
      !hasOwnConstructor(model) &&
        Object.keys(full).every((key) => INSTANCE_KEYS.has(key)) &&
        sameState(full, buildFast(model, { ...data }, options)),
    );
  }
  return full;
}

function buildFast(
  model: ModelStatic<Model>,
  data: Record<string, unknown>,
  options: BuildOptions,
): Model {
  const instance = model.build({}, options);
  const state = instance as unknown as InstanceState;
  state.dataValues = data;
  state._previousDataValues = { ...data };
  return instance;
}

/**
 * The own properties Sequelize gives an instance; any other comes from the application's class
 * (a class field, say), whose initialiser may depend on the values: never skip it then.
 */
const INSTANCE_KEYS = new Set([
  'dataValues',
  '_previousDataValues',
  'uniqno',
  '_changed',
  '_options',
  'isNewRecord',
]);

/** Whether a class between `model` and Sequelize's Model declares a constructor. */
function hasOwnConstructor(model: ModelStatic<Model>): boolean {
  for (
    let current: unknown = model;
    typeof current === 'function' && current !== Model;
    current = Object.getPrototypeOf(current)
  ) {
    if (/\bconstructor\s*\(/.test(Function.prototype.toString.call(current))) return true;
  }
  return false;
}

function sameState(a: Model, b: Model): boolean {
  const left = a as unknown as InstanceState;
  const right = b as unknown as InstanceState;
  return (
    isDeepStrictEqual(left.dataValues, right.dataValues) &&
    isDeepStrictEqual(left._previousDataValues, right._previousDataValues) &&
    isDeepStrictEqual(a.changed(), b.changed()) &&
    a.isNewRecord === b.isNewRecord &&
    isDeepStrictEqual(Object.keys(a).sort(), Object.keys(b).sort())
  );
}

function copyOf(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return new Date(value.getTime());
  if (Buffer.isBuffer(value)) return Buffer.from(value);
  return structuredClone(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'no prototype'})`;
  return `${typeof value} ${String(value)}`;
}
