import { serviceUrls } from '@x/test-services';
import { Sequelize } from 'sequelize';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type Account,
  defineAccount,
  definePairRow,
  type TestDialect,
} from '../test/uow-models.js';
import { EntityError, type EntityErrorCode, EntityManager } from './index.js';

/*
 * Argument and option checks: each must refuse before any SQL. The Sequelize instances below
 * never connect; their query() and transaction() fail the test when called.
 */

const instances: Sequelize[] = [];
function sequelizeOf(dialect: TestDialect): Sequelize {
  const sequelize = new Sequelize(serviceUrls()[dialect], { logging: false });
  instances.push(sequelize);
  return sequelize;
}

afterAll(async () => {
  for (const sequelize of instances) await sequelize.close();
});

function expectCode(action: () => unknown, code: EntityErrorCode, message?: RegExp): void {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(EntityError.is(thrown), `expected EntityError ${code}, got ${String(thrown)}`).toBe(true);
  expect((thrown as EntityError).code).toBe(code);
  if (message !== undefined) expect((thrown as EntityError).message).toMatch(message);
}

async function expectRejection(
  promise: Promise<unknown>,
  code: EntityErrorCode,
  message?: RegExp,
): Promise<void> {
  const thrown = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(EntityError.is(thrown), `expected EntityError ${code}, got ${String(thrown)}`).toBe(true);
  expect((thrown as EntityError).code).toBe(code);
  if (message !== undefined) expect((thrown as EntityError).message).toMatch(message);
}

describe('new EntityManager(sequelize, options)', () => {
  const sequelize = sequelizeOf('postgres');

  it('accepts PostgreSQL and MariaDB instances, with or without a batchSize', () => {
    expect(new EntityManager(sequelize)).toBeInstanceOf(EntityManager);
    expect(new EntityManager(sequelizeOf('mariadb'), { batchSize: 1 }).pending).toBe(0);
    expect(new EntityManager(sequelize, { batchSize: 50_000 }).inTransaction).toBe(false);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a URL', serviceUrls().postgres],
    ['a plain object', {}],
    ['the Sequelize class', Sequelize],
    [
      'an object whose transaction is not a function',
      { transaction: true, getDialect: () => 'postgres' },
    ],
  ])('refuses %s in place of a Sequelize instance', (_, value) => {
    expectCode(
      () => new EntityManager(value as never),
      'INVALID_ARGUMENT',
      /needs a Sequelize instance/,
    );
  });

  it.each(['sqlite', 'mssql', 'db2'])('refuses a Sequelize instance on %s', (dialect) => {
    // Constructing a real one would need that dialect's driver: the manager asks only this much.
    const lookalike = { transaction: async () => undefined, getDialect: () => dialect };
    expectCode(
      () => new EntityManager(lookalike as never),
      'INVALID_ARGUMENT',
      new RegExp(`supports PostgreSQL, MariaDB and MySQL.*${dialect}`),
    );
  });

  it('refuses unknown options, naming them', () => {
    expectCode(
      () => new EntityManager(sequelize, { batchsize: 10 } as never),
      'INVALID_ARGUMENT',
      /batchsize/,
    );
    expectCode(
      () => new EntityManager(sequelize, { batchSize: 10, commit: true } as never),
      'INVALID_ARGUMENT',
      /commit/,
    );
  });

  it.each([
    ['0', 0],
    ['a negative number', -1],
    ['a fraction', 2.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['an unsafe integer', 2 ** 53],
    ['a numeric string', '100'],
  ])('refuses a batchSize of %s', (_, batchSize) => {
    expectCode(
      () => new EntityManager(sequelize, { batchSize: batchSize as number }),
      'INVALID_ARGUMENT',
      /batchSize must be a positive whole number/,
    );
  });

  it.each([
    ['null', null],
    ['a number', 5],
    ['a string', 'fast'],
  ])('refuses options that are %s, as write options are refused', (_, options) => {
    expectCode(() => new EntityManager(sequelize, options as never), 'INVALID_ARGUMENT');
  });
});

describe.each(['postgres', 'mariadb'] as const)('checks on %s before any query', (dialect) => {
  const sequelize = sequelizeOf(dialect);
  const AccountModel = defineAccount(sequelize, 'accounts');
  const PairModel = definePairRow(sequelize, 'pair_rows');
  /** Another instance of the same dialect, with its own models. */
  const foreign = sequelizeOf(dialect);
  const ForeignAccount = defineAccount(foreign, 'accounts');
  const ForeignPair = definePairRow(foreign, 'pair_rows');
  let em: EntityManager;

  const loaded = (): Account =>
    AccountModel.build(
      { id: 7, name: 'alice', balance: 1, amount: '0.00' },
      { isNewRecord: false },
    );
  const fresh = (): Account => AccountModel.build({ name: 'bob', balance: 2 });

  beforeEach(() => {
    for (const instance of [sequelize, foreign]) {
      vi.spyOn(instance, 'query').mockImplementation((() =>
        Promise.reject(new Error('no query expected'))) as never);
      vi.spyOn(instance, 'transaction').mockImplementation((() =>
        Promise.reject(new Error('no transaction expected'))) as never);
    }
    em = new EntityManager(sequelize);
  });

  afterEach(() => {
    const calls = [sequelize, foreign].flatMap((instance) => [
      vi.mocked(instance.query).mock.calls.length,
      vi.mocked(instance.transaction).mock.calls.length,
    ]);
    vi.restoreAllMocks();
    expect(calls, 'query() and transaction() calls').toEqual([0, 0, 0, 0]);
    expect(em.pending, 'writes queued by a refused call').toBe(0);
    expect(em.inTransaction).toBe(false);
  });

  describe('instances given to writes', () => {
    it('insert refuses a loaded instance (use update)', async () => {
      await expectRejection(em.insert(loaded()), 'INVALID_ARGUMENT', /new instance.*use update/);
      await expectRejection(em.insert(loaded(), { flush: false }), 'INVALID_ARGUMENT');
    });

    it('update and delete refuse a new instance (use insert)', async () => {
      await expectRejection(em.update(fresh()), 'INVALID_ARGUMENT', /is new: use insert/);
      await expectRejection(em.update(fresh(), { flush: false }), 'INVALID_ARGUMENT');
      await expectRejection(em.delete(fresh()), 'INVALID_ARGUMENT', /is new: use insert/);
      await expectRejection(em.delete(fresh(), { flush: false }), 'INVALID_ARGUMENT');
    });

    it.each([
      ['null', null],
      ['a plain object', { name: 'alice' }],
      ['a model class', AccountModel],
      ['a string', 'alice'],
    ])('insert, update and delete refuse %s', async (_, value) => {
      await expectRejection(em.insert(value as never), 'INVALID_ARGUMENT', /model instance/);
      await expectRejection(em.update(value as never), 'INVALID_ARGUMENT', /model instance/);
      await expectRejection(em.delete(value as never), 'INVALID_ARGUMENT', /model instance/);
    });
  });

  describe('write options', () => {
    const bad: [string, unknown][] = [
      ['null', null],
      ['a string', 'now'],
      ['a non-boolean flush', { flush: 'yes' }],
      ['a non-boolean commit', { commit: 1 }],
      ['a misspelt option', { flsuh: false }],
      ['an unknown option beside valid ones', { flush: false, commit: false, retries: 3 }],
    ];

    it.each(bad)('insert, update, delete and deleteAll refuse %s', async (_, options) => {
      await expectRejection(em.insert(fresh(), options as never), 'INVALID_ARGUMENT');
      await expectRejection(em.update(loaded(), options as never), 'INVALID_ARGUMENT');
      await expectRejection(em.delete(loaded(), options as never), 'INVALID_ARGUMENT');
      await expectRejection(
        em.deleteAll(AccountModel, { name: 'x' }, options as never),
        'INVALID_ARGUMENT',
      );
    });

    it('the message names the unknown option', async () => {
      await expectRejection(
        em.insert(fresh(), { flush: false, retries: 3 } as never),
        'INVALID_ARGUMENT',
        /retries.*flush and commit/,
      );
    });
  });

  describe('select by primary key', () => {
    it('refuses a composite key with a part missing or null, naming it', async () => {
      await expectRejection(
        em.select(PairModel, { tenantId: 1 }),
        'INVALID_ARGUMENT',
        /tenantId, itemId; itemId is missing/,
      );
      await expectRejection(
        em.select(PairModel, { itemId: 1, tenantId: null }),
        'INVALID_ARGUMENT',
        /tenantId is missing/,
      );
      await expectRejection(em.select(PairModel, {}), 'INVALID_ARGUMENT');
    });

    it('refuses a single value for a composite key', async () => {
      await expectRejection(em.select(PairModel, 1), 'INVALID_ARGUMENT', /composite/);
    });

    it('refuses a null or undefined id', async () => {
      await expectRejection(em.select(AccountModel, null as never), 'INVALID_ARGUMENT');
      await expectRejection(em.select(AccountModel, undefined as never), 'INVALID_ARGUMENT');
    });
  });

  describe('selectRows arguments', () => {
    it.each([
      ['empty SQL', ''],
      ['blank SQL', '  \n '],
      ['a number', 5],
    ])('refuses %s', async (_, sql) => {
      await expectRejection(em.selectRows(sql as never), 'INVALID_ARGUMENT', /SQL text/);
    });

    it('refuses binds that are neither an array nor an object', async () => {
      await expectRejection(
        em.selectRows('SELECT 1', 'x' as never),
        'INVALID_ARGUMENT',
        /array or an object/,
      );
      await expectRejection(em.selectRows('SELECT 1', null as never), 'INVALID_ARGUMENT');
    });
  });

  describe('models and instances of another Sequelize instance', () => {
    it('every read refuses a model of another Sequelize instance', async () => {
      await expectRejection(em.selectAll(ForeignAccount), 'INVALID_ARGUMENT', /another Sequelize/);
      await expectRejection(em.selectBy(ForeignAccount, { name: 'a' }), 'INVALID_ARGUMENT');
      await expectRejection(em.select(ForeignPair, { tenantId: 1, itemId: 1 }), 'INVALID_ARGUMENT');
      await expectRejection(em.exists(ForeignAccount), 'INVALID_ARGUMENT');
      await expectRejection(em.countAll(ForeignAccount), 'INVALID_ARGUMENT');
      await expectRejection(em.sumAll(ForeignAccount, 'balance'), 'INVALID_ARGUMENT');
      await expectRejection(em.deleteAll(ForeignAccount, {}, { commit: true }), 'INVALID_ARGUMENT');
      await expectRejection(em.deleteAll(ForeignAccount, {}, { flush: false }), 'INVALID_ARGUMENT');
      expectCode(() => em.subquery(ForeignAccount, 'id'), 'INVALID_ARGUMENT');
    });

    it('refuses it also after its own manager has used it', async () => {
      const OwnPair = definePairRow(foreign, 'pair_rows');
      new EntityManager(foreign).subquery(OwnPair, 'tenantId');
      expectCode(() => em.subquery(OwnPair, 'tenantId'), 'INVALID_ARGUMENT', /another Sequelize/);
      await expectRejection(em.countAll(OwnPair), 'INVALID_ARGUMENT', /another Sequelize/);
    });

    it('refuses a subquery on a model of another Sequelize instance', async () => {
      const OwnAccount = defineAccount(foreign, 'accounts');
      const ids = new EntityManager(foreign).subquery(OwnAccount, 'id', { name: 'alice' });
      await expectRejection(
        em.selectAll(AccountModel, { id__in: ids }),
        'INVALID_ARGUMENT',
        /another Sequelize/,
      );
    });

    it('writes refuse an instance of a model of another Sequelize instance', async () => {
      const stranger = ForeignAccount.build({ name: 'carol', balance: 3 });
      const loadedStranger = ForeignAccount.build(
        { id: 9, name: 'dave', balance: 4, amount: '0.00' },
        { isNewRecord: false },
      );
      await expectRejection(em.insert(stranger, { flush: false }), 'INVALID_ARGUMENT');
      await expectRejection(em.update(loadedStranger, { flush: false }), 'INVALID_ARGUMENT');
      await expectRejection(em.delete(loadedStranger, { flush: false }), 'INVALID_ARGUMENT');
    });

    it('refuses things that are not model classes', async () => {
      await expectRejection(em.selectAll({} as never), 'INVALID_ARGUMENT', /model class/);
      await expectRejection(em.countAll(loaded() as never), 'INVALID_ARGUMENT', /model class/);
    });
  });
});
