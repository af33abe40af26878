// Child process of the deletion figures (delete-all.bench.ts): runs ONE complete deletion in a
// fresh Node process and prints, as JSON on stdout, how long it took, how many rows it deleted
// and the process's peak resident set size.
//
// usage (once transpiled, see build-plain.ts):
//   node delete-child.js <postgres url> <table> <variant> <createdAt cutoff, ISO> <batch size>
// variants: idle (connects, deletes nothing), DELETE (one bare statement), deleteAll, and two
// hand-written batch loops of bare Sequelize queries that show where deleteAll's time goes:
// `loop-in` runs the statement deleteAll runs on PostgreSQL (`pk IN (SELECT pk … LIMIT n)`),
// `loop-any` the same batch as `pk = ANY(ARRAY(SELECT pk … LIMIT n))`. Batch size > 0 for
// deleteAll and the loops, 0 for the others.
//
// The peak is the kernel's high-water mark (VmHWM in /proc/self/status, or getrusage's maxRSS
// where there is no /proc): every page the process ever held at once, startup included.
import { currentRss, type PeakRssMethod, peakRss } from '@x/bench-harness/peak-rss';
import { QueryTypes, Sequelize } from 'sequelize';
import { EntityManager } from '../src/index.js';
import { defineProduct } from './model.js';

/** What this script prints. */
export interface DeletionRun {
  readonly variant: string;
  readonly batchSize: number;
  readonly deleted: number;
  /** Duration of the deletion alone (connected before, closed after), in milliseconds. */
  readonly ms: number;
  /** Peak resident set size of the whole process, in bytes. */
  readonly peakBytes: number;
  /** Resident set size once connected, just before the deletion, in bytes. */
  readonly beforeBytes: number;
  readonly method: PeakRssMethod;
}

async function main(): Promise<void> {
  const [url, table, variant, cutoffText, batchText] = process.argv.slice(2);
  if (
    url === undefined ||
    table === undefined ||
    variant === undefined ||
    cutoffText === undefined ||
    batchText === undefined
  ) {
    throw new Error('usage: delete-child <url> <table> <variant> <cutoff> <batch size>');
  }
  const cutoff = new Date(cutoffText);
  const batchSize = Number(batchText);
  const sequelize = new Sequelize(url, { logging: false });
  try {
    const Product = defineProduct(sequelize, table);
    // Every variant loads the same modules, so their peaks differ only by what they run.
    const em = batchSize > 0 ? new EntityManager(sequelize, { batchSize }) : undefined;
    await sequelize.authenticate();
    const operations: Record<string, () => Promise<number>> = {
      idle: async () => 0,
      DELETE: async () => {
        const affected = await sequelize.query(`DELETE FROM "${table}" WHERE "createdAt" < $1`, {
          bind: [cutoff],
          type: QueryTypes.BULKDELETE,
        });
        return Number(affected);
      },
      deleteAll: async () => {
        if (em === undefined) throw new Error('deleteAll needs a batch size');
        return em.deleteAll(Product, { createdAt__lt: cutoff }, { commit: true });
      },
    };
    for (const [name, keys] of [
      ['loop-in', `"id" IN (SELECT "id"`],
      ['loop-any', `"id" = ANY(ARRAY(SELECT "id"`],
    ] as const) {
      const close = name === 'loop-in' ? ')' : '))';
      const sql = `DELETE FROM "${table}" WHERE ${keys} FROM "${table}" WHERE "createdAt" < $1 LIMIT ${batchSize}${close}`;
      operations[name] = async () => {
        if (!(batchSize > 0)) throw new Error(`${name} needs a batch size`);
        let total = 0;
        for (;;) {
          const affected = Number(
            await sequelize.query(sql, { bind: [cutoff], type: QueryTypes.BULKDELETE }),
          );
          total += affected;
          // As deleteAll: until a batch finds nothing.
          if (affected === 0) return total;
        }
      };
    }
    const run = operations[variant];
    if (run === undefined) throw new Error(`unknown variant ${variant}`);

    const beforeBytes = currentRss();
    const start = performance.now();
    const deleted = await run();
    const ms = performance.now() - start;
    const { peakBytes, method } = peakRss();
    const report: DeletionRun = { variant, batchSize, deleted, ms, peakBytes, beforeBytes, method };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    await sequelize.close();
  }
}

await main();
