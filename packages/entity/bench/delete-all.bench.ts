// deleteAll of 200 000 rows (the oldest of 250 000, by createdAt: a purge) with commit: true,
// batches of 1 000 (the default) and of 10 000, against one bare `DELETE FROM t WHERE
// "createdAt" < $1`, the limit: rows per second and peak RSS. (The smoke run deletes 5 000 of
// 6 000 rows once per variant, without the two loops below.)
//
// A deletion is destructive and takes seconds, and the harness would time the re-fill between
// its samples with it. So the suite's setup times complete runs itself: each run is a fresh
// plain-Node child process (delete-child.ts) that connects, deletes, and reports its duration
// and its peak RSS; the table is re-filled (TRUNCATE + generate_series + VACUUM ANALYZE) before
// every run, untimed, and the variants take turns. The medians are logged and written to
// benchmarks/results/entity-deletion.json; a run that deletes another count fails the setup.
//
// Two more variants are bare batch loops (Sequelize queries in a loop, as deleteAll runs them)
// with the batch written `"id" = ANY(ARRAY(SELECT "id" … LIMIT n))` instead of deleteAll's
// `"id" IN (SELECT "id" … LIMIT n)`: for larger batches PostgreSQL plans the IN form as a hash
// semi join over a sequential scan of the whole table, once per batch; the ANY form always
// fetches the batch through the primary key index. They are the figures of a proposed change.
//
// The harness then times, in process, a smaller deletion that can repeat: 10 000 rows deleted
// in a transaction that is rolled back (em.begin() … em.rollback() around deleteAll, and the bare
// DELETE in a Sequelize transaction), which shows the cost of batching without the commits.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type BenchSuite, defineSuite, median, writeExtraResults } from '@x/bench-harness';
import { serviceUrls } from '@x/test-services';
import { QueryTypes } from 'sequelize';
import { EntityManager } from '../src/index.js';
import type { DeletionRun } from './delete-child.js';
import { BenchTable, label, quick } from './fixtures.js';
import { createdAtOf } from './model.js';

const execFileAsync = promisify(execFile);

const DELETED = quick ? 5_000 : 200_000;
const KEPT = quick ? 1_000 : 50_000;
const ROWS = DELETED + KEPT;
/** Complete runs per variant (the median is reported). */
const REPETITIONS = quick ? 1 : 5;
/** Rows deleted by each in-process case (then rolled back). */
const ROLLED_BACK = quick ? 2_000 : 10_000;

const packageDir = path.resolve(import.meta.dirname, '..');

interface Variant {
  readonly name: string;
  readonly child: 'DELETE' | 'deleteAll' | 'loop-any';
  readonly batchSize: number;
}

const BARE = 'bare DELETE … WHERE "createdAt" < $1';
const allVariants: readonly Variant[] = [
  { name: BARE, child: 'DELETE', batchSize: 0 },
  { name: 'em.deleteAll, commit: true, batchSize 1 000', child: 'deleteAll', batchSize: 1_000 },
  { name: 'em.deleteAll, commit: true, batchSize 10 000', child: 'deleteAll', batchSize: 10_000 },
  { name: 'bare loop, "id" = ANY(ARRAY(…)), batch 1 000', child: 'loop-any', batchSize: 1_000 },
  { name: 'bare loop, "id" = ANY(ARRAY(…)), batch 10 000', child: 'loop-any', batchSize: 10_000 },
];
/** The smoke run leaves out the loops (each child costs a second or two of a CI minute). */
const variants = quick ? allVariants.filter((v) => v.child !== 'loop-any') : allVariants;

/** delete-child.ts and what it imports, as plain JavaScript in a scratch folder. */
async function buildChild(folder: string): Promise<string> {
  const { stdout } = await execFileAsync(
    process.execPath,
    ['--import', 'tsx', path.join(packageDir, 'bench', 'build-plain.ts'), folder],
    { cwd: packageDir },
  );
  return stdout.trim();
}

async function runChild(
  script: string,
  table: BenchTable,
  child: string,
  cutoff: Date,
  batchSize: number,
): Promise<DeletionRun> {
  const { stdout } = await execFileAsync(
    process.execPath,
    [script, serviceUrls().postgres, table.table, child, cutoff.toISOString(), String(batchSize)],
    { timeout: 600_000 },
  );
  const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as DeletionRun;
  if (report.variant !== child) throw new Error(`delete-child answered ${stdout}`);
  return report;
}

const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

interface VariantFigures {
  readonly variant: string;
  readonly batchSize: number | null;
  readonly rowsDeleted: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly rowsPerSecond: number;
  /** medianMs divided by the bare DELETE's: 2 means half the rows per second. */
  readonly ratioToBare: number;
  readonly medianPeakRssBytes: number;
  readonly maxPeakRssBytes: number;
  readonly medianRssBeforeBytes: number;
  readonly runs: readonly DeletionRun[];
}

/** Times every variant REPETITIONS times in fresh child processes, and records the figures. */
async function timeDeletions(table: BenchTable, script: string): Promise<void> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const cutoff = createdAtOf(DELETED + 1);
  const idle = await runChild(script, table, 'idle', cutoff, 0);
  const runs = new Map<string, DeletionRun[]>(variants.map((v) => [v.name, []]));
  for (let repetition = 0; repetition < REPETITIONS; repetition++) {
    // Take turns, starting with another variant each time, so a slow spell of the machine
    // does not land on one variant's runs only.
    for (let offset = 0; offset < variants.length; offset++) {
      const variant = variants[(repetition + offset) % variants.length] as Variant;
      await table.refill();
      const run = await runChild(script, table, variant.child, cutoff, variant.batchSize);
      const left = await table.count();
      if (run.deleted !== DELETED || left !== KEPT) {
        throw new Error(
          `${variant.name} deleted ${run.deleted} rows and left ${left}; expected ${DELETED} and ${KEPT}`,
        );
      }
      runs.get(variant.name)?.push(run);
    }
  }
  const bareMs = median((runs.get(BARE) ?? []).map((run) => run.ms));
  const figures: VariantFigures[] = variants.map((variant) => {
    const list = runs.get(variant.name) ?? [];
    const times = list.map((run) => run.ms);
    const medianMs = median(times);
    return {
      variant: variant.name,
      batchSize: variant.child === 'DELETE' ? null : variant.batchSize,
      rowsDeleted: DELETED,
      medianMs,
      minMs: Math.min(...times),
      maxMs: Math.max(...times),
      rowsPerSecond: DELETED / (medianMs / 1000),
      ratioToBare: medianMs / bareMs,
      medianPeakRssBytes: median(list.map((run) => run.peakBytes)),
      maxPeakRssBytes: Math.max(...list.map((run) => run.peakBytes)),
      medianRssBeforeBytes: median(list.map((run) => run.beforeBytes)),
      runs: list,
    };
  });

  out(
    `  complete deletions of ${label(DELETED)} of ${label(ROWS)} rows, each in a fresh child process (median of ${REPETITIONS}, re-filled between, untimed):`,
  );
  out(
    `    ${'idle child (connected, deletes nothing)'.padEnd(48)} ${''.padStart(27)}  peak RSS ${megabytes(idle.peakBytes)}`,
  );
  for (const f of figures) {
    out(
      `    ${f.variant.padEnd(48)} ${`${(f.medianMs / 1000).toFixed(3)} s`.padStart(9)} ${`${Math.round(f.rowsPerSecond).toLocaleString('en-US')} rows/s`.padStart(17)}  ×${f.ratioToBare.toFixed(2)}  peak RSS ${megabytes(f.medianPeakRssBytes)} (max ${megabytes(f.maxPeakRssBytes)}; ${megabytes(f.medianRssBeforeBytes)} before)`,
    );
  }
  await writeExtraResults({
    packageDir,
    packageName: '@x/entity',
    fileName: 'entity-deletion.json',
    quick,
    fields: {
      note: `Complete deletions of the ${label(DELETED)} oldest rows (createdAt < cutoff, indexed) of a ${label(ROWS)}-row, 12-column PostgreSQL table, run by the setup of bench/delete-all.bench.ts: each run is a fresh plain-Node child process (bench/delete-child.ts) that connects, then deletes; the table is re-filled and vacuumed before every run, untimed. ms is the deletion alone, timed in the child with performance.now(); peak RSS is the child's kernel high-water mark (startup included); "idle" connects and deletes nothing. The in-process suite of the same file is in entity.json.`,
      rowsDeleted: DELETED,
      rowsInTable: ROWS,
      repetitions: REPETITIONS,
      idle,
      variants: figures,
    },
  });
}

/** The table, and the child script built (in a scratch folder) while the table loads. */
async function openTableAndChild(scratch: string): Promise<[BenchTable, string]> {
  const [table, script] = await Promise.allSettled([
    BenchTable.open('delete_all', ROWS, 'chronological', ['createdAt']),
    buildChild(scratch),
  ]);
  if (table.status === 'rejected') throw table.reason;
  if (script.status === 'rejected') {
    await table.value.close().catch(() => {});
    throw script.reason;
  }
  return [table.value, script.value];
}

interface DeleteWorld {
  readonly table: BenchTable;
  readonly small: EntityManager;
  readonly large: EntityManager;
  close(): Promise<void>;
}

let world: DeleteWorld | undefined;

function on(): DeleteWorld {
  if (world === undefined) throw new Error('the suite setup has not run');
  return world;
}

const rolledBackCutoff = createdAtOf(ROLLED_BACK + 1);

async function bareRolledBack(w: DeleteWorld): Promise<number> {
  const transaction = await w.table.sequelize.transaction();
  try {
    const affected = await w.table.sequelize.query(
      `DELETE FROM "${w.table.table}" WHERE "createdAt" < $1`,
      { bind: [rolledBackCutoff], type: QueryTypes.BULKDELETE, transaction },
    );
    return Number(affected);
  } finally {
    await transaction.rollback();
  }
}

async function deleteAllRolledBack(w: DeleteWorld, em: EntityManager): Promise<number> {
  await em.begin();
  try {
    return await em.deleteAll(w.table.Product, { createdAt__lt: rolledBackCutoff });
  } finally {
    await em.rollback();
  }
}

/** The batch loop with `"id" = ANY(ARRAY(…))`, as the child's loop-any, in a transaction. */
async function anyLoopRolledBack(w: DeleteWorld, batchSize: number): Promise<number> {
  const { sequelize, table } = w.table;
  const sql = `DELETE FROM "${table}" WHERE "id" = ANY(ARRAY(SELECT "id" FROM "${table}" WHERE "createdAt" < $1 LIMIT ${batchSize}))`;
  const transaction = await sequelize.transaction();
  try {
    let total = 0;
    for (;;) {
      const affected = Number(
        await sequelize.query(sql, {
          bind: [rolledBackCutoff],
          type: QueryTypes.BULKDELETE,
          transaction,
        }),
      );
      total += affected;
      // As deleteAll: until a batch finds nothing.
      if (affected === 0) return total;
    }
  } finally {
    await transaction.rollback();
  }
}

const BARE_ROLLED_BACK = 'bare DELETE in a transaction, rolled back';
const SMALL_ROLLED_BACK = 'em.deleteAll in begin() … rollback(), batchSize 1 000';
const LARGE_ROLLED_BACK = 'em.deleteAll in begin() … rollback(), batchSize 10 000';
const ANY_ROLLED_BACK = 'bare loop, "id" = ANY(ARRAY(…)), batch 1 000, rolled back';

const cases: Record<string, () => Promise<number>> = {
  [BARE_ROLLED_BACK]: () => bareRolledBack(on()),
  [SMALL_ROLLED_BACK]: () => deleteAllRolledBack(on(), on().small),
  [LARGE_ROLLED_BACK]: () => deleteAllRolledBack(on(), on().large),
  [ANY_ROLLED_BACK]: () => anyLoopRolledBack(on(), 1_000),
};

const suite: BenchSuite = defineSuite({
  name: `deleteAll of ${label(ROLLED_BACK)} of ${label(ROWS)} rows in a rolled-back transaction`,
  baseline: BARE_ROLLED_BACK,
  cases,
  setup: async () => {
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'x-entity-bench-'));
    let table: BenchTable;
    let script: string;
    try {
      [table, script] = await openTableAndChild(scratch);
    } catch (error) {
      await rm(scratch, { recursive: true, force: true });
      throw error;
    }
    const small = new EntityManager(table.sequelize, { batchSize: 1_000 });
    const large = new EntityManager(table.sequelize, { batchSize: 10_000 });
    const opened: DeleteWorld = {
      table,
      small,
      large,
      close: async () => {
        await small[Symbol.asyncDispose]();
        await large[Symbol.asyncDispose]();
        await table.close();
      },
    };
    try {
      try {
        await timeDeletions(table, script);
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
      await table.refill();
      world = opened;
      for (const [name, run] of Object.entries(cases)) {
        const deleted = await run();
        const left = await table.count();
        if (deleted !== ROLLED_BACK || left !== ROWS) {
          throw new Error(
            `bench case "${name}" deleted ${deleted} rows and left ${left} after its rollback`,
          );
        }
      }
    } catch (error) {
      world = undefined;
      await opened.close().catch(() => {});
      throw error;
    }
  },
  teardown: async () => {
    const closing = world;
    world = undefined;
    await closing?.close();
  },
});

export default suite;
