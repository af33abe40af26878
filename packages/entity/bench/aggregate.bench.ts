// countAll and sumAll against Model.count and Model.sum with the same three filters, on a
// 100 000-row PostgreSQL table; sums of an INTEGER and of a DECIMAL(12, 2) column. Target: each
// at most 1.10x the time of the bare Sequelize call. countAll also runs with filters the
// database answers in about a millisecond (LIGHT_COUNT), where the libraries' own work weighs
// most.
//
// Model.sum gives a DECIMAL sum as a float (parseFloat), sumAll as the exact text: the setup
// checks that text against the database's own and its float against Model.sum's.
import { type BenchSuite, defineSuite } from '@x/bench-harness';
import { QueryTypes } from 'sequelize';
import {
  BenchTable,
  expectEqual,
  type FilterSet,
  LIGHT_COUNT,
  label,
  READ_ROWS,
  Slot,
  TYPICAL,
} from './fixtures.js';

const COUNT = 'Model.count({ where })';
const COUNT_ALL = 'em.countAll(Model, filters)';

/** COUNT(*) and SUM(column) of the filtered rows as the database computes them, in text. */
async function exact(
  w: BenchTable,
  filters: FilterSet,
  column: string,
): Promise<{ rows: number; total: string }> {
  const [row] = await w.sequelize.query<{ rows: string; total: string }>(
    `SELECT COUNT(*) AS rows, CAST(SUM("${column}") AS TEXT) AS total FROM "${w.table}" WHERE ${filters.sql}`,
    { type: QueryTypes.SELECT },
  );
  if (row === undefined) throw new Error('no sum');
  return { rows: Number(row.rows), total: row.total };
}

function countSuite(filters: FilterSet, name: string): BenchSuite {
  const slot = new Slot<BenchTable>();
  return defineSuite({
    name: `countAll, ${filters.label}, ${label(READ_ROWS)}-row table`,
    baseline: COUNT,
    cases: {
      [COUNT]: () => slot.value.Product.count({ where: filters.sequelize }),
      [COUNT_ALL]: () => slot.value.em.countAll(slot.value.Product, filters.entity),
    },
    setup: () =>
      slot.open(BenchTable.open(name), async (w) => {
        const { rows } = await exact(w, filters, 'id');
        if (!(rows > 50 && rows < 1000)) throw new Error(`the filters match ${rows} rows`);
        expectEqual(COUNT, await w.Product.count({ where: filters.sequelize }), rows);
        expectEqual(COUNT_ALL, await w.em.countAll(w.Product, filters.entity), rows);
      }),
    teardown: () => slot.close(),
  });
}

function sumSuite(filters: FilterSet, column: 'stock' | 'price', type: string): BenchSuite {
  const SUM = `Model.sum('${column}', { where })`;
  const SUM_ALL = `em.sumAll(Model, '${column}', filters)`;
  const slot = new Slot<BenchTable>();
  return defineSuite({
    name: `sumAll of an ${type} column, ${filters.label}, ${label(READ_ROWS)}-row table`,
    baseline: SUM,
    cases: {
      [SUM]: () => slot.value.Product.sum(column, { where: filters.sequelize }),
      [SUM_ALL]: () => slot.value.em.sumAll(slot.value.Product, column, filters.entity),
    },
    setup: () =>
      slot.open(BenchTable.open(`sum_${column}`), async (w) => {
        const { rows, total } = await exact(w, filters, column);
        // filters.sql is written by hand: it must select the rows the cases select.
        expectEqual('FilterSet.sql', rows, await w.Product.count({ where: filters.sequelize }));
        if (!(Number(total) > 0)) throw new Error(`the sum is ${total}`);
        const bare = await w.Product.sum(column, { where: filters.sequelize });
        const ours = await w.em.sumAll(w.Product, column, filters.entity);
        if (column === 'price') {
          expectEqual(SUM_ALL, ours, total);
          expectEqual(SUM, bare, Number.parseFloat(total));
        } else {
          expectEqual(SUM_ALL, ours, Number(total));
          expectEqual(SUM, bare, Number(total));
        }
      }),
    teardown: () => slot.close(),
  });
}

const suites: BenchSuite[] = [
  countSuite(TYPICAL, 'count'),
  countSuite(LIGHT_COUNT, 'count_light'),
  sumSuite(TYPICAL, 'stock', 'INTEGER'),
  sumSuite(TYPICAL, 'price', 'DECIMAL(12, 2)'),
];

export default suites;
