import { useTestDatabase } from '@x/test-services/vitest';
import {
  BaseError,
  ConnectionAcquireTimeoutError,
  QueryTypes,
  Sequelize,
  UniqueConstraintError,
} from 'sequelize';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Account, defineAccount, type TestDialect, within } from '../test/uow-models.js';
import { EntityError, type EntityErrorCode, EntityManager } from './index.js';

/** Long enough for any query here, short enough that a lock wait fails the test quickly. */
const NO_BLOCK_MS = 5_000;
const INITIAL: [string, number][] = [
  ['alice', 100],
  ['bob', 200],
  ['carol', 300],
];

/** The settled rejection of `promise` (or a failure when it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

function expectEntityError(error: unknown, code: EntityErrorCode): void {
  expect(EntityError.is(error), String(error)).toBe(true);
  expect((error as EntityError).code).toBe(code);
}

describe.each(['postgres', 'mariadb'] as const)('unit of work on %s', (dialect: TestDialect) => {
  const database = useTestDatabase(dialect, `entity-uow-${dialect}`);
  /** SQL the manager's Sequelize ran, with the connection id Sequelize prefixes it with. */
  const logged: string[] = [];
  let sequelize: Sequelize;
  /** A second Sequelize: its own connections, outside every transaction of the manager. */
  let observer: Sequelize;
  let AccountModel: typeof Account;

  beforeAll(async () => {
    sequelize = new Sequelize(database.url, {
      logging: (sql: string) => {
        logged.push(sql);
      },
    });
    observer = new Sequelize(database.url, { logging: false });
    AccountModel = defineAccount(sequelize, 'accounts');
    await AccountModel.sync({ force: true });
    await sequelize.query(
      'ALTER TABLE accounts ADD CONSTRAINT accounts_balance_check CHECK (balance >= 0)',
    );
    if (dialect === 'mariadb') {
      // Rolling back is only meaningful on a transactional engine.
      const [row] = await observer.query<{ engine: string }>(
        `SELECT ENGINE AS engine FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'accounts'`,
        { type: QueryTypes.SELECT },
      );
      expect(row?.engine).toBe('InnoDB');
    }
  });

  afterAll(async () => {
    await sequelize?.close();
    await observer?.close();
  });

  beforeEach(async () => {
    await observer.query(
      dialect === 'postgres' ? 'TRUNCATE accounts RESTART IDENTITY' : 'TRUNCATE TABLE accounts',
    );
    await AccountModel.bulkCreate(INITIAL.map(([name, balance]) => ({ name, balance })));
    logged.length = 0;
  });

  /** Every account as [name, balance], read outside the manager's transaction. */
  async function committed(): Promise<[string, number][]> {
    const rows = await within(
      observer.query<{ name: string; balance: number }>(
        'SELECT name, balance FROM accounts ORDER BY name',
        { type: QueryTypes.SELECT },
      ),
      NO_BLOCK_MS,
      'reading committed rows',
    );
    return rows.map((row) => [row.name, Number(row.balance)]);
  }

  /**
   * Fails when a transaction of the manager still holds alice's row: an open transaction keeps
   * its writes invisible too, so "nothing committed" alone does not show it was rolled back.
   */
  async function expectAliceUnlocked(): Promise<void> {
    await within(
      observer.query("UPDATE accounts SET balance = balance WHERE name = 'alice'"),
      NO_BLOCK_MS,
      'updating a row the manager wrote',
    );
  }

  async function load(name: string): Promise<Account> {
    const account = await AccountModel.findOne({ where: { name } });
    if (account === null) throw new Error(`no account ${name}`);
    return account;
  }

  /** The connection ids of the transactions started since the last reset of `logged`. */
  function startedTransactions(): string[] {
    return logged.flatMap((line) => {
      const match = /^Executing \(([^)]+)\): START TRANSACTION/.exec(line);
      return match?.[1] === undefined ? [] : [match[1]];
    });
  }

  /** The connection id each UPDATE of `accounts` ran on, in order. */
  function updateConnections(): string[] {
    return logged.flatMap((line) => {
      const match = /^Executing \(([^)]+)\): UPDATE [`"]accounts[`"]/.exec(line);
      return match?.[1] === undefined ? [] : [match[1]];
    });
  }

  describe('rollback and commit', () => {
    it('rollback() of queued (flush: false) insert, update and delete leaves nothing in the database', async () => {
      const em = new EntityManager(sequelize);
      const alice = await load('alice');
      const bob = await load('bob');
      await em.insert(AccountModel.build({ name: 'dave', balance: 400 }), { flush: false });
      alice.balance = 150;
      await em.update(alice, { flush: false });
      await em.delete(bob, { flush: false });
      expect(em.pending).toBe(3);
      expect(em.inTransaction).toBe(false);
      expect(await committed()).toEqual(INITIAL);

      await em.rollback();
      expect(em.pending).toBe(0);
      expect(em.inTransaction).toBe(false);
      expect(await committed()).toEqual(INITIAL);
      expect(startedTransactions()).toEqual([]);
    });

    it('rollback() after flush() undoes the writes that ran in the transaction', async () => {
      const em = new EntityManager(sequelize);
      const alice = await load('alice');
      const bob = await load('bob');
      await em.insert(AccountModel.build({ name: 'dave', balance: 400 }), { flush: false });
      alice.balance = 150;
      await em.update(alice, { flush: false });
      await em.delete(bob, { flush: false });
      await em.flush();
      expect(em.pending).toBe(0);
      expect(em.inTransaction).toBe(true);
      expect(await em.countAll(AccountModel, { name__in: ['alice', 'carol', 'dave'] })).toBe(3);
      expect(await committed()).toEqual(INITIAL);

      await em.rollback();
      expect(em.inTransaction).toBe(false);
      expect(await committed()).toEqual(INITIAL);
      await expectAliceUnlocked();
      expect((await em.selectAll(AccountModel, { orderBy: 'name' })).map((a) => a.name)).toEqual([
        'alice',
        'bob',
        'carol',
      ]);
    });

    it('commit() runs the queue in one transaction and persists it', async () => {
      const em = new EntityManager(sequelize);
      const alice = await load('alice');
      const bob = await load('bob');
      await em.insert(AccountModel.build({ name: 'dave', balance: 400 }), { flush: false });
      alice.balance = 150;
      await em.update(alice, { flush: false });
      await em.delete(bob, { flush: false });
      await em.commit();
      expect(em.pending).toBe(0);
      expect(em.inTransaction).toBe(false);
      expect(await committed()).toEqual([
        ['alice', 150],
        ['carol', 300],
        ['dave', 400],
      ]);
      const started = startedTransactions();
      expect(started).toHaveLength(1);
      // Every write of the queue ran on the transaction's connection.
      expect(updateConnections()).toEqual(started);
    });
  });

  describe('reads inside the unit of work', () => {
    it('see nothing of queued writes before flush() and all of them after', async () => {
      const em = new EntityManager(sequelize);
      const alice = await load('alice');
      const bob = await load('bob');
      await em.insert(AccountModel.build({ name: 'dave', balance: 400 }), { flush: false });
      alice.balance = 150;
      await em.update(alice, { flush: false });
      await em.delete(bob, { flush: false });

      const rowsAbove = (em: EntityManager) =>
        em.selectRows<{ name: string }>(
          'SELECT name FROM accounts WHERE balance > $1 ORDER BY name',
          [120],
        );
      expect(em.inTransaction).toBe(false);
      expect(await em.selectBy(AccountModel, { name: 'dave' })).toBeNull();
      expect(await em.exists(AccountModel, { name: 'dave' })).toBe(false);
      expect(await em.countAll(AccountModel)).toBe(3);
      expect(await em.sumAll(AccountModel, 'balance')).toBe(600);
      expect((await em.select(AccountModel, bob.id))?.name).toBe('bob');
      expect((await em.select(AccountModel, alice.id))?.balance).toBe(100);
      expect(
        (await em.selectAll(AccountModel, { orderBy: 'name' })).map((a) => [a.name, a.balance]),
      ).toEqual(INITIAL);
      expect((await rowsAbove(em)).map((row) => row.name)).toEqual(['bob', 'carol']);

      await em.flush();
      expect(em.inTransaction).toBe(true);
      expect((await em.selectBy(AccountModel, { name: 'dave' }))?.balance).toBe(400);
      expect(await em.exists(AccountModel, { name: 'dave' })).toBe(true);
      expect(await em.countAll(AccountModel)).toBe(3);
      expect(await em.sumAll(AccountModel, 'balance')).toBe(850);
      expect(await em.select(AccountModel, bob.id)).toBeNull();
      expect((await em.select(AccountModel, alice.id))?.balance).toBe(150);
      expect(
        (await em.selectAll(AccountModel, { orderBy: 'name' })).map((a) => [a.name, a.balance]),
      ).toEqual([
        ['alice', 150],
        ['carol', 300],
        ['dave', 400],
      ]);
      expect((await rowsAbove(em)).map((row) => row.name)).toEqual(['alice', 'carol', 'dave']);
      // Reads ran on the transaction's connection, not on a pooled one that cannot see it.
      const [transaction] = startedTransactions();
      expect(logged.some((line) => line.startsWith(`Executing (${transaction}): SELECT`))).toBe(
        true,
      );
      await em.rollback();
    });

    it('a second manager on the same Sequelize neither sees nor waits for uncommitted writes, and sees them after commit()', async () => {
      const writer = new EntityManager(sequelize);
      const reader = new EntityManager(sequelize);
      const alice = await load('alice');
      alice.balance = 150;
      await writer.update(alice);
      await writer.insert(AccountModel.build({ name: 'dave', balance: 400 }), { commit: false });
      expect(writer.inTransaction).toBe(true);

      const read = async () => ({
        dave: (await reader.selectBy(AccountModel, { name: 'dave' }))?.balance ?? null,
        alice: (await reader.select(AccountModel, alice.id))?.balance ?? null,
        count: await reader.countAll(AccountModel),
        sum: await reader.sumAll(AccountModel, 'balance'),
      });
      expect(await within(read(), NO_BLOCK_MS, 'reading beside an open transaction')).toEqual({
        dave: null,
        alice: 100,
        count: 3,
        sum: 600,
      });
      expect(reader.inTransaction).toBe(false);

      await writer.commit();
      expect(await within(read(), NO_BLOCK_MS, 'reading after commit')).toEqual({
        dave: 400,
        alice: 150,
        count: 4,
        sum: 1050,
      });
    });
  });

  describe('failures inside the unit of work', () => {
    it('a unique violation in a flushed queue rolls back everything and rejects with CONSTRAINT', async () => {
      const em = new EntityManager(sequelize);
      const alice = await load('alice');
      await em.insert(AccountModel.build({ name: 'dave', balance: 400 }), { flush: false });
      alice.balance = 150;
      await em.update(alice, { flush: false });
      await em.insert(AccountModel.build({ name: 'carol', balance: 1 }), { flush: false });
      await em.insert(AccountModel.build({ name: 'erin', balance: 5 }), { flush: false });

      const error = await rejectionOf(em.flush());
      expectEntityError(error, 'CONSTRAINT');
      expect((error as EntityError).cause).toBeInstanceOf(UniqueConstraintError);
      expect(em.inTransaction).toBe(false);
      expect(em.pending).toBe(0);
      expect(await committed()).toEqual(INITIAL);
      // The manager stays usable, outside any transaction.
      expect(await em.countAll(AccountModel)).toBe(3);
      expectEntityError(await rejectionOf(em.commit()), 'INVALID_STATE');
    });

    it('the same failure met by commit() leaves nothing committed', async () => {
      const em = new EntityManager(sequelize);
      await em.insert(AccountModel.build({ name: 'dave', balance: 400 }), { flush: false });
      await em.insert(AccountModel.build({ name: 'dave', balance: 401 }), { flush: false });
      const error = await rejectionOf(em.commit());
      expectEntityError(error, 'CONSTRAINT');
      expect((error as EntityError).cause).toBeInstanceOf(UniqueConstraintError);
      expect(em.inTransaction).toBe(false);
      expect(await committed()).toEqual(INITIAL);
    });

    it('a failing update rolls back the earlier writes of the unit of work', async () => {
      const em = new EntityManager(sequelize);
      await em.insert(AccountModel.build({ name: 'dave', balance: 400 }), { commit: false });
      const carol = await em.selectBy(AccountModel, { name: 'carol' });
      if (carol === null) throw new Error('carol is missing');
      await em.delete(carol);
      const alice = await em.selectBy(AccountModel, { name: 'alice' });
      if (alice === null) throw new Error('alice is missing');
      alice.name = 'bob';

      const error = await rejectionOf(em.update(alice));
      expectEntityError(error, 'CONSTRAINT');
      expect((error as EntityError).cause).toBeInstanceOf(UniqueConstraintError);
      expect(em.inTransaction).toBe(false);
      expect(await committed()).toEqual(INITIAL);
      expect(await em.countAll(AccountModel)).toBe(3);
    });

    it('a CHECK constraint violation is a CONSTRAINT error too, and rolls back', async () => {
      const em = new EntityManager(sequelize);
      const alice = await load('alice');
      const bob = await load('bob');
      alice.balance = 150;
      await em.update(alice);
      bob.balance = -1;

      const error = await rejectionOf(em.update(bob));
      expect(em.inTransaction).toBe(false);
      expect(await committed()).toEqual(INITIAL);
      await expectAliceUnlocked();
      expect((error as EntityError).cause).toBeInstanceOf(BaseError);
      // EntityErrorCode documents CONSTRAINT for "unique, foreign key, not null, check".
      expectEntityError(error, 'CONSTRAINT');
    });
  });

  describe('transaction lifecycle', () => {
    it('the next write after commit() or rollback() opens a new transaction', async () => {
      const em = new EntityManager(sequelize);
      const alice = await load('alice');
      alice.balance = 110;
      await em.update(alice);
      expect(em.inTransaction).toBe(true);
      await em.commit();
      expect(em.inTransaction).toBe(false);

      alice.balance = 120;
      await em.update(alice);
      expect(em.inTransaction).toBe(true);
      expect(await committed()).toContainEqual(['alice', 110]);
      await em.rollback();

      alice.balance = 130;
      await em.update(alice, { flush: false });
      expect(em.inTransaction).toBe(false);
      await em.commit();

      const started = startedTransactions();
      expect(started).toHaveLength(3);
      expect(new Set(started).size).toBe(3);
      expect(updateConnections()).toEqual(started);
      expect(await committed()).toContainEqual(['alice', 130]);
    });

    it('commit() twice: the second rejects with INVALID_STATE; so does commit() with nothing open', async () => {
      const em = new EntityManager(sequelize);
      const alice = await load('alice');
      alice.balance = 150;
      await em.update(alice);
      await em.commit();
      expectEntityError(await rejectionOf(em.commit()), 'INVALID_STATE');
      expectEntityError(await rejectionOf(new EntityManager(sequelize).commit()), 'INVALID_STATE');
      expect(await committed()).toContainEqual(['alice', 150]);
    });

    it('rollback() twice is harmless, as is rollback() with nothing open', async () => {
      const em = new EntityManager(sequelize);
      const alice = await load('alice');
      alice.balance = 150;
      await em.update(alice);
      await em.rollback();
      await expect(em.rollback()).resolves.toBeUndefined();
      await expect(new EntityManager(sequelize).rollback()).resolves.toBeUndefined();
      expect(em.inTransaction).toBe(false);
      expect(await committed()).toEqual(INITIAL);
      // Still usable afterwards.
      await em.insert(AccountModel.build({ name: 'dave', balance: 1 }));
      expect(await committed()).toContainEqual(['dave', 1]);
    });

    it('begin() twice rejects with INVALID_STATE and keeps the open transaction usable', async () => {
      const em = new EntityManager(sequelize);
      await em.begin();
      expect(em.inTransaction).toBe(true);
      expectEntityError(await rejectionOf(em.begin()), 'INVALID_STATE');
      expect(em.inTransaction).toBe(true);
      await em.insert(AccountModel.build({ name: 'dave', balance: 400 }), { commit: false });
      expect(await committed()).toEqual(INITIAL);
      await em.commit();
      expect(await committed()).toContainEqual(['dave', 400]);
      expect(startedTransactions()).toHaveLength(1);
    });

    it('insert() by default autocommits without a transaction when nothing is open', async () => {
      const em = new EntityManager(sequelize);
      const dave = await em.insert(AccountModel.build({ name: 'dave', balance: 400 }));
      expect(dave.isNewRecord).toBe(false);
      expect(em.inTransaction).toBe(false);
      expect(em.pending).toBe(0);
      expect(await committed()).toContainEqual(['dave', 400]);
      expect(startedTransactions()).toEqual([]);
    });

    it('insert() with commit: true while a transaction is open commits the whole unit of work', async () => {
      const em = new EntityManager(sequelize);
      const alice = await load('alice');
      alice.balance = 150;
      await em.update(alice);
      await em.delete(await load('bob'), { flush: false });
      await em.insert(AccountModel.build({ name: 'dave', balance: 400 }));
      expect(em.inTransaction).toBe(false);
      expect(em.pending).toBe(0);
      expect(await committed()).toEqual([
        ['alice', 150],
        ['carol', 300],
        ['dave', 400],
      ]);
      expect(startedTransactions()).toHaveLength(1);
    });

    it('update() and delete() by default stay in the transaction until commit()', async () => {
      const em = new EntityManager(sequelize);
      const alice = await load('alice');
      alice.balance = 150;
      await em.update(alice);
      expect(em.inTransaction).toBe(true);
      await em.delete(await load('bob'));
      expect(em.inTransaction).toBe(true);
      expect(await committed()).toEqual(INITIAL);
      await em.commit();
      expect(em.inTransaction).toBe(false);
      expect(await committed()).toEqual([
        ['alice', 150],
        ['carol', 300],
      ]);
    });

    it('flush() with nothing queued runs nothing and opens nothing', async () => {
      const em = new EntityManager(sequelize);
      await em.flush();
      expect(em.inTransaction).toBe(false);
      expect(logged).toEqual([]);

      const alice = await load('alice');
      alice.balance = 150;
      await em.update(alice);
      logged.length = 0;
      await em.flush();
      expect(logged).toEqual([]);
      expect(em.inTransaction).toBe(true);
      await em.commit();
      expect(await committed()).toContainEqual(['alice', 150]);
    });

    it('pending counts the queued writes until they run', async () => {
      const em = new EntityManager(sequelize);
      const alice = await load('alice');
      expect(em.pending).toBe(0);
      await em.insert(AccountModel.build({ name: 'dave', balance: 400 }), { flush: false });
      expect(em.pending).toBe(1);
      alice.balance = 150;
      await em.update(alice, { flush: false });
      expect(em.pending).toBe(2);
      await em.delete(await load('bob'), { flush: false });
      expect(em.pending).toBe(3);
      expect(await em.deleteAll(AccountModel, { name: 'carol' }, { flush: false })).toBe(0);
      expect(em.pending).toBe(4);
      expect(logged.filter((line) => !/: SELECT /.test(line))).toEqual([]);
      await em.flush();
      expect(em.pending).toBe(0);
      expect(em.inTransaction).toBe(true);
      expect(
        (await em.selectAll(AccountModel, { orderBy: 'name' })).map((a) => [a.name, a.balance]),
      ).toEqual([
        ['alice', 150],
        ['dave', 400],
      ]);
      await em.rollback();
      expect(await committed()).toEqual(INITIAL);
    });
  });

  describe('disposal', () => {
    it('await using rolls back what is left open, and the manager refuses every later call', async () => {
      let escaped: EntityManager | undefined;
      {
        await using em = new EntityManager(sequelize);
        escaped = em;
        const alice = await em.selectBy(AccountModel, { name: 'alice' });
        if (alice === null) throw new Error('alice is missing');
        alice.balance = 999;
        await em.update(alice);
        await em.insert(AccountModel.build({ name: 'dave', balance: 400 }), { flush: false });
        expect(em.inTransaction).toBe(true);
        expect(em.pending).toBe(1);
      }
      expect(escaped.inTransaction).toBe(false);
      expect(escaped.pending).toBe(0);
      expect(await committed()).toEqual(INITIAL);
      await expectAliceUnlocked();

      const em = escaped;
      const alice = await load('alice');
      const calls: [string, () => Promise<unknown>][] = [
        ['exists', () => em.exists(AccountModel)],
        ['select', () => em.select(AccountModel, 1)],
        ['selectBy', () => em.selectBy(AccountModel, { name: 'alice' })],
        ['selectAll', () => em.selectAll(AccountModel)],
        ['selectRows', () => em.selectRows('SELECT 1 AS one')],
        ['countAll', () => em.countAll(AccountModel)],
        ['sumAll', () => em.sumAll(AccountModel, 'balance')],
        ['subquery', async () => em.subquery(AccountModel, 'id')],
        ['insert', () => em.insert(AccountModel.build({ name: 'erin', balance: 1 }))],
        ['update', () => em.update(alice)],
        ['delete', () => em.delete(alice)],
        ['deleteAll', () => em.deleteAll(AccountModel, {}, { commit: true })],
        ['begin', () => em.begin()],
        ['flush', () => em.flush()],
        ['commit', () => em.commit()],
      ];
      logged.length = 0;
      for (const [name, call] of calls) {
        const error = await rejectionOf(call());
        expect(EntityError.is(error) && error.code, name).toBe('INVALID_STATE');
      }
      expect(logged).toEqual([]);
      expect(await committed()).toEqual(INITIAL);
      // Disposing twice is harmless.
      await expect(em[Symbol.asyncDispose]()).resolves.toBeUndefined();
    });

    it('await using rolls back when the block throws', async () => {
      const failing = async () => {
        await using em = new EntityManager(sequelize);
        const alice = await load('alice');
        alice.balance = 999;
        await em.update(alice);
        await em.insert(AccountModel.build({ name: 'dave', balance: 400 }), { commit: false });
        throw new Error('the caller failed');
      };
      await expect(failing()).rejects.toThrow('the caller failed');
      expect(await committed()).toEqual(INITIAL);
      await expectAliceUnlocked();
    });
  });

  describe('a pool of one connection', () => {
    let single: Sequelize;
    let SingleAccount: typeof Account;

    beforeAll(() => {
      single = new Sequelize(database.url, {
        logging: false,
        pool: { max: 1, min: 0, acquire: 1_500 },
      });
      SingleAccount = defineAccount(single, 'accounts');
    });

    afterAll(async () => {
      await single?.close();
    });

    it('a manager holding the only connection in its transaction can still read and write', async () => {
      const em = new EntityManager(single);
      const alice = await em.selectBy(SingleAccount, { name: 'alice' });
      if (alice === null) throw new Error('alice is missing');
      alice.balance = 150;
      await em.update(alice);
      expect(em.inTransaction).toBe(true);

      const work = async () => {
        const found = {
          select: (await em.select(SingleAccount, alice.id))?.balance,
          selectBy: (await em.selectBy(SingleAccount, { name: 'alice' }))?.balance,
          selectAll: (await em.selectAll(SingleAccount)).length,
          exists: await em.exists(SingleAccount, { balance: 150 }),
          countAll: await em.countAll(SingleAccount),
          sumAll: await em.sumAll(SingleAccount, 'balance'),
          selectRows: await em.selectRows<{ n: number }>(
            'SELECT balance AS n FROM accounts WHERE name = $name',
            { name: 'alice' },
          ),
        };
        await em.insert(SingleAccount.build({ name: 'dave', balance: 400 }), { commit: false });
        await em.deleteAll(SingleAccount, { name: 'carol' });
        return { ...found, countAfter: await em.countAll(SingleAccount) };
      };
      const found = await within(work(), NO_BLOCK_MS, 'reading through the open transaction');
      expect(found).toEqual({
        select: 150,
        selectBy: 150,
        selectAll: 3,
        exists: true,
        countAll: 3,
        sumAll: 650,
        selectRows: [{ n: 150 }],
        countAfter: 3,
      });

      // The control: another manager on this pool has no connection to get until commit().
      const other = new EntityManager(single);
      const starved = await rejectionOf(other.countAll(SingleAccount));
      expectEntityError(starved, 'QUERY_FAILED');
      expect((starved as EntityError).cause).toBeInstanceOf(ConnectionAcquireTimeoutError);

      await within(em.commit(), NO_BLOCK_MS, 'commit');
      expect(await within(other.countAll(SingleAccount), NO_BLOCK_MS, 'reading after commit')).toBe(
        3,
      );
      expect(await committed()).toEqual([
        ['alice', 150],
        ['bob', 200],
        ['dave', 400],
      ]);
    });

    it('a queued write committed on a pool of one does not wait for itself', async () => {
      const em = new EntityManager(single);
      await em.insert(SingleAccount.build({ name: 'dave', balance: 400 }), { flush: false });
      await em.deleteAll(SingleAccount, { name: 'bob' }, { flush: false });
      await within(em.commit(), NO_BLOCK_MS, 'commit of a queue');
      expect(await within(em.countAll(SingleAccount), NO_BLOCK_MS, 'count')).toBe(3);
      expect(await committed()).toEqual([
        ['alice', 100],
        ['carol', 300],
        ['dave', 400],
      ]);
    });
  });
});
