import { useTestDatabase } from '@x/test-services/vitest';
import { QueryTypes, Sequelize } from 'sequelize';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type BulkRow,
  countRows,
  defineBulkRow,
  defineEventRow,
  definePairRow,
  defineSoftRow,
  type EventRow,
  type PairRow,
  type SoftRow,
  seriesOf,
  type TestDialect,
  within,
} from '../test/uow-models.js';
import { EntityManager } from './index.js';

/** Long enough for any statement here, short enough that a lock wait fails the test quickly. */
const NO_BLOCK_MS = 5_000;

/** One batch statement of deleteAll: its SQL and the rows it changed. */
interface Batch {
  readonly sql: string;
  readonly affected: number;
}

/**
 * Records every DELETE/UPDATE `sequelize` runs with the rows it changed, and awaits
 * `afterBatch` before handing the result back: deleteAll is paused there, mid-call, so what
 * another connection sees at that moment is what the earlier batches left committed.
 */
function watchBatches(sequelize: Sequelize, afterBatch?: (batch: Batch) => Promise<void>): Batch[] {
  const batches: Batch[] = [];
  const original = sequelize.query.bind(sequelize) as (...args: unknown[]) => Promise<unknown>;
  vi.spyOn(sequelize, 'query').mockImplementation((async (...args: unknown[]) => {
    const result = await original(...args);
    const sql = String(args[0]);
    if (/^(DELETE|UPDATE)\b/.test(sql)) {
      const batch = { sql, affected: Number(result) };
      batches.push(batch);
      await afterBatch?.(batch);
    }
    return result;
  }) as never);
  return batches;
}

describe.each(['postgres', 'mariadb'] as const)('deleteAll on %s', (dialect: TestDialect) => {
  const database = useTestDatabase(dialect, `entity-delete-all-${dialect}`);
  /** SQL the manager's Sequelize ran, each line prefixed with its connection id. */
  const logged: string[] = [];
  let sequelize: Sequelize;
  /** A second Sequelize: its own connections, outside every transaction of the manager. */
  let observer: Sequelize;
  let BulkModel: typeof BulkRow;
  let PairModel: typeof PairRow;
  let SoftModel: typeof SoftRow;
  const q = (name: string) => (dialect === 'postgres' ? `"${name}"` : `\`${name}\``);

  beforeAll(async () => {
    sequelize = new Sequelize(database.url, {
      logging: (sql: string) => {
        logged.push(sql);
      },
    });
    observer = new Sequelize(database.url, { logging: false });
    BulkModel = defineBulkRow(sequelize, 'bulk_rows');
    PairModel = definePairRow(sequelize, 'pair_rows');
    SoftModel = defineSoftRow(sequelize, 'soft_rows');
    await sequelize.sync({ force: true });
  });

  afterAll(async () => {
    await sequelize?.close();
    await observer?.close();
  });

  beforeEach(() => {
    logged.length = 0;
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** Replaces the rows of bulk_rows by ids 1…count, grp = id % 10, in one statement. */
  async function fillBulk(count: number): Promise<void> {
    await observer.query('TRUNCATE TABLE bulk_rows');
    await observer.query(
      `INSERT INTO bulk_rows (id, grp, label) SELECT n, n % 10, CONCAT('row ', n) FROM ${seriesOf(dialect, count)}`,
    );
    logged.length = 0;
  }

  const statements = (verb: 'DELETE' | 'UPDATE') =>
    logged.filter((line) => new RegExp(`^Executing \\([^)]+\\): ${verb} `).test(line));
  const transactionsStarted = () => logged.filter((line) => /: START TRANSACTION/.test(line));

  it('deletes 50 000 rows in batches of 1000 that each commit on their own', async () => {
    await fillBulk(50_000);
    expect(await countRows(observer, 'bulk_rows')).toBe(50_000);

    const em = new EntityManager(sequelize, { batchSize: 1000 });
    let finished = false;
    const seenOutside: number[] = [];
    const batches = watchBatches(sequelize, async () => {
      expect(finished).toBe(false);
      seenOutside.push(
        await within(countRows(observer, 'bulk_rows'), NO_BLOCK_MS, 'counting between batches'),
      );
    });
    const deleted = await em.deleteAll(BulkModel, {}, { commit: true });
    finished = true;

    expect(deleted).toBe(50_000);
    expect(await countRows(observer, 'bulk_rows')).toBe(0);
    const deletes = statements('DELETE');
    expect(deletes).toHaveLength(51);
    for (const sql of deletes) expect(sql).toMatch(/ LIMIT 1000\){0,2};?$/);
    expect(batches.map((batch) => batch.affected)).toEqual([...Array(50).fill(1000), 0]);
    // Each batch was visible to another connection as soon as it ran: 49 000, 48 000, … 0.
    expect(seenOutside).toEqual([
      ...Array.from({ length: 50 }, (_, index) => 49_000 - index * 1000),
      0,
    ]);
    expect(transactionsStarted()).toEqual([]);
    expect(em.inTransaction).toBe(false);
  });

  it('deletes only the rows matching the filters, in as few batches as they need', async () => {
    await fillBulk(5_000);
    const em = new EntityManager(sequelize, { batchSize: 300 });
    const batches = watchBatches(sequelize);
    const deleted = await em.deleteAll(
      BulkModel,
      { grp__in: [2, 5], id__lte: 4_000 },
      { commit: true },
    );
    expect(deleted).toBe(800);
    expect(batches.map((batch) => batch.affected)).toEqual([300, 300, 200, 0]);
    expect(await countRows(observer, 'bulk_rows')).toBe(4_200);
    expect(await countRows(observer, 'bulk_rows', 'grp IN (2, 5) AND id <= 4000')).toBe(0);
    expect(await countRows(observer, 'bulk_rows', 'grp IN (2, 5)')).toBe(200);
    expect(await countRows(observer, 'bulk_rows', 'id <= 4000')).toBe(3_200);

    const none = await em.deleteAll(
      BulkModel,
      { label__startswith: 'no such row' },
      { commit: true },
    );
    expect(none).toBe(0);
    expect(await countRows(observer, 'bulk_rows')).toBe(4_200);
  });

  it('deletes by a composite primary key without touching rows that share one part of it', async () => {
    await observer.query('TRUNCATE TABLE pair_rows');
    await observer.query(
      `INSERT INTO pair_rows (tenant_id, item_id, grp) SELECT t.n, i.n, i.n % 3 FROM ${seriesOf(dialect, 5, 't')} CROSS JOIN ${seriesOf(dialect, 1_000, 'i')}`,
    );
    expect(await countRows(observer, 'pair_rows')).toBe(5_000);
    logged.length = 0;

    const em = new EntityManager(sequelize, { batchSize: 250 });
    const batches = watchBatches(sequelize);
    const deleted = await em.deleteAll(
      PairModel,
      { tenantId__in: [2, 4], grp: 0 },
      { commit: true },
    );
    expect(deleted).toBe(666);
    expect(batches.map((batch) => batch.affected)).toEqual([250, 250, 166, 0]);
    expect(await countRows(observer, 'pair_rows', 'tenant_id IN (2, 4) AND grp = 0')).toBe(0);
    expect(await countRows(observer, 'pair_rows', 'tenant_id IN (2, 4)')).toBe(1_334);
    expect(await countRows(observer, 'pair_rows', 'grp = 0')).toBe(999);
    expect(await countRows(observer, 'pair_rows')).toBe(5_000 - 666);
    if (dialect === 'postgres') {
      // One key part alone would select whole tenants: the batch picks both.
      expect(batches[0]?.sql).toContain(
        `(${q('pair_rows')}.${q('tenant_id')}, ${q('pair_rows')}.${q('item_id')}) IN (SELECT`,
      );
    }
    expect(await em.countAll(PairModel, { tenantId: 2 })).toBe(667);
    expect(await em.select(PairModel, { tenantId: 2, itemId: 3 })).toBeNull();
    expect((await em.select(PairModel, { tenantId: 3, itemId: 3 }))?.grp).toBe(0);
  });

  it('soft-deletes the rows of a paranoid model, never matches them again, and stops', async () => {
    await observer.query('TRUNCATE TABLE soft_rows');
    await observer.query(
      `INSERT INTO soft_rows (id, grp, removed_at) SELECT n, n % 2, CASE WHEN n <= 100 THEN CAST('2000-01-01 00:00:00' AS ${dialect === 'postgres' ? 'TIMESTAMP WITH TIME ZONE' : 'DATETIME'}) ELSE NULL END FROM ${seriesOf(dialect, 2_500)}`,
    );
    logged.length = 0;

    const em = new EntityManager(sequelize, { batchSize: 400 });
    expect(await em.countAll(SoftModel, { grp: 0 })).toBe(1_200);
    const batches = watchBatches(sequelize);
    const before = Date.now();
    const deleted = await within(
      em.deleteAll(SoftModel, { grp: 0 }, { commit: true }),
      20_000,
      'deleteAll of a paranoid model',
    );
    expect(deleted).toBe(1_200);
    // 400 + 400 + 400, then an empty batch: rows already soft-deleted are not matched again.
    expect(batches.map((batch) => batch.affected)).toEqual([400, 400, 400, 0]);
    expect(statements('DELETE')).toEqual([]);
    expect(statements('UPDATE')).toHaveLength(4);

    expect(await countRows(observer, 'soft_rows')).toBe(2_500);
    expect(await countRows(observer, 'soft_rows', 'removed_at IS NOT NULL')).toBe(1_300);
    expect(await countRows(observer, 'soft_rows', 'grp = 0 AND removed_at IS NULL')).toBe(0);
    // The rows soft-deleted before keep their date.
    expect(await countRows(observer, 'soft_rows', `removed_at < '2001-01-01'`)).toBe(100);
    const [row] = await observer.query<{ removed_at: Date | string }>(
      'SELECT removed_at FROM soft_rows WHERE id = 102',
      { type: QueryTypes.SELECT },
    );
    expect(new Date(row?.removed_at ?? 0).getTime()).toBeGreaterThanOrEqual(before - 60_000);

    expect(await em.countAll(SoftModel)).toBe(1_200);
    expect(await em.exists(SoftModel, { grp: 0 })).toBe(false);
    expect(await em.deleteAll(SoftModel, { grp: 0 }, { commit: true })).toBe(0);
  });

  it('inside an open unit of work the batches run in its transaction and rollback() restores every row', async () => {
    await fillBulk(5_000);
    const em = new EntityManager(sequelize, { batchSize: 1000 });
    await em.begin();
    const seenOutside: number[] = [];
    const batches = watchBatches(sequelize, async () => {
      seenOutside.push(
        await within(countRows(observer, 'bulk_rows'), NO_BLOCK_MS, 'counting between batches'),
      );
    });
    const deleted = await em.deleteAll(BulkModel, {});
    expect(deleted).toBe(5_000);
    expect(batches.map((batch) => batch.affected)).toEqual([1000, 1000, 1000, 1000, 1000, 0]);
    expect(seenOutside).toEqual(Array(6).fill(5_000));
    expect(em.inTransaction).toBe(true);
    expect(await em.countAll(BulkModel)).toBe(0);

    const [start] = transactionsStarted();
    const connection = /^Executing \(([^)]+)\)/.exec(start ?? '')?.[1];
    expect(transactionsStarted()).toHaveLength(1);
    for (const sql of statements('DELETE')) expect(sql).toContain(`Executing (${connection}):`);

    await em.rollback();
    expect(await countRows(observer, 'bulk_rows')).toBe(5_000);
    expect(await em.countAll(BulkModel)).toBe(5_000);
  });

  it('commit: true with a transaction open runs the batches in it and commits once at the end', async () => {
    await fillBulk(3_000);
    const em = new EntityManager(sequelize, { batchSize: 1000 });
    await em.begin();
    const seenOutside: number[] = [];
    watchBatches(sequelize, async () => {
      seenOutside.push(
        await within(countRows(observer, 'bulk_rows'), NO_BLOCK_MS, 'counting between batches'),
      );
    });
    expect(await em.deleteAll(BulkModel, { grp__ne: 7 }, { commit: true })).toBe(2_700);
    expect(seenOutside).toEqual([3_000, 3_000, 3_000, 3_000]);
    expect(em.inTransaction).toBe(false);
    expect(await countRows(observer, 'bulk_rows')).toBe(300);
  });

  it('flush: false queues the delete: it resolves 0 and runs at commit()', async () => {
    await fillBulk(3_000);
    const em = new EntityManager(sequelize, { batchSize: 1000 });
    expect(await em.deleteAll(BulkModel, { grp: 1 }, { flush: false })).toBe(0);
    expect(em.pending).toBe(1);
    expect(em.inTransaction).toBe(false);
    expect(statements('DELETE')).toEqual([]);
    expect(await countRows(observer, 'bulk_rows')).toBe(3_000);

    await em.commit();
    expect(em.pending).toBe(0);
    // One batch of 300, then the one that finds nothing left.
    expect(statements('DELETE')).toHaveLength(2);
    expect(await countRows(observer, 'bulk_rows')).toBe(2_700);
    expect(await countRows(observer, 'bulk_rows', 'grp = 1')).toBe(0);

    expect(await em.deleteAll(BulkModel, { grp: 2 }, { flush: false, commit: true })).toBe(0);
    await em.rollback();
    expect(await countRows(observer, 'bulk_rows')).toBe(2_700);
    expect(statements('DELETE')).toHaveLength(2);
  });
});

describe('deleteAll on partitioned PostgreSQL tables', () => {
  const database = useTestDatabase('postgres', 'entity-delete-all-partitions');
  let sequelize: Sequelize;
  let observer: Sequelize;
  let ListEvent: typeof EventRow;
  let RangeEvent: typeof EventRow;

  beforeAll(async () => {
    sequelize = new Sequelize(database.url, { logging: false });
    observer = new Sequelize(database.url, { logging: false });
    ListEvent = defineEventRow(sequelize, 'events_by_region');
    RangeEvent = defineEventRow(sequelize, 'events_by_id');
    await observer.query(`
      CREATE TABLE events_by_region (id integer NOT NULL, region varchar(8) NOT NULL, grp integer NOT NULL,
        PRIMARY KEY (id, region)) PARTITION BY LIST (region);
      CREATE TABLE events_by_region_eu PARTITION OF events_by_region FOR VALUES IN ('eu');
      CREATE TABLE events_by_region_us PARTITION OF events_by_region FOR VALUES IN ('us');
      CREATE TABLE events_by_region_ap PARTITION OF events_by_region FOR VALUES IN ('ap');
      CREATE TABLE events_by_id (id integer NOT NULL, region varchar(8) NOT NULL, grp integer NOT NULL,
        PRIMARY KEY (id, region)) PARTITION BY RANGE (id);
      CREATE TABLE events_by_id_low PARTITION OF events_by_id FOR VALUES FROM (MINVALUE) TO (5001);
      CREATE TABLE events_by_id_mid PARTITION OF events_by_id FOR VALUES FROM (5001) TO (10001);
      CREATE TABLE events_by_id_high PARTITION OF events_by_id FOR VALUES FROM (10001) TO (MAXVALUE);
    `);
  });

  afterAll(async () => {
    await sequelize?.close();
    await observer?.close();
  });

  /** The rows in each partition, counted in the partitions themselves. */
  async function perPartition(partitions: readonly string[]): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const partition of partitions) counts[partition] = await countRows(observer, partition);
    return counts;
  }
  const regions = ['events_by_region_eu', 'events_by_region_us', 'events_by_region_ap'];
  const ranges = ['events_by_id_low', 'events_by_id_mid', 'events_by_id_high'];

  it('PARTITION BY LIST: every matching row of every partition is gone, the others stay', async () => {
    // The same ids in each region: only (id, region) identifies a row.
    await observer.query(
      `INSERT INTO events_by_region (id, region, grp) SELECT n, r.region, n % 3 FROM generate_series(1, 3000) AS s(n) CROSS JOIN (VALUES ('eu'), ('us'), ('ap')) AS r(region)`,
    );
    const em = new EntityManager(sequelize, { batchSize: 500 });
    expect(await em.deleteAll(ListEvent, { grp: 1 }, { commit: true })).toBe(3_000);
    expect(await perPartition(regions)).toEqual({
      events_by_region_ap: 2_000,
      events_by_region_eu: 2_000,
      events_by_region_us: 2_000,
    });
    expect(await countRows(observer, 'events_by_region', 'grp = 1')).toBe(0);

    expect(
      await em.deleteAll(ListEvent, { region__in: ['eu', 'ap'], grp__ne: 0 }, { commit: true }),
    ).toBe(2_000);
    expect(await perPartition(regions)).toEqual({
      events_by_region_ap: 1_000,
      events_by_region_eu: 1_000,
      events_by_region_us: 2_000,
    });
    expect(await countRows(observer, 'events_by_region', `region = 'us' AND grp = 2`)).toBe(1_000);
  });

  it('PARTITION BY RANGE: a delete across three partitions removes exactly the range', async () => {
    await observer.query(
      `INSERT INTO events_by_id (id, region, grp) SELECT n, CASE WHEN n % 2 = 0 THEN 'eu' ELSE 'us' END, n % 5 FROM generate_series(1, 12000) AS s(n)`,
    );
    const em = new EntityManager(sequelize, { batchSize: 700 });
    await em.begin();
    expect(await em.deleteAll(RangeEvent, { id__gte: 4_001, id__lt: 11_001 })).toBe(7_000);
    await em.commit();
    expect(await perPartition(ranges)).toEqual({
      events_by_id_high: 1_000,
      events_by_id_low: 4_000,
      events_by_id_mid: 0,
    });
  });
});
