// Where the time of a read goes on the client: the CPU time this process spends per call (user +
// system, process.cpuUsage), which the database's work and a busy machine's waits do not enter,
// next to the wall time. For selectAll and findAll the query is also run alone, through
// sequelize.query with each one's SQL and the same model (instances built the same way), so:
//   findAll    − query(findAll's SQL)   = Sequelize's finder: options, scopes, hooks, SQL text;
//   selectAll  − query(selectAll's SQL) = EntityManager's checks and SQL text;
//   query(selectAll's SQL) − query(findAll's SQL) = bound values (extended protocol) vs inline.
// Not a suite (no `.bench.ts`): run it by hand when a ratio of the suites needs explaining.
//
// usage: node --import tsx bench/client-cpu.ts [calls per round, default 100]
import { type FindOptions, QueryTypes } from 'sequelize';
import { BenchTable, expectEqual, plainRows, TYPICAL } from './fixtures.js';
import type { Product } from './model.js';

const CALLS = Number(process.argv[2] ?? 100);
const ROUNDS = 15;

type Call = () => Promise<unknown>;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Median CPU and wall microseconds per call of each case, rounds interleaved. */
async function measure(cases: Readonly<Record<string, Call>>): Promise<void> {
  const entries = Object.entries(cases);
  for (const [, call] of entries) for (let i = 0; i < CALLS; i++) await call(); // warm-up
  const cpu = new Map<string, number[]>(entries.map(([name]) => [name, []]));
  const wall = new Map<string, number[]>(entries.map(([name]) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, call] of entries) {
      const startCpu = process.cpuUsage();
      const start = performance.now();
      for (let i = 0; i < CALLS; i++) await call();
      const elapsed = performance.now() - start;
      const used = process.cpuUsage(startCpu);
      cpu.get(name)?.push((used.user + used.system) / CALLS);
      wall.get(name)?.push((elapsed * 1000) / CALLS);
    }
  }
  for (const [name] of entries) {
    const c = median(cpu.get(name) ?? []);
    const w = median(wall.get(name) ?? []);
    process.stdout.write(
      `  ${name.padEnd(52)} CPU ${c.toFixed(0).padStart(6)} µs   wall ${w.toFixed(0).padStart(6)} µs\n`,
    );
  }
}

/** The SQL (and bound values) a call sends, caught through the connection's logging. */
async function sqlOf(world: BenchTable, call: Call): Promise<{ sql: string; bind?: unknown[] }> {
  let caught: { sql: string; bind?: unknown[] } | undefined;
  const { options } = world.sequelize as unknown as { options: { logging: unknown } };
  options.logging = (line: string, details: { bind?: unknown[] }) => {
    caught = {
      sql: line.replace(/^Execut(?:ed|ing) \([^)]*\): /, ''),
      ...(details.bind === undefined ? {} : { bind: details.bind }),
    };
  };
  try {
    await call();
  } finally {
    options.logging = false;
  }
  if (caught === undefined) throw new Error('no query was logged');
  return caught;
}

const world = await BenchTable.open('client_cpu');
try {
  const { Product: Model, em, sequelize } = world;
  const id = Math.round(world.rows / 2);
  const findAllOptions: FindOptions<Product> = {
    where: TYPICAL.sequelize,
    order: [['releasedAt', 'DESC']],
    limit: 50,
  };
  const selectAllFilters = { ...TYPICAL.entity, orderBy: '-releasedAt' as const, limit: 50 };
  const findAll = () => Model.findAll(findAllOptions);
  const selectAll = () => em.selectAll(Model, selectAllFilters);
  const theirs = await sqlOf(world, findAll);
  const ours = await sqlOf(world, selectAll);
  const queryTheirs = () =>
    sequelize.query(theirs.sql, { model: Model, mapToModel: false, type: QueryTypes.SELECT });
  const queryOurs = () =>
    sequelize.query(ours.sql, {
      ...(ours.bind === undefined ? {} : { bind: ours.bind }),
      model: Model,
      mapToModel: false,
      type: QueryTypes.SELECT,
    });
  const expected = plainRows('findAll', await findAll());
  expectEqual('selectAll', plainRows('selectAll', await selectAll()), expected);
  expectEqual('query(findAll SQL)', plainRows('q', (await queryTheirs()) as Product[]), expected);
  expectEqual('query(selectAll SQL)', plainRows('q', (await queryOurs()) as Product[]), expected);
  process.stdout.write(`findAll SQL:   ${theirs.sql}\nselectAll SQL: ${ours.sql}\n`);

  process.stdout.write(`\nselect by primary key (${CALLS} calls × ${ROUNDS} rounds)\n`);
  await measure({
    'Model.findByPk(id)': () => Model.findByPk(id),
    'em.select(Model, id)': () => em.select(Model, id),
  });
  process.stdout.write('\nselectAll, 3 filters + order + limit 50\n');
  await measure({
    'Model.findAll(...)': findAll,
    'em.selectAll(...)': selectAll,
    "sequelize.query(findAll's SQL, { model })": queryTheirs,
    "sequelize.query(selectAll's SQL, { bind, model })": queryOurs,
  });
  process.stdout.write('\ncountAll and sumAll, 3 filters\n');
  await measure({
    'Model.count({ where })': () => Model.count({ where: TYPICAL.sequelize }),
    'em.countAll(...)': () => em.countAll(Model, TYPICAL.entity),
    "Model.sum('price', { where })": () => Model.sum('price', { where: TYPICAL.sequelize }),
    "em.sumAll(Model, 'price', ...)": () => em.sumAll(Model, 'price', TYPICAL.entity),
  });
} finally {
  await world.close();
}
