import { useTestDatabase } from '@x/test-services/vitest';
import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  QueryTypes,
  Sequelize,
} from 'sequelize';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EntityError, EntityManager } from './index.js';

// Calls on one manager that run at the same time, and rows that change under a deleteAll.

class Ticket extends Model<InferAttributes<Ticket>, InferCreationAttributes<Ticket>> {
  declare id: CreationOptional<number>;
  declare status: string;
}

/** Binds Ticket to `sequelize` and creates its table afresh. */
async function defineTickets(sequelize: Sequelize): Promise<void> {
  Ticket.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      status: { type: DataTypes.STRING, allowNull: false },
    },
    { sequelize, tableName: 'tickets', timestamps: false },
  );
  await Ticket.sync({ force: true });
}

describe.each(['postgres', 'mariadb'] as const)('concurrent calls on %s', (dialect) => {
  const database = useTestDatabase(dialect, `entity-concurrency-${dialect}`);
  let sequelize: Sequelize;
  /** Its own connections: sees only what is committed. */
  let observer: Sequelize;

  const committedStatuses = async (): Promise<string[]> => {
    const rows = await observer.query<{ status: string }>(
      'SELECT status FROM tickets ORDER BY id',
      { type: QueryTypes.SELECT },
    );
    return rows.map((row) => row.status);
  };

  beforeAll(async () => {
    sequelize = new Sequelize(database.url, { logging: false });
    observer = new Sequelize(database.url, { logging: false });
    await defineTickets(sequelize);
  });

  afterAll(async () => {
    await sequelize.close();
    await observer.close();
  });

  beforeEach(async () => {
    await Ticket.destroy({ where: {}, truncate: true });
    await Ticket.bulkCreate([{ status: 'open' }, { status: 'open' }]);
  });

  it('a write that commits by itself waits for the transaction a parallel write opens, and commits it', async () => {
    const em = new EntityManager(sequelize);
    const [first] = await em.selectAll(Ticket, { orderBy: 'id' });
    await Promise.all([
      em.update((first as Ticket).set({ status: 'done' })),
      em.insert(Ticket.build({ status: 'new' })),
    ]);
    expect(em.inTransaction).toBe(false);
    expect(await committedStatuses()).toEqual(['done', 'open', 'new']);
  });

  it('commit() carries a write that was still running when it was called', async () => {
    const em = new EntityManager(sequelize);
    const [first] = await em.selectAll(Ticket, { orderBy: 'id' });
    const update = em.update((first as Ticket).set({ status: 'done' }));
    await em.commit();
    await update;
    expect(em.inTransaction).toBe(false);
    expect(await committedStatuses()).toEqual(['done', 'open']);
  });

  it('a write that fails rolls back its own unit of work, not the next one', async () => {
    const em = new EntityManager(sequelize);
    const [first, second] = await em.selectAll(Ticket, { orderBy: 'id' });
    const failing = em.update((first as Ticket).set({ status: null as unknown as string }));
    const rolledBack = em.rollback();
    const next = em.update((second as Ticket).set({ status: 'next' }));
    await expect(failing).rejects.toSatisfy((error: unknown) => EntityError.is(error));
    await rolledBack;
    await next;
    await em.commit();
    expect(await committedStatuses()).toEqual(['open', 'next']);
  });
});

describe('deleteAll and rows another transaction changes (postgres)', () => {
  const database = useTestDatabase('postgres', 'entity-concurrency-recheck');
  let sequelize: Sequelize;
  let other: Sequelize;

  beforeAll(async () => {
    sequelize = new Sequelize(database.url, { logging: false });
    other = new Sequelize(database.url, { logging: false });
    await defineTickets(sequelize);
  });

  afterAll(async () => {
    await sequelize.close();
    await other.close();
  });

  it('does not delete a row that stopped matching while the batch waited for its lock', async () => {
    await Ticket.bulkCreate([{ status: 'expired' }, { status: 'expired' }]);
    const renewing = await other.transaction();
    await other.query(`UPDATE tickets SET status = 'renewed' WHERE id = 1`, {
      transaction: renewing,
    });
    const em = new EntityManager(sequelize);
    const deleting = em.deleteAll(Ticket, { status: 'expired' }, { commit: true });
    // Let the batch pick both rows and wait for row 1's lock, then let the renewal through.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await renewing.commit();
    expect(await deleting).toBe(1);
    const rows = await other.query<{ id: number; status: string }>(
      'SELECT id, status FROM tickets ORDER BY id',
      { type: QueryTypes.SELECT },
    );
    expect(rows).toEqual([{ id: 1, status: 'renewed' }]);
  });
});

describe('models the manager must read right (postgres)', () => {
  const database = useTestDatabase('postgres', 'entity-concurrency-models');
  let sequelize: Sequelize;

  beforeAll(async () => {
    sequelize = new Sequelize(database.url, { logging: false });
  });

  afterAll(async () => {
    await sequelize.close();
  });

  it('treats paranoid: true without timestamps as Sequelize does: not paranoid', async () => {
    class Note extends Model {}
    Note.init(
      { id: { type: DataTypes.INTEGER, primaryKey: true }, body: DataTypes.STRING },
      { sequelize, tableName: 'notes', timestamps: false, paranoid: true },
    );
    await Note.sync({ force: true });
    await Note.bulkCreate([{ id: 1, body: 'a' }]);
    const em = new EntityManager(sequelize);
    expect(await em.countAll(Note)).toBe(1);
    expect(await em.deleteAll(Note, {}, { commit: true })).toBe(1);
  });

  it('refuses deleteAll on a model without a primary key instead of sending broken SQL', async () => {
    class Loose extends Model {}
    Loose.init({ body: DataTypes.STRING }, { sequelize, tableName: 'loose', timestamps: false });
    Loose.removeAttribute('id');
    await Loose.sync({ force: true });
    const em = new EntityManager(sequelize);
    await expect(em.deleteAll(Loose, {}, { commit: true })).rejects.toSatisfy(
      (error: unknown) => EntityError.is(error) && error.code === 'INVALID_ARGUMENT',
    );
  });
});
