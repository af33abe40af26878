// select and selectAll against the same query through bare Sequelize (findByPk, findAll) on a
// 100 000-row, 12-column PostgreSQL table. Target: each at most 1.10x the time of the bare call.
// Each setup runs both cases once and checks they give back the same loaded instances.
//
// selectAll runs twice: with filters the database needs some milliseconds for (TYPICAL), and
// with filters it answers in a fraction of one (LIGHT_PAGE), where building the SQL and the 50
// instances weighs most.
import { type BenchSuite, defineSuite } from '@x/bench-harness';
import type { FindOptions } from 'sequelize';
import type { Filters } from '../src/index.js';
import {
  BenchTable,
  expectEqual,
  type FilterSet,
  LIGHT_PAGE,
  label,
  plainRows,
  READ_ROWS,
  Slot,
  TYPICAL,
} from './fixtures.js';
import type { Product } from './model.js';

/** A row in the middle of the table. */
const ID = Math.round(READ_ROWS * 0.543_21);

const FIND_BY_PK = 'Model.findByPk(id)';
const SELECT = 'em.select(Model, id)';

const byId = new Slot<BenchTable>();

const select: BenchSuite = defineSuite({
  name: `select by primary key, ${label(READ_ROWS)}-row table`,
  baseline: FIND_BY_PK,
  cases: {
    [FIND_BY_PK]: () => byId.value.Product.findByPk(ID),
    [SELECT]: () => byId.value.em.select(byId.value.Product, ID),
  },
  setup: () =>
    byId.open(BenchTable.open('select'), async (w) => {
      const [expected] = plainRows(FIND_BY_PK, [await w.Product.findByPk(ID)]);
      expectEqual(FIND_BY_PK, (expected as { id: number }).id, ID);
      expectEqual(SELECT, plainRows(SELECT, [await w.em.select(w.Product, ID)]), [expected]);
    }),
  teardown: () => byId.close(),
});

const LIMIT = 50;
const FIND_ALL = `Model.findAll(where, order, limit ${LIMIT})`;
const SELECT_ALL = 'em.selectAll(Model, filters)';

function selectAllSuite(filters: FilterSet, name: string): BenchSuite {
  const findAllOptions: FindOptions<Product> = {
    where: filters.sequelize,
    order: [['releasedAt', 'DESC']],
    limit: LIMIT,
  };
  const selectAllFilters: Filters<Product> = {
    ...filters.entity,
    orderBy: '-releasedAt',
    limit: LIMIT,
  };
  const slot = new Slot<BenchTable>();
  return defineSuite({
    name: `selectAll, ${filters.label} + order + limit ${LIMIT}, ${label(READ_ROWS)}-row table`,
    baseline: FIND_ALL,
    cases: {
      [FIND_ALL]: () => slot.value.Product.findAll(findAllOptions),
      [SELECT_ALL]: () => slot.value.em.selectAll(slot.value.Product, selectAllFilters),
    },
    setup: () =>
      slot.open(BenchTable.open(name), async (w) => {
        const matching = await w.Product.count({ where: filters.sequelize });
        if (matching <= LIMIT)
          throw new Error(`the filters match ${matching} rows, not > ${LIMIT}`);
        const expected = plainRows(FIND_ALL, await w.Product.findAll(findAllOptions));
        expectEqual(FIND_ALL, expected.length, LIMIT);
        const actual = plainRows(SELECT_ALL, await w.em.selectAll(w.Product, selectAllFilters));
        expectEqual(SELECT_ALL, actual, expected);
      }),
    teardown: () => slot.close(),
  });
}

const suites: BenchSuite[] = [
  select,
  selectAllSuite(TYPICAL, 'select_all'),
  selectAllSuite(LIGHT_PAGE, 'select_page'),
];

export default suites;
