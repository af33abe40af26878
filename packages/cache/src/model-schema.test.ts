import {
  type BuildOptions,
  type DataType,
  DataTypes,
  Model,
  type ModelAttributeColumnOptions,
  type ModelAttributes,
  type ModelStatic,
} from 'sequelize';
import { describe, expect, it } from 'vitest';
import { caught, expectCode } from '../test/cache-errors.js';
import { sequelizeForBuilding } from '../test/sequelize.js';
import {
  type Identifier,
  identifierOf,
  idOf,
  instanceFrom,
  type ModelSchema,
  schemaOf,
  valuesOf,
} from './model-schema.js';

const sequelize = sequelizeForBuilding();

type Attributes = ModelAttributes<Model, Record<string, unknown>>;

const BASE: Attributes = {
  id: { type: DataTypes.INTEGER, primaryKey: true },
  name: { type: DataTypes.STRING(40), allowNull: false },
  email: { type: DataTypes.STRING },
};

/** A new model class named `name` on its own table, as a separate definition would make it. */
function define(
  attributes: Attributes,
  options: { name?: string; tableName?: string; schema?: string } = {},
): ModelStatic<Model> {
  const name = options.name ?? 'Person';
  // A computed key names the class, as `class Person extends Model {}` would.
  const model = { [name]: class extends Model {} }[name];
  if (model === undefined) throw new Error('unreachable');
  model.init(attributes, {
    sequelize,
    modelName: name,
    tableName: options.tableName ?? 'people',
    timestamps: false,
    ...(options.schema === undefined ? {} : { schema: options.schema }),
  });
  return model;
}

function fingerprintOf(attributes: Attributes, options?: { name?: string }): string {
  return Buffer.from(schemaOf(define(attributes, options)).fingerprint).toString('hex');
}

function column(type: DataType, extra: Partial<ModelAttributeColumnOptions> = {}) {
  return { type, ...extra };
}

describe('schemaOf', () => {
  it('lists the attributes in definition order and the primary key', () => {
    const schema = schemaOf(define(BASE));
    expect(schema.attributes).toEqual(['id', 'name', 'email']);
    expect(schema.primaryKeys).toEqual(['id']);
    expect(schema.keyName).toBe('people');
    expect(schema.fingerprint).toBeInstanceOf(Uint8Array);
    expect(schema.fingerprint).toHaveLength(8);
  });

  it('computes a schema once per model class', () => {
    const model = define(BASE);
    expect(schemaOf(model)).toBe(schemaOf(model));
  });

  it('includes the timestamp attributes Sequelize adds', () => {
    const model = { Stamped: class extends Model {} }.Stamped;
    model.init({ id: { type: DataTypes.INTEGER, primaryKey: true } }, { sequelize });
    expect(schemaOf(model).attributes).toEqual(['id', 'createdAt', 'updatedAt']);
  });

  it('leaves VIRTUAL attributes out of the attributes and of the fingerprint', () => {
    const plain = fingerprintOf(BASE);
    const withVirtual = define({ ...BASE, label: { type: DataTypes.VIRTUAL } });
    expect(schemaOf(withVirtual).attributes).toEqual(['id', 'name', 'email']);
    expect(Buffer.from(schemaOf(withVirtual).fingerprint).toString('hex')).toBe(plain);
  });

  it('marks JSON and JSONB attributes (and only them) as JSON-coded', () => {
    const schema = schemaOf(
      define({
        id: { type: DataTypes.INTEGER, primaryKey: true },
        doc: { type: DataTypes.JSON },
        docb: { type: DataTypes.JSONB },
        text: { type: DataTypes.TEXT },
        tags: { type: DataTypes.ARRAY(DataTypes.STRING) },
        blob: { type: DataTypes.BLOB },
      }),
    );
    expect(schema.attributes).toEqual(['id', 'doc', 'docb', 'text', 'tags', 'blob']);
    expect(schema.jsonCoded).toEqual([false, true, true, false, false, false]);
  });

  it('URI-encodes the table name, so a table name cannot forge key separators', () => {
    expect(schemaOf(define(BASE, { tableName: 'a:b c/d' })).keyName).toBe('a%3Ab%20c%2Fd');
    // Schema-qualified (as the dialect quotes it), so two schemas' tables never share keys.
    const qualified = schemaOf(define(BASE, { tableName: 'people', schema: 'app' })).keyName;
    expect(qualified).toMatch(/app.*people/);
    expect(qualified).not.toBe(schemaOf(define(BASE, { tableName: 'people' })).keyName);
    expect(qualified).not.toMatch(/[:\s]/);
  });

  it('refuses a model without a primary key', () => {
    const model = { Keyless: class extends Model {} }.Keyless;
    model.init({ name: DataTypes.STRING }, { sequelize, tableName: 'keyless', timestamps: false });
    model.removeAttribute('id');
    expect(model.primaryKeyAttributes).toEqual([]);
    expectCode(() => schemaOf(model), 'INVALID_ARGUMENT', 'Keyless', 'primary key');
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'User'],
    ['a plain object', { getAttributes: () => ({}) }],
    ['a plain function', () => {}],
    ['a class that is not a model', class NotAModel {}],
  ])('refuses %s as a model with INVALID_ARGUMENT', (_name, value) => {
    expectCode(() => schemaOf(value), 'INVALID_ARGUMENT', 'Sequelize model');
  });
});

describe('fingerprint', () => {
  it('is the same for the same definition made twice', () => {
    expect(fingerprintOf(BASE)).toBe(fingerprintOf({ ...BASE }));
  });

  it.each<[string, Attributes]>([
    ['an attribute is added', { ...BASE, age: column(DataTypes.INTEGER) }],
    [
      'an attribute is renamed',
      {
        id: BASE.id as ModelAttributeColumnOptions,
        fullName: column(DataTypes.STRING(40), { allowNull: false }),
        email: column(DataTypes.STRING),
      },
    ],
    ['an attribute is retyped', { ...BASE, email: column(DataTypes.TEXT) }],
    ['a length changes', { ...BASE, name: column(DataTypes.STRING(41), { allowNull: false }) }],
    ['a column is renamed', { ...BASE, email: column(DataTypes.STRING, { field: 'e_mail' }) }],
    ['allowNull changes', { ...BASE, email: column(DataTypes.STRING, { allowNull: false }) }],
    [
      'the primary key changes',
      {
        id: column(DataTypes.INTEGER),
        name: column(DataTypes.STRING(40), { allowNull: false, primaryKey: true }),
        email: column(DataTypes.STRING),
      },
    ],
    [
      'the attribute order changes',
      {
        id: BASE.id as ModelAttributeColumnOptions,
        email: column(DataTypes.STRING),
        name: column(DataTypes.STRING(40), { allowNull: false }),
      },
    ],
  ])('changes when %s', (_name, attributes) => {
    expect(fingerprintOf(attributes)).not.toBe(fingerprintOf(BASE));
  });

  it('changes when the values of an ENUM change (its printed type is only "ENUM")', () => {
    const mood = (...values: string[]) => ({ ...BASE, mood: column(DataTypes.ENUM(...values)) });
    expect(fingerprintOf(mood('happy', 'sad'))).toBe(fingerprintOf(mood('happy', 'sad')));
    expect(fingerprintOf(mood('happy', 'sad', 'calm'))).not.toBe(
      fingerprintOf(mood('happy', 'sad')),
    );
  });

  it('changes with the table name and the model name', () => {
    const base = fingerprintOf(BASE);
    expect(
      Buffer.from(schemaOf(define(BASE, { tableName: 'folks' })).fingerprint).toString('hex'),
    ).not.toBe(base);
    expect(fingerprintOf(BASE, { name: 'Human' })).not.toBe(base);
  });
});

describe('idOf', () => {
  const single = schemaOf(define(BASE));
  const composite = schemaOf(
    define(
      {
        tenant: { type: DataTypes.STRING, primaryKey: true },
        number: { type: DataTypes.INTEGER, primaryKey: true },
        note: { type: DataTypes.STRING },
      },
      { name: 'Invoice', tableName: 'invoices' },
    ),
  );

  it('writes scalar ids as text', () => {
    const text = schemaOf(
      define(
        { code: { type: DataTypes.STRING, primaryKey: true } },
        { name: 'Coded', tableName: 'coded' },
      ),
    );
    expect(idOf(single, 1)).toBe('1');
    expect(idOf(text, 'abc')).toBe('abc');
    expect(idOf(text, ' Abc ')).toBe(' Abc ');
    expect(idOf(single, 12345678901234567890n)).toBe('12345678901234567890');
    expect(idOf(text, new Date('2024-01-02T03:04:05.006Z') as unknown as Identifier)).toBe(
      '2024-01-02T03:04:05.006Z',
    );
    expect(idOf(text, Buffer.from([0, 171, 255]) as unknown as Identifier)).toBe('0x00abff');
  });

  it('gives every spelling of one integer key one key, and refuses what is not an integer', () => {
    for (const spelling of [7, '7', '07', ' 7 ', '+7', 7n])
      expect(idOf(single, spelling)).toBe('7');
    expect(idOf(single, '-0012')).toBe('-12');
    for (const bad of ['abc', '7.5', 7.5, '', '1e3']) {
      expectCode(() => idOf(single, bad), 'INVALID_ARGUMENT', 'integer');
    }
  });

  it('gives every case of a UUID key one key', () => {
    const uuid = schemaOf(
      define(
        { id: { type: DataTypes.UUID, primaryKey: true } },
        { name: 'Tokened', tableName: 'tokened' },
      ),
    );
    expect(idOf(uuid, 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toBe(
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    );
  });

  it('gives 1, "1" and 1n the same key', () => {
    expect(idOf(single, '1')).toBe(idOf(single, 1));
    expect(idOf(single, 1n)).toBe(idOf(single, 1));
  });

  it('accepts an object with the single key attribute', () => {
    expect(idOf(single, { id: 7 })).toBe('7');
  });

  it('writes a composite id as a JSON array in key order, whatever the object order', () => {
    const key = idOf(composite, { tenant: 'acme', number: 12 });
    expect(key).toBe('["acme","12"]');
    expect(idOf(composite, { number: 12, tenant: 'acme' })).toBe(key);
    expect(idOf(composite, { number: '12', tenant: 'acme', extra: 1 })).toBe(key);
    expect(JSON.parse(key)).toEqual(['acme', '12']);
  });

  it('keeps composite parts apart even when they contain separators', () => {
    const first = idOf(composite, { tenant: 'a","1', number: 1 });
    const second = idOf(composite, { tenant: 'a', number: 1 });
    const third = idOf(composite, { tenant: 'a:1', number: 1 });
    expect(new Set([first, second, third]).size).toBe(3);
  });

  it('refuses a composite id with a part missing, naming it', () => {
    expectCode(() => idOf(composite, { tenant: 'acme' }), 'INVALID_ARGUMENT', 'number');
    expectCode(
      () => idOf(composite, { tenant: 'acme', number: null }),
      'INVALID_ARGUMENT',
      'number',
    );
  });

  it('refuses a scalar for a composite key', () => {
    expectCode(() => idOf(composite, 12), 'INVALID_ARGUMENT', 'composite', 'tenant, number');
    expectCode(() => idOf(composite, 'acme'), 'INVALID_ARGUMENT', 'composite');
  });

  it('refuses a null or undefined id', () => {
    expectCode(() => idOf(single, null as unknown as Identifier), 'INVALID_ARGUMENT');
    expectCode(() => idOf(single, undefined as unknown as Identifier), 'INVALID_ARGUMENT');
    expectCode(() => idOf(single, {}), 'INVALID_ARGUMENT', 'id');
  });

  it('refuses objects, functions, booleans and symbols as id parts', () => {
    expectCode(() => idOf(single, { id: { nested: 1 } }), 'INVALID_ARGUMENT', 'primary key');
    expectCode(() => idOf(single, { id: [1] }), 'INVALID_ARGUMENT');
    expectCode(() => idOf(single, (() => 1) as unknown as Identifier), 'INVALID_ARGUMENT');
    expectCode(() => idOf(single, true as unknown as Identifier), 'INVALID_ARGUMENT');
    expectCode(() => idOf(single, Symbol('s') as unknown as Identifier), 'INVALID_ARGUMENT');
    expectCode(
      () => idOf(composite, { tenant: 'acme', number: () => 1 }),
      'INVALID_ARGUMENT',
      'function',
    );
  });
});

describe('identifierOf', () => {
  it('reads the key attributes of an instance', () => {
    const model = define(BASE);
    const instance = model.build(
      { id: 3, name: 'a', email: null },
      { isNewRecord: false, raw: true },
    );
    expect(identifierOf(schemaOf(model), instance)).toEqual({ id: 3 });
  });

  it('refuses an instance without a primary key value', () => {
    const model = define(BASE);
    const instance = model.build({ name: 'a', email: null }, { isNewRecord: false, raw: true });
    expectCode(() => identifierOf(schemaOf(model), instance), 'INVALID_ENTITY', 'id');
  });
});

describe('valuesOf', () => {
  const model = define({
    ...BASE,
    born: { type: DataTypes.DATE },
    doc: { type: DataTypes.JSONB },
    label: { type: DataTypes.VIRTUAL },
  });
  const schema = schemaOf(model);
  const row = () => ({
    id: 1,
    name: 'Ann',
    email: null,
    born: new Date('2000-01-01T00:00:00Z'),
    doc: { a: [1, 2] },
  });

  it('gives the values in attribute order, JSON-coded attributes as JSON text', () => {
    const instance = model.build(row(), { isNewRecord: false, raw: true });
    expect(valuesOf(schema, instance)).toEqual([
      1,
      'Ann',
      null,
      new Date('2000-01-01T00:00:00Z'),
      '{"a":[1,2]}',
    ]);
  });

  it('keeps a null JSON value as null, not as the text "null"', () => {
    const instance = model.build({ ...row(), doc: null }, { isNewRecord: false, raw: true });
    expect(valuesOf(schema, instance)[4]).toBeNull();
  });

  it('refuses an unsaved instance', () => {
    const instance = model.build(row());
    expect(instance.isNewRecord).toBe(true);
    expectCode(() => valuesOf(schema, instance), 'INVALID_ENTITY', 'isNewRecord');
  });

  it('refuses an instance built from some attributes only, naming the missing ones', () => {
    // As findByPk(1, { attributes: ['id', 'name', 'born'] }) builds it.
    const instance = model.build({ id: 1, name: 'Ann', born: null }, {
      isNewRecord: false,
      raw: true,
      attributes: ['id', 'name', 'born'],
    } as BuildOptions);
    const error = caught(() => valuesOf(schema, instance));
    expect(error.code).toBe('INVALID_ENTITY');
    expect(error.message).toContain('email, doc');
    expect(error.message).not.toContain('born');
  });

  it('refuses an instance that lost an attribute', () => {
    const instance = model.build(row(), { isNewRecord: false, raw: true });
    delete (instance.dataValues as Record<string, unknown>).born;
    expectCode(() => valuesOf(schema, instance), 'INVALID_ENTITY', 'born');
  });

  it('accepts undefined values of attributes that are present', () => {
    const instance = model.build({ ...row(), email: undefined }, { isNewRecord: false, raw: true });
    expect(valuesOf(schema, instance)[2]).toBeUndefined();
  });
});

describe('instanceFrom', () => {
  const model = define({
    id: { type: DataTypes.INTEGER, primaryKey: true },
    born: { type: DataTypes.DATE },
    blob: { type: DataTypes.BLOB },
    tags: { type: DataTypes.ARRAY(DataTypes.STRING) },
    doc: { type: DataTypes.JSONB },
    meta: { type: DataTypes.JSON },
  });
  const schema: ModelSchema = schemaOf(model);

  function source(): unknown[] {
    return [
      5,
      new Date('2001-02-03T04:05:06.007Z'),
      Buffer.from([1, 2, 3]),
      ['a', 'b'],
      '{"x":{"y":[1]}}',
      null,
    ];
  }

  it('gives, on every call, the state Model.build gives for a loaded row (DATE and BOOLEAN attributes)', () => {
    const flagged = define(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true },
        born: { type: DataTypes.DATE },
        active: { type: DataTypes.BOOLEAN },
        name: { type: DataTypes.STRING },
      },
      { name: 'Flagged', tableName: 'flagged' },
    );
    const flaggedSchema = schemaOf(flagged);
    const values = () => [7, new Date('2020-01-01T00:00:00.000Z'), true, 'n'];
    const state = (instance: Model) => {
      const internals = instance as unknown as { _previousDataValues: unknown };
      return {
        dataValues: instance.dataValues,
        previous: internals._previousDataValues,
        changed: instance.changed(),
        isNewRecord: instance.isNewRecord,
        keys: Object.keys(instance).sort(),
      };
    };
    const expected = state(
      flagged.build(
        { id: 7, born: new Date('2020-01-01T00:00:00.000Z'), active: true, name: 'n' },
        { isNewRecord: false, raw: true },
      ),
    );
    for (let call = 0; call < 3; call++) {
      const instance = instanceFrom<Model>(flaggedSchema, values(), true);
      expect(state(instance)).toStrictEqual(expected);
      instance.set('name', 'changed');
      expect(instance.changed()).toEqual(['name']);
      expect(instance.previous('name')).toBe('n');
    }
  });

  it('keeps using the full build for a model whose instances the shortcut would alter', () => {
    const base = define(
      { id: { type: DataTypes.INTEGER, primaryKey: true }, born: { type: DataTypes.DATE } },
      { name: 'Stamped', tableName: 'stamped' },
    );
    // A constructor that adds to dataValues: assigning dataValues afterwards would lose it.
    class Stamped extends (base as unknown as typeof Model) {
      constructor(...args: ConstructorParameters<typeof Model>) {
        super(...args);
        (this.dataValues as Record<string, unknown>).stamp = 'built';
      }
    }
    const stampedSchema = schemaOf(Stamped as unknown as ModelStatic<Model>);
    for (let call = 0; call < 3; call++) {
      const instance = instanceFrom<Model>(stampedSchema, [1, new Date(0)], false);
      expect((instance.dataValues as Record<string, unknown>).stamp).toBe('built');
    }
  });

  it('builds a loaded, unchanged instance of the model', () => {
    const instance = instanceFrom<Model>(schema, source(), false);
    expect(instance).toBeInstanceOf(model);
    expect(instance.isNewRecord).toBe(false);
    expect(instance.changed()).toBe(false);
    expect(instance.get('id')).toBe(5);
    expect(instance.get('doc')).toEqual({ x: { y: [1] } });
    expect(instance.get('meta')).toBeNull();
  });

  it('copies Dates, Buffers and arrays when copy is set', () => {
    const values = source();
    const instance = instanceFrom<Model>(schema, values, true);
    const born = instance.get('born') as Date;
    const blob = instance.get('blob') as Buffer;
    const tags = instance.get('tags') as string[];
    expect(born).not.toBe(values[1]);
    expect(born).toBeInstanceOf(Date);
    expect(born.getTime()).toBe((values[1] as Date).getTime());
    expect(blob).not.toBe(values[2]);
    expect(Buffer.isBuffer(blob)).toBe(true);
    expect([...blob]).toEqual([1, 2, 3]);
    expect(tags).not.toBe(values[3]);
    expect(tags).toEqual(['a', 'b']);
    born.setTime(0);
    blob.fill(0);
    tags.push('c');
    expect((values[1] as Date).getTime()).not.toBe(0);
    expect([...(values[2] as Buffer)]).toEqual([1, 2, 3]);
    expect(values[3]).toEqual(['a', 'b']);
  });

  it('gives two instances built with copy no shared state', () => {
    const values = source();
    const first = instanceFrom<Model>(schema, values, true);
    const second = instanceFrom<Model>(schema, values, true);
    (first.get('tags') as string[]).push('z');
    (first.get('doc') as { x: { y: number[] } }).x.y.push(2);
    expect(second.get('tags')).toEqual(['a', 'b']);
    expect(second.get('doc')).toEqual({ x: { y: [1] } });
  });

  it('round-trips JSON values with own "__proto__" keys as own data', () => {
    const doc = JSON.parse('{"__proto__":{"polluted":true},"ok":1}') as Record<string, unknown>;
    expect(Object.hasOwn(doc, '__proto__')).toBe(true);
    const instance = model.build(
      { id: 1, born: null, blob: null, tags: null, doc, meta: JSON.parse('[{"__proto__":1}]') },
      { isNewRecord: false, raw: true },
    );
    for (const copy of [false, true]) {
      const rebuilt = instanceFrom<Model>(schema, valuesOf(schema, instance), copy);
      const back = rebuilt.get('doc') as Record<string, unknown>;
      expect(Object.hasOwn(back, '__proto__')).toBe(true);
      expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toEqual({ polluted: true });
      expect((back as { polluted?: unknown }).polluted).toBeUndefined();
      expect(back.ok).toBe(1);
      const meta = rebuilt.get('meta') as Record<string, unknown>[];
      expect(Object.hasOwn(meta[0] as object, '__proto__')).toBe(true);
    }
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('round-trips JSON scalars: a JSON string stays a string', () => {
    const instance = model.build(
      { id: 1, born: null, blob: null, tags: null, doc: 'text', meta: 42 },
      { isNewRecord: false, raw: true },
    );
    const rebuilt = instanceFrom<Model>(schema, valuesOf(schema, instance), true);
    expect(rebuilt.get('doc')).toBe('text');
    expect(rebuilt.get('meta')).toBe(42);
  });
});
