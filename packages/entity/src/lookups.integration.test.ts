import { useTestDatabase } from '@x/test-services/vitest';
import { QueryTypes, Sequelize } from 'sequelize';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CHILD_ROWS,
  CHILD_TABLE,
  defineLookupModels,
  INJECTIONS,
  LOOKUP_ROWS,
  type LookupModels,
  type LookupRow,
  type LookupRowValues,
  ROW_TABLE,
} from '../test/lookup-rows.js';
import { EntityError } from './entity-error.js';
import { EntityManager } from './entity-manager.js';
import type { Filters, WhereFilters } from './filters.js';
import { LOOKUPS } from './lookups.js';

type Dialect = 'postgres' | 'mariadb';
const DIALECTS: readonly Dialect[] = ['postgres', 'mariadb'];

/** What MariaDB takes for "no limit" when only an OFFSET is wanted. */
const MARIADB_NO_LIMIT = '18446744073709551615';
const FIELDS = 'id, name, score, price, seenAt, day';
const CHILD_FIELDS = 'id, parentId, label';

/** One filter, the WHERE condition a person would write for it, and, where the answer does not depend on the collation, the rows it must match on every dialect. */
interface LookupCase {
  readonly title: string;
  readonly filters: WhereFilters<LookupRow>;
  readonly where: string;
  readonly portable?: (row: LookupRowValues) => boolean;
}

/**
 * A string literal, escaped by hand: PostgreSQL (standard_conforming_strings) doubles quotes;
 * MariaDB (default sql_mode) also treats a backslash as an escape inside literals.
 */
function literal(dialect: Dialect, text: string): string {
  const escaped = dialect === 'postgres' ? text : text.replaceAll('\\', '\\\\');
  return `'${escaped.replaceAll("'", "''")}'`;
}

/** A timestamp literal: timestamptz on PostgreSQL, a UTC DATETIME on MariaDB (Sequelize's default timezone). */
function timestamp(dialect: Dialect, iso: string): string {
  const text = iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
  return dialect === 'postgres' ? `'${text}+00'` : `'${text}'`;
}

const has = (name: string | null, part: string): boolean => name?.includes(part) === true;
const time = (iso: string): number => new Date(iso).getTime();

function lookupCases(dialect: Dialect): LookupCase[] {
  const pg = dialect === 'postgres';
  const q = (text: string) => literal(dialect, text);
  const ts = (iso: string) => timestamp(dialect, iso);
  /** Case-sensitive LIKE: MariaDB's default collation ignores case, BINARY does not. */
  const like = (column: string, pattern: string, escaped = true) =>
    `${column} LIKE ${pg ? '' : 'BINARY '}${q(pattern)}${escaped ? " ESCAPE '!'" : ''}`;
  const ilike = (column: string, pattern: string, escaped = true) =>
    pg
      ? `${column} ILIKE ${q(pattern)}${escaped ? " ESCAPE '!'" : ''}`
      : `LOWER(${column}) LIKE LOWER(${q(pattern)})${escaped ? " ESCAPE '!'" : ''}`;
  const regex = (pattern: string, insensitive: boolean) =>
    pg
      ? `name ${insensitive ? '~*' : '~'} ${q(pattern)}`
      : `name REGEXP ${q(`${insensitive ? '(?i)' : '(?-i)'}${pattern}`)}`;
  const manyIds = Array.from({ length: 400 }, (_, index) => index * 3);
  const manyNames = [...LOOKUP_ROWS.map((row) => row.name ?? 'null'), ...INJECTIONS].filter(
    (_, index) => index % 2 === 0,
  );
  const ts1 = '2024-01-01T10:00:00Z';
  const ts2 = '2024-03-01T00:00:00Z';
  return [
    // exact
    { title: 'exact string', filters: { name: 'Ann' }, where: `name = ${q('Ann')}` },
    {
      title: 'exact null is IS NULL',
      filters: { name: null },
      where: 'name IS NULL',
      portable: (row) => row.name === null,
    },
    {
      title: 'exact explicit lookup with null',
      filters: { score__exact: null },
      where: 'score IS NULL',
      portable: (row) => row.score === null,
    },
    {
      title: 'exact number',
      filters: { score: 30 },
      where: 'score = 30',
      portable: (row) => row.score === 30,
    },
    { title: 'exact empty string', filters: { name: '' }, where: `name = ''` },
    {
      title: 'exact date',
      filters: { seenAt: new Date(ts1) },
      where: `seen_at = ${ts(ts1)}`,
      portable: (row) => row.seenAt?.getTime() === time(ts1),
    },
    { title: 'exact quote', filters: { name: "O'Brien" }, where: `name = ${q("O'Brien")}` },
    {
      title: 'exact backslash',
      filters: { name: 'back\\slash' },
      where: `name = ${q('back\\slash')}`,
    },
    {
      title: 'exact bind markers',
      filters: { name: 'cost $1 ? :name' },
      where: `name = ${q('cost $1 ? :name')}`,
    },
    ...INJECTIONS.map(
      (text): LookupCase => ({
        title: `exact injection ${JSON.stringify(text)}`,
        filters: { name: text },
        where: `name = ${q(text)}`,
        portable: (row) => row.name === text,
      }),
    ),
    // iexact
    {
      title: 'iexact ascii',
      filters: { name__iexact: 'aNn' },
      where: `LOWER(name) = LOWER(${q('aNn')})`,
      portable: (row) => row.name?.toLowerCase() === 'ann',
    },
    {
      title: 'iexact accent',
      filters: { name__iexact: 'CAFÉ' },
      where: `LOWER(name) = LOWER(${q('CAFÉ')})`,
    },
    {
      title: 'iexact ß',
      filters: { name__iexact: 'STRASSE' },
      where: `LOWER(name) = LOWER(${q('STRASSE')})`,
    },
    {
      title: 'iexact dotted I',
      filters: { name__iexact: 'ISTANBUL' },
      where: `LOWER(name) = LOWER(${q('ISTANBUL')})`,
    },
    {
      title: 'iexact % is no wildcard',
      filters: { name__iexact: '%' },
      where: `LOWER(name) = ${q('%')}`,
      portable: (row) => row.name === '%',
    },
    // ne
    {
      title: 'ne string keeps NULL rows',
      filters: { name__ne: 'Ann' },
      where: `(name <> ${q('Ann')} OR name IS NULL)`,
    },
    {
      title: 'ne null is IS NOT NULL',
      filters: { name__ne: null },
      where: 'name IS NOT NULL',
      portable: (row) => row.name !== null,
    },
    {
      title: 'ne number keeps NULL rows',
      filters: { score__ne: 30 },
      where: '(score <> 30 OR score IS NULL)',
      portable: (row) => row.score !== 30,
    },
    {
      title: 'ne date keeps NULL rows',
      filters: { seenAt__ne: new Date(ts1) },
      where: `(seen_at <> ${ts(ts1)} OR seen_at IS NULL)`,
      portable: (row) => row.seenAt?.getTime() !== time(ts1),
    },
    {
      title: 'ne injection',
      filters: { name__ne: "x' OR '1'='1" },
      where: `(name <> ${q("x' OR '1'='1")} OR name IS NULL)`,
      portable: (row) => row.name !== "x' OR '1'='1",
    },
    // comparisons on numbers, strings and dates
    ...(
      [
        ['lt', '<'],
        ['lte', '<='],
        ['gt', '>'],
        ['gte', '>='],
      ] as const
    ).flatMap(([lookup, operator]): LookupCase[] => {
      const compare = (a: number, b: number) =>
        operator === '<' ? a < b : operator === '<=' ? a <= b : operator === '>' ? a > b : a >= b;
      return [
        {
          title: `${lookup} number`,
          filters: { [`score__${lookup}`]: 30 },
          where: `score ${operator} 30`,
          portable: (row) => row.score !== null && compare(row.score, 30),
        },
        {
          title: `${lookup} negative number`,
          filters: { [`score__${lookup}`]: -5 },
          where: `score ${operator} -5`,
          portable: (row) => row.score !== null && compare(row.score, -5),
        },
        {
          title: `${lookup} decimal`,
          filters: { [`price__${lookup}`]: '10.50' },
          where: `price ${operator} 10.50`,
          portable: (row) => row.price !== null && compare(Number(row.price), 10.5),
        },
        {
          title: `${lookup} string`,
          filters: { [`name__${lookup}`]: 'Ann' },
          where: `name ${operator} ${q('Ann')}`,
        },
        {
          title: `${lookup} string with a quote`,
          filters: { [`name__${lookup}`]: "O'Brien" },
          where: `name ${operator} ${q("O'Brien")}`,
        },
        {
          title: `${lookup} date`,
          filters: { [`seenAt__${lookup}`]: new Date(ts1) },
          where: `seen_at ${operator} ${ts(ts1)}`,
          portable: (row) => row.seenAt !== null && compare(row.seenAt.getTime(), time(ts1)),
        },
        {
          title: `${lookup} date only`,
          filters: { [`day__${lookup}`]: '2024-01-01' },
          where: `day ${operator} '2024-01-01'`,
          portable: (row) => row.day !== null && compare(time(row.day), time('2024-01-01')),
        },
      ];
    }),
    // in / notin
    {
      title: 'in [] matches nothing',
      filters: { id__in: [] },
      where: '1 = 0',
      portable: () => false,
    },
    {
      title: 'in ids',
      filters: { id__in: [1, 5, 99, 5] },
      where: 'id IN (1, 5, 99)',
      portable: (row) => [1, 5].includes(row.id),
    },
    {
      title: 'in strings with injections',
      filters: { name__in: ['Ann', ...INJECTIONS] },
      where: `name IN (${['Ann', ...INJECTIONS].map(q).join(', ')})`,
    },
    {
      title: 'in 400 ids',
      filters: { id__in: manyIds },
      where: `id IN (${manyIds.join(', ')})`,
      portable: (row) => row.id % 3 === 0,
    },
    {
      title: 'in many strings',
      filters: { name__in: manyNames },
      where: `name IN (${manyNames.map(q).join(', ')})`,
    },
    {
      title: 'in dates',
      filters: { seenAt__in: [new Date(ts1), new Date(ts2)] },
      where: `seen_at IN (${ts(ts1)}, ${ts(ts2)})`,
      portable: (row) => [time(ts1), time(ts2)].includes(row.seenAt?.getTime() ?? Number.NaN),
    },
    {
      title: 'notin [] matches everything',
      filters: { id__notin: [] },
      where: '1 = 1',
      portable: () => true,
    },
    {
      title: 'notin numbers (NULL is not NOT IN)',
      filters: { score__notin: [30, 25] },
      where: 'score NOT IN (30, 25)',
      portable: (row) => row.score !== null && row.score !== 30 && row.score !== 25,
    },
    {
      title: 'notin 400 ids',
      filters: { id__notin: manyIds },
      where: `id NOT IN (${manyIds.join(', ')})`,
      portable: (row) => row.id % 3 !== 0,
    },
    {
      title: 'notin strings with injections',
      filters: { name__notin: ['Ann', ...INJECTIONS] },
      where: `name NOT IN (${['Ann', ...INJECTIONS].map(q).join(', ')})`,
    },
    // contains / startswith / endswith: case-sensitive, metacharacters literal, on both dialects
    ...(
      [
        ['nn', '%nn%'],
        ['Ann', '%Ann%'],
        ['%', '%!%%'],
        ['0%', '%0!%%'],
        ['_', '%!_%'],
        ['a_b', '%a!_b%'],
        ['!', '%!!%'],
        ['x!y', '%x!!y%'],
        ['\\', '%\\%'],
        ["'", "%'%"],
        ['"', '%"%'],
        ['é', '%é%'],
        ['É', '%É%'],
        ['ß', '%ß%'],
        ['😀', '%😀%'],
        ['İ', '%İ%'],
        ['$1 ?', '%$1 ?%'],
        ['\t', '%\t%'],
        ["x' OR '1'='1", "%x' OR '1'='1%"],
        ["'); DROP TABLE lookup_rows; --", "%'); DROP TABLE lookup_rows; --%"],
      ] as const
    ).map(
      ([value, pattern]): LookupCase => ({
        title: `contains ${JSON.stringify(value)}`,
        filters: { name__contains: value },
        where: like('name', pattern),
        portable: (row) => has(row.name, value),
      }),
    ),
    ...(
      [
        ['An', 'An%'],
        ['an', 'an%'],
        ['%', '!%%'],
        ['_', '!_%'],
        ['!', '!!%'],
        ['1', '1%'],
        ['😀', '😀%'],
        ["'", "'%"],
      ] as const
    ).map(
      ([value, pattern]): LookupCase => ({
        title: `startswith ${JSON.stringify(value)}`,
        filters: { name__startswith: value },
        where: like('name', pattern),
        portable: (row) => row.name?.startsWith(value) === true,
      }),
    ),
    ...(
      [
        ['nn', '%nn'],
        ['NN', '%NN'],
        ['%', '%!%'],
        ['_', '%!_'],
        ['ße', '%ße'],
        ['smile', '%smile'],
        ['--', '%--'],
        ['\\slash', '%\\slash'],
      ] as const
    ).map(
      ([value, pattern]): LookupCase => ({
        title: `endswith ${JSON.stringify(value)}`,
        filters: { name__endswith: value },
        where: like('name', pattern),
        portable: (row) => row.name?.endsWith(value) === true,
      }),
    ),
    // case-insensitive pattern lookups
    ...(
      [
        ['icontains', 'ANN', '%ANN%'],
        ['icontains', 'é', '%é%'],
        ['icontains', 'SS', '%SS%'],
        ['icontains', '%', '%!%%'],
        ['icontains', '_', '%!_%'],
        ['icontains', '!', '%!!%'],
        ['icontains', "O'B", "%O'B%"],
        ['icontains', "x' OR '1'='1", "%x' OR '1'='1%"],
        ['istartswith', 'an', 'an%'],
        ['istartswith', 'CAF', 'CAF%'],
        ['istartswith', '%', '!%%'],
        ['istartswith', '_', '!_%'],
        ['iendswith', 'NN', '%NN'],
        ['iendswith', 'SMILE', '%SMILE'],
        ['iendswith', '%', '%!%'],
        ['iendswith', '_', '%!_'],
      ] as const
    ).map(
      ([lookup, value, pattern]): LookupCase => ({
        title: `${lookup} ${JSON.stringify(value)}`,
        filters: { [`name__${lookup}`]: value },
        where: ilike('name', pattern),
      }),
    ),
    {
      title: 'icontains ascii is portable',
      filters: { name__icontains: 'aNn' },
      where: ilike('name', '%aNn%'),
      portable: (row) => row.name?.toLowerCase().includes('ann') === true,
    },
    // like / ilike take raw patterns
    {
      title: 'like raw pattern',
      filters: { name__like: 'A%' },
      where: like('name', 'A%', false),
      portable: (row) => row.name?.startsWith('A') === true,
    },
    {
      title: 'like raw _ on ASCII',
      filters: { name__like: 'a_b' },
      where: like('name', 'a_b', false),
      portable: (row) => row.name === 'a_b' || row.name === 'axb',
    },
    {
      title: 'like with the default escape',
      filters: { name__like: 'a\\_b' },
      where: like('name', 'a\\_b', false),
      portable: (row) => row.name === 'a_b',
    },
    {
      title: 'like injection',
      filters: { name__like: "x' OR '1'='1" },
      where: like('name', "x' OR '1'='1", false),
    },
    {
      title: 'ilike raw pattern',
      filters: { name__ilike: 'a%' },
      where: ilike('name', 'a%', false),
    },
    { title: 'ilike _', filters: { name__ilike: '_' }, where: ilike('name', '_', false) },
    // isnull
    ...(['name', 'score', 'price', 'seenAt', 'day'] as const).flatMap((field): LookupCase[] => {
      const column = field === 'seenAt' ? 'seen_at' : field;
      return [
        {
          title: `isnull true on ${field}`,
          filters: { [`${field}__isnull`]: true },
          where: `${column} IS NULL`,
          portable: (row) => row[field] === null,
        },
        {
          title: `isnull false on ${field}`,
          filters: { [`${field}__isnull`]: false },
          where: `${column} IS NOT NULL`,
          portable: (row) => row[field] !== null,
        },
      ];
    }),
    // range: both ends included
    {
      title: 'range numbers',
      filters: { score__range: [25, 30] },
      where: 'score >= 25 AND score <= 30',
      portable: (row) => row.score !== null && row.score >= 25 && row.score <= 30,
    },
    {
      title: 'range equal ends',
      filters: { score__range: [100, 100] },
      where: 'score = 100',
      portable: (row) => row.score === 100,
    },
    {
      title: 'range reversed ends',
      filters: { score__range: [30, 25] },
      where: '1 = 0',
      portable: () => false,
    },
    {
      title: 'range decimals',
      filters: { price__range: ['0.00', '10.50'] },
      where: 'price >= 0.00 AND price <= 10.50',
      portable: (row) => row.price !== null && Number(row.price) >= 0 && Number(row.price) <= 10.5,
    },
    {
      title: 'range dates',
      filters: { seenAt__range: [new Date(ts1), new Date(ts2)] },
      where: `seen_at >= ${ts(ts1)} AND seen_at <= ${ts(ts2)}`,
      portable: (row) =>
        row.seenAt !== null &&
        row.seenAt.getTime() >= time(ts1) &&
        row.seenAt.getTime() <= time(ts2),
    },
    {
      title: 'range strings',
      filters: { name__range: ['Ann', "O'Brien"] },
      where: `name >= ${q('Ann')} AND name <= ${q("O'Brien")}`,
    },
    // regex / iregex
    {
      title: 'regex anchored',
      filters: { name__regex: '^A' },
      where: regex('^A', false),
      portable: (row) => row.name !== null && /^A/.test(row.name),
    },
    {
      title: 'regex class',
      filters: { name__regex: '^[a-z]+$' },
      where: regex('^[a-z]+$', false),
      portable: (row) => row.name !== null && /^[a-z]+$/.test(row.name),
    },
    {
      title: 'regex one character',
      filters: { name__regex: '^.$' },
      where: regex('^.$', false),
      portable: (row) => row.name !== null && /^.$/u.test(row.name),
    },
    {
      title: 'regex non-BMP',
      filters: { name__regex: '^. smile$' },
      where: regex('^. smile$', false),
      portable: (row) => row.name !== null && /^. smile$/u.test(row.name),
    },
    {
      title: 'regex metacharacters escaped by the caller',
      filters: { name__regex: '^100%$|\\$1' },
      where: regex('^100%$|\\$1', false),
      portable: (row) => row.name !== null && /^100%$|\$1/.test(row.name),
    },
    {
      title: 'regex injection',
      filters: { name__regex: "x' OR '1'='1" },
      where: regex("x' OR '1'='1", false),
    },
    {
      title: 'iregex ascii',
      filters: { name__iregex: '^ann' },
      where: regex('^ann', true),
      portable: (row) => row.name !== null && /^ann/i.test(row.name),
    },
    { title: 'iregex accent', filters: { name__iregex: 'É' }, where: regex('É', true) },
    {
      title: 'iregex ß',
      filters: { name__iregex: 'STRASSE|straße' },
      where: regex('STRASSE|straße', true),
    },
    // several filters AND together
    {
      title: 'several filters',
      filters: {
        name__icontains: 'n',
        score__gte: 25,
        seenAt__isnull: false,
        id__notin: [2],
        price__ne: '99.99',
      },
      where: `${ilike('name', '%n%')} AND score >= 25 AND seen_at IS NOT NULL AND id NOT IN (2) AND (price <> 99.99 OR price IS NULL)`,
    },
    {
      title: 'several filters on one column',
      filters: { score__gt: 10, score__lt: 30, score__ne: 25, name__startswith: 'S' },
      where: `score > 10 AND score < 30 AND score <> 25 AND ${like('name', 'S%')}`,
      portable: (row) =>
        row.score !== null &&
        row.score > 10 &&
        row.score < 30 &&
        row.score !== 25 &&
        row.name?.startsWith('S') === true,
    },
  ];
}

const byNumber = (a: number, b: number) => a - b;
const idsOf = (rows: readonly { id: number }[]): number[] => rows.map((row) => row.id);
const loose = (filters: Record<string, unknown>) => filters as Filters<LookupRow>;

describe.each(DIALECTS)('lookups on %s', (dialect) => {
  const database = useTestDatabase(dialect);
  const pg = dialect === 'postgres';
  const q = (text: string) => literal(dialect, text);
  /** Every statement Sequelize runs, to show that a refused filter ran none. */
  const statements: string[] = [];
  let sequelize: Sequelize;
  let models: LookupModels;
  let em: EntityManager;

  beforeAll(async () => {
    sequelize = new Sequelize(database.url, {
      logging: (sql: string) => {
        statements.push(sql);
      },
    });
    models = defineLookupModels(sequelize);
    await sequelize.sync({ force: true });
    await models.Row.bulkCreate(LOOKUP_ROWS.map((row) => ({ ...row })));
    await models.Child.bulkCreate(CHILD_ROWS.map((row) => ({ ...row })));
    em = new EntityManager(sequelize);
  });

  afterAll(async () => {
    await sequelize?.close();
  });

  beforeEach(() => {
    statements.length = 0;
  });

  /** Ids of a hand-written query, in the order it returns them. */
  async function sqlIds(sql: string): Promise<number[]> {
    const rows = await sequelize.query<{ id: number | string }>(sql, {
      type: QueryTypes.SELECT,
      logging: false,
    });
    return rows.map((row) => Number(row.id));
  }

  const rowsWhere = (where: string) =>
    sqlIds(`SELECT id FROM ${ROW_TABLE} WHERE ${where} ORDER BY id`);

  async function expectSameAsSql(filters: Filters<LookupRow>, where: string): Promise<number[]> {
    const expected = await rowsWhere(where);
    const actual = idsOf(await em.selectAll(models.Row, filters)).sort(byNumber);
    expect(actual).toEqual(expected);
    return actual;
  }

  it('stored every row as given', async () => {
    const rows = await sequelize.query<{ id: number; name: string | null }>(
      `SELECT id, name FROM ${ROW_TABLE} ORDER BY id`,
      { type: QueryTypes.SELECT },
    );
    expect(rows.map((row) => row.name)).toEqual(LOOKUP_ROWS.map((row) => row.name));
  });

  describe('every lookup equals the hand-written SQL', () => {
    it.each(lookupCases(dialect))('$title', async ({ filters, where, portable }) => {
      const ids = await expectSameAsSql(filters, where);
      expect(await em.countAll(models.Row, filters)).toBe(ids.length);
      expect(await em.exists(models.Row, filters)).toBe(ids.length > 0);
      if (portable !== undefined) {
        expect(ids).toEqual(LOOKUP_ROWS.filter(portable).map((row) => row.id));
      }
    });
  });

  it('contains is case-sensitive although the column collation is not', async () => {
    if (!pg) {
      const [column] = await sequelize.query<{ collation: string }>(
        `SELECT COLLATION_NAME AS collation FROM information_schema.COLUMNS
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '${ROW_TABLE}' AND COLUMN_NAME = 'name'`,
        { type: QueryTypes.SELECT },
      );
      expect(column?.collation).toMatch(/_ci$/);
      // A plain LIKE on this collation ignores case: the ANN row matches 'nn'.
      expect(await rowsWhere(`name LIKE '%nn%'`)).toEqual([1, 2, 3, 4, 5]);
    }
    expect(idsOf(await em.selectAll(models.Row, { name__contains: 'nn' })).sort(byNumber)).toEqual([
      1, 2, 4, 5,
    ]);
    expect(idsOf(await em.selectAll(models.Row, { name__contains: 'NN' }))).toEqual([3]);
    expect(idsOf(await em.selectAll(models.Row, { name__startswith: 'a' })).sort(byNumber)).toEqual(
      [2, 16, 17],
    );
    expect(idsOf(await em.selectAll(models.Row, { name__endswith: 'É' }))).toEqual([7]);
    expect(idsOf(await em.selectAll(models.Row, { name__contains: '😀' }))).toEqual([11]);
    expect(idsOf(await em.selectAll(models.Row, { name__icontains: 'nn' })).sort(byNumber)).toEqual(
      [1, 2, 3, 4, 5],
    );
  });

  it('% and _ in a contains value match only themselves', async () => {
    const ids = async (filters: Filters<LookupRow>) =>
      idsOf(await em.selectAll(models.Row, filters)).sort(byNumber);
    expect(await ids({ name__contains: '%' })).toEqual([14, 24]);
    expect(await ids({ name__contains: '0%' })).toEqual([14]);
    expect(await ids({ name__contains: '_' })).toEqual([16, 23, 25]);
    expect(await ids({ name__contains: 'a_b' })).toEqual([16]);
    expect(await ids({ name__startswith: '%' })).toEqual([24]);
    expect(await ids({ name__endswith: '_' })).toEqual([25]);
    expect(await ids({ name__icontains: '%' })).toEqual([14, 24]);
    expect(await ids({ name__istartswith: '_' })).toEqual([25]);
    expect(await ids({ name__contains: '!' })).toEqual([18, 30]);
    expect(await ids({ name__contains: '\\' })).toEqual([19]);
    // The same patterns unescaped would match far more: the raw lookups show it.
    expect((await ids({ name__like: '%_%' })).length).toBeGreaterThan(25);
    expect(await ids({ name__like: '%0%%' })).toEqual([14, 15]);
  });

  it("like's _ stands for one character, as on PostgreSQL", async () => {
    // MariaDB: `LIKE BINARY` compares bytes, so `_` would match one byte of 'é' or '😀';
    // a binary collation keeps the match case-sensitive and character by character.
    const where = (pattern: string) =>
      pg ? `name LIKE ${q(pattern)}` : `name LIKE ${q(pattern)} COLLATE utf8mb4_bin`;
    expect(await expectSameAsSql({ name__like: 'caf_' }, where('caf_'))).toEqual([6, 8]);
    expect(await expectSameAsSql({ name__like: '_ smile' }, where('_ smile'))).toEqual([11, 12]);
    expect(await expectSameAsSql({ name__like: '_stanbul' }, where('_stanbul'))).toEqual([13]);
  });

  it('injection strings match only their literal rows and change nothing', async () => {
    const Row = models.Row;
    for (const text of INJECTIONS) {
      const own = LOOKUP_ROWS.filter((row) => row.name === text).map((row) => row.id);
      const containing = LOOKUP_ROWS.filter((row) => has(row.name, text)).map((row) => row.id);
      expect(own).toHaveLength(1);
      expect(idsOf(await Row.findAll({ where: { name: text } }))).toEqual(own);
      expect(idsOf(await em.selectAll(Row, { name: text }))).toEqual(own);
      expect(idsOf(await em.selectAll(Row, { name__iexact: text }))).toEqual(own);
      expect(idsOf(await em.selectAll(Row, { name__in: [text] }))).toEqual(own);
      expect(idsOf(await em.selectAll(Row, { name__range: [text, text] }))).toEqual(own);
      expect(idsOf(await em.selectAll(Row, { name__contains: text })).sort(byNumber)).toEqual(
        containing,
      );
      expect(idsOf(await em.selectAll(Row, { name__icontains: text })).sort(byNumber)).toEqual(
        containing,
      );
      expect(idsOf(await em.selectAll(Row, { name__startswith: text })).sort(byNumber)).toEqual(
        LOOKUP_ROWS.filter((row) => row.name?.startsWith(text)).map((row) => row.id),
      );
      expect(await em.countAll(Row, { name__ne: text })).toBe(LOOKUP_ROWS.length - 1);
      expect(await em.countAll(Row, { name__notin: [text] })).toBe(LOOKUP_ROWS.length - 2);
      expect(await em.exists(Row, { name: text })).toBe(true);
      const parents = CHILD_ROWS.filter((child) => child.label === text).map(
        (child) => child.parentId,
      );
      expect(
        idsOf(
          await em.selectAll(Row, {
            id__in: em.subquery(models.Child, 'parentId', { label: text }),
          }),
        ),
      ).toEqual(LOOKUP_ROWS.filter((row) => parents.includes(row.id)).map((row) => row.id));
    }
    expect(await em.countAll(Row, { name__gt: "x' OR '1'='1", name__lt: "x' OR '1'='1" })).toBe(0);
    // The tables are still there, with every row.
    const [rows] = await sequelize.query<{ count: number | string }>(
      `SELECT COUNT(*) AS count FROM ${ROW_TABLE}`,
      { type: QueryTypes.SELECT },
    );
    const [children] = await sequelize.query<{ count: number | string }>(
      `SELECT COUNT(*) AS count FROM ${CHILD_TABLE}`,
      { type: QueryTypes.SELECT },
    );
    expect(Number(rows?.count)).toBe(LOOKUP_ROWS.length);
    expect(Number(children?.count)).toBe(CHILD_ROWS.length);
    expect(await em.countAll(Row)).toBe(LOOKUP_ROWS.length);
  });

  describe('orderBy equals SQL ORDER BY', () => {
    const orders: readonly [Filters<LookupRow>['orderBy'], string][] = [
      ['id', 'id ASC'],
      ['-id', 'id DESC'],
      [['score', 'id'], 'score ASC, id ASC'],
      [['-score', 'id'], 'score DESC, id ASC'],
      [['-score', '-id'], 'score DESC, id DESC'],
      [['name', 'id'], 'name ASC, id ASC'],
      [['-name', '-id'], 'name DESC, id DESC'],
      [['price', '-seenAt', 'id'], 'price ASC, seen_at DESC, id ASC'],
      [['-day', 'name', '-id'], 'day DESC, name ASC, id DESC'],
      [[], 'id ASC'],
    ];
    it.each(orders)('orderBy %j', async (orderBy, sql) => {
      const expected = await sqlIds(`SELECT id FROM ${ROW_TABLE} ORDER BY ${sql}`);
      const filters: Filters<LookupRow> = orderBy === undefined ? {} : { orderBy };
      const actual = idsOf(await em.selectAll(models.Row, filters));
      if (Array.isArray(orderBy) && orderBy.length === 0) {
        // No order asked: the same rows, in whatever order.
        expect(actual.sort(byNumber)).toEqual(expected);
      } else {
        expect(actual).toEqual(expected);
      }
    });

    it('orders with filters', async () => {
      const expected = await sqlIds(
        `SELECT id FROM ${ROW_TABLE} WHERE score IS NOT NULL AND ${pg ? 'name ILIKE' : 'LOWER(name) LIKE'} '%a%' ORDER BY score DESC, id ASC`,
      );
      const actual = idsOf(
        await em.selectAll(models.Row, {
          score__isnull: false,
          name__icontains: 'a',
          orderBy: ['-score', 'id'],
        }),
      );
      expect(actual).toEqual(expected);
      expect(actual.length).toBeGreaterThan(5);
    });

    it('NULLs sort where the dialect puts them', async () => {
      const ascending = idsOf(await em.selectAll(models.Row, { orderBy: ['score', 'id'] }));
      const nullScores = LOOKUP_ROWS.filter((row) => row.score === null).map((row) => row.id);
      // PostgreSQL puts NULL last in ascending order, MariaDB first.
      const edge = pg ? ascending.slice(-nullScores.length) : ascending.slice(0, nullScores.length);
      expect(edge).toEqual(nullScores);
    });

    it('selectBy takes the first row of the order', async () => {
      const first = await em.selectBy(models.Row, { name__contains: 'nn', orderBy: '-id' });
      expect(first?.id).toBe(5);
      const none = await em.selectBy(models.Row, { name__contains: 'zzz' });
      expect(none).toBeNull();
    });
  });

  describe('limit/offset equal SQL LIMIT/OFFSET', () => {
    const order = 'score ASC, id ASC';
    const pages: readonly [number | undefined, number | undefined][] = [
      [5, undefined],
      [5, 0],
      [5, 5],
      [5, 30],
      [5, 40],
      [0, undefined],
      [0, 3],
      [1, 31],
      [undefined, 7],
      [undefined, 0],
      [undefined, 100],
      [1000, 2],
    ];
    it.each(pages)('limit %s offset %s', async (limit, offset) => {
      let page = '';
      if (limit !== undefined) page += ` LIMIT ${limit}`;
      else if (offset !== undefined && !pg) page += ` LIMIT ${MARIADB_NO_LIMIT}`;
      if (offset !== undefined) page += ` OFFSET ${offset}`;
      const expected = await sqlIds(`SELECT id FROM ${ROW_TABLE} ORDER BY ${order}${page}`);
      const actual = idsOf(
        await em.selectAll(models.Row, {
          orderBy: ['score', 'id'],
          ...(limit === undefined ? {} : { limit }),
          ...(offset === undefined ? {} : { offset }),
        }),
      );
      expect(actual).toEqual(expected);
    });

    it('pages cover the ordered rows once', async () => {
      const all = idsOf(await em.selectAll(models.Row, { orderBy: ['-price', 'id'] }));
      const paged: number[] = [];
      for (let offset = 0; offset < all.length + 7; offset += 7) {
        paged.push(
          ...idsOf(await em.selectAll(models.Row, { orderBy: ['-price', 'id'], limit: 7, offset })),
        );
      }
      expect(paged).toEqual(all);
      expect(all).toHaveLength(LOOKUP_ROWS.length);
    });

    it('paginates filtered rows', async () => {
      const where = `score >= 10 AND (name <> 'Bob' OR name IS NULL)`;
      const expected = await sqlIds(
        `SELECT id FROM ${ROW_TABLE} WHERE ${where} ORDER BY score DESC, id DESC LIMIT 4 OFFSET 3`,
      );
      const actual = idsOf(
        await em.selectAll(models.Row, {
          score__gte: 10,
          name__ne: 'Bob',
          orderBy: ['-score', '-id'],
          limit: 4,
          offset: 3,
        }),
      );
      expect(actual).toEqual(expected);
      expect(actual).toHaveLength(4);
    });
  });

  describe('subqueries equal IN/NOT IN (SELECT ...)', () => {
    const childWhere = (where: string) => `SELECT parent_id FROM ${CHILD_TABLE} WHERE ${where}`;

    it('in', async () => {
      const sub = em.subquery(models.Child, 'parentId', { label: 'red' });
      const ids = await expectSameAsSql({ id__in: sub }, `id IN (${childWhere("label = 'red'")})`);
      expect(ids).toEqual(pg ? [1, 4] : [1, 4, 5]);
      expect(await em.countAll(models.Row, { id__in: sub })).toBe(ids.length);
      expect(await em.exists(models.Row, { id__in: sub })).toBe(true);
    });

    it('notin leaves NULL parent ids out, so rows still match', async () => {
      const sub = em.subquery(models.Child, 'parentId', { label: 'red' });
      // A plain NOT IN over a list holding NULL matches nothing at all.
      expect(await rowsWhere(`id NOT IN (${childWhere("label = 'red'")})`)).toEqual([]);
      const ids = await expectSameAsSql(
        { id__notin: sub },
        `id NOT IN (${childWhere("label = 'red' AND parent_id IS NOT NULL")})`,
      );
      expect(ids.length).toBeGreaterThan(25);
      expect(ids).not.toContain(1);
      expect(await em.countAll(models.Row, { id__notin: sub })).toBe(ids.length);
      const all = em.subquery(models.Child, 'parentId');
      const outside = await expectSameAsSql(
        { id__notin: all },
        `id NOT IN (SELECT parent_id FROM ${CHILD_TABLE} WHERE parent_id IS NOT NULL)`,
      );
      expect(outside).toEqual(
        LOOKUP_ROWS.map((row) => row.id).filter(
          (id) => !CHILD_ROWS.some((child) => child.parentId === id),
        ),
      );
    });

    it('in/notin a subquery without filters or without rows', async () => {
      const all = em.subquery(models.Child, 'parentId');
      await expectSameAsSql({ id__in: all }, `id IN (SELECT parent_id FROM ${CHILD_TABLE})`);
      const none = em.subquery(models.Child, 'parentId', { label: 'none' });
      expect(await expectSameAsSql({ id__in: none }, '1 = 0')).toEqual([]);
      expect(await expectSameAsSql({ id__notin: none }, '1 = 1')).toHaveLength(LOOKUP_ROWS.length);
    });

    it('binds values inside the subquery in order with the outer ones', async () => {
      const sub = em.subquery(models.Child, 'parentId', {
        label__in: ['red', 'blue', '100%'],
        id__gte: 2,
        parentId__ne: 4,
      });
      const ids = await expectSameAsSql(
        { name__ne: 'Bob', id__in: sub, score__gte: 0, seenAt__isnull: false },
        `(name <> 'Bob' OR name IS NULL) AND id IN (${childWhere(
          "label IN ('red', 'blue', '100%') AND id >= 2 AND (parent_id <> 4 OR parent_id IS NULL)",
        )}) AND score >= 0 AND seen_at IS NOT NULL`,
      );
      expect(ids).toEqual([1, 14]);
      const notin = await expectSameAsSql(
        { score__lt: 20, id__notin: sub, name__icontains: 'a' },
        `score < 20 AND id NOT IN (${childWhere(
          "label IN ('red', 'blue', '100%') AND id >= 2 AND (parent_id <> 4 OR parent_id IS NULL) AND parent_id IS NOT NULL",
        )}) AND ${pg ? "name ILIKE '%a%'" : "LOWER(name) LIKE LOWER('%a%')"}`,
      );
      expect(notin.length).toBeGreaterThan(3);
    });

    it('escapes patterns and binds injection strings inside the subquery', async () => {
      const Child = models.Child;
      const percent = em.subquery(Child, 'parentId', { label__contains: '%' });
      expect(
        await expectSameAsSql(
          { id__in: percent },
          `id IN (${childWhere(`${pg ? 'label LIKE' : 'label LIKE BINARY'} '%!%%' ESCAPE '!'`)})`,
        ),
      ).toEqual([14]);
      for (const text of ["x' OR '1'='1", "'); DROP TABLE lookup_children; --"]) {
        const sub = em.subquery(Child, 'parentId', { label: text });
        const ids = await expectSameAsSql(
          { id__in: sub },
          `id IN (${childWhere(`label = ${q(text)}`)})`,
        );
        expect(ids).toHaveLength(1);
        const notin = await expectSameAsSql(
          { id__notin: sub },
          `id NOT IN (${childWhere(`label = ${q(text)} AND parent_id IS NOT NULL`)})`,
        );
        expect(notin).toHaveLength(LOOKUP_ROWS.length - 1);
      }
      const injected = em.subquery(Child, 'parentId', { label__in: INJECTIONS });
      await expectSameAsSql(
        { id__in: injected, name__notin: INJECTIONS },
        `id IN (${childWhere(`label IN (${INJECTIONS.map(q).join(', ')})`)}) AND name NOT IN (${INJECTIONS.map(q).join(', ')})`,
      );
      const [children] = await sequelize.query<{ count: number | string }>(
        `SELECT COUNT(*) AS count FROM ${CHILD_TABLE}`,
        { type: QueryTypes.SELECT },
      );
      expect(Number(children?.count)).toBe(CHILD_ROWS.length);
    });

    it('nests a subquery in a subquery', async () => {
      const parents = em.subquery(models.Row, 'id', { name__contains: 'nn' });
      const children = em.subquery(models.Child, 'parentId', {
        parentId__in: parents,
        label__ne: 'blue',
      });
      const ids = await expectSameAsSql(
        { id__in: children, score__gt: -100 },
        `id IN (${childWhere(
          `parent_id IN (SELECT id FROM ${ROW_TABLE} WHERE ${pg ? 'name LIKE' : 'name LIKE BINARY'} '%nn%') AND label <> 'blue'`,
        )}) AND score > -100`,
      );
      expect(ids).toEqual([1, 4, 5]);
    });
  });

  describe('refused filters raise INVALID_FILTER before any SQL', () => {
    const Row = () => models.Row;
    const fieldErrors: readonly [string, Record<string, unknown>][] = [
      ['nme', { nme: 'x' }],
      ['nme__contains', { nme__contains: 'x' }],
      ['orderby', { orderby: 'name' }],
      ['limt', { limt: 5 }],
      ['ofset', { ofset: 1 }],
      ['order_by', { order_by: 'name' }],
      ['seen_at', { seen_at: null }],
      ['Name', { Name: 'Ann' }],
      ['name__in__in', { name__in__in: ['x'] }],
    ];
    const lookupErrors: readonly [string, Record<string, unknown>][] = [
      ['name__contain', { name__contain: 'x' }],
      ['name__like_', { name__like_: 'x' }],
      ['score__between', { score__between: [1, 2] }],
      ['name__ICONTAINS', { name__ICONTAINS: 'x' }],
      ['score__eq', { score__eq: 1 }],
    ];
    const shapeErrors: readonly [string, Record<string, unknown>][] = [
      ['id__in', { id__in: '1,2' }],
      ['id__notin', { id__notin: 3 }],
      ['id__in', { id__in: new Set([1]) }],
      ['score__in', { score__in: [1, null] }],
      ['score__in', { score__in: [[1, 2]] }],
      ['score__range', { score__range: [1, 2, 3] }],
      ['score__range', { score__range: [1] }],
      ['score__range', { score__range: '1,2' }],
      ['score__range', { score__range: [1, null] }],
      ['score__lt', { score__lt: null }],
      ['seenAt__gte', { seenAt__gte: null }],
      ['name__isnull', { name__isnull: 'yes' }],
      ['name__isnull', { name__isnull: 1 }],
      ['name__isnull', { name__isnull: null }],
      ['name__contains', { name__contains: 5 }],
      ['name__icontains', { name__icontains: null }],
      ['name__regex', { name__regex: /^A/ }],
      ['name__like', { name__like: ['A%'] }],
      ['name', { name: { $ne: 'x' } }],
      ['name', { name: { [Symbol.for('ne')]: 'x' } }],
      ['name', { name: ['Ann', 'Bob'] }],
      ['name__ne', { name__ne: {} }],
      ['score', { score: () => 1 }],
      ['limit', { limit: -1 }],
      ['limit', { limit: 1.5 }],
      ['offset', { offset: '2' }],
      ['orderBy', { orderBy: 5 }],
      ['orderBy', { orderBy: '-' }],
      ['orderBy', { orderBy: ['name', 'nme'] }],
      ['name', { score: 1, name: [] }],
    ];

    async function expectRefused(
      call: () => Promise<unknown>,
      key: string,
      list: string,
    ): Promise<void> {
      statements.length = 0;
      const error = await call().then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(EntityError.is(error)).toBe(true);
      expect((error as EntityError).code).toBe('INVALID_FILTER');
      expect((error as EntityError).message).toContain(key);
      expect((error as EntityError).message).toContain(list);
      expect(statements).toEqual([]);
    }

    it.each(fieldErrors)('unknown field %s lists the fields', async (key, filters) => {
      await expectRefused(() => em.selectAll(Row(), loose(filters)), key, FIELDS);
      await expectRefused(() => em.selectBy(Row(), loose(filters)), key, FIELDS);
      await expectRefused(() => em.countAll(Row(), loose(filters)), key, FIELDS);
      await expectRefused(() => em.exists(Row(), loose(filters)), key, FIELDS);
      await expectRefused(() => em.sumAll(Row(), 'score', loose(filters)), key, FIELDS);
      await expectRefused(() => em.deleteAll(Row(), loose(filters)), key, FIELDS);
      await expectRefused(
        async () => em.subquery(models.Child, 'parentId', loose(filters) as never),
        key,
        CHILD_FIELDS,
      );
      expect(em.inTransaction).toBe(false);
    });

    it.each(lookupErrors)('unknown lookup %s lists the lookups', async (key, filters) => {
      await expectRefused(() => em.selectAll(Row(), loose(filters)), key, LOOKUPS.join(', '));
      await expectRefused(() => em.countAll(Row(), loose(filters)), key, LOOKUPS.join(', '));
      await expectRefused(() => em.exists(Row(), loose(filters)), key, LOOKUPS.join(', '));
      await expectRefused(() => em.deleteAll(Row(), loose(filters)), key, LOOKUPS.join(', '));
    });

    it.each(shapeErrors)('wrong shape for %s', async (key, filters) => {
      await expectRefused(() => em.selectAll(Row(), loose(filters)), key, '');
      if (!['limit', 'offset', 'orderBy'].includes(key)) {
        await expectRefused(() => em.countAll(Row(), loose(filters)), key, '');
        await expectRefused(() => em.deleteAll(Row(), loose(filters)), key, '');
      }
    });

    it('refuses a bad filter inside or around a subquery', async () => {
      const Child = models.Child;
      const sub = em.subquery(Child, 'parentId', { label: 'red' });
      await expectRefused(
        async () => em.subquery(Child, 'parent' as never, {}),
        'parent',
        CHILD_FIELDS,
      );
      await expectRefused(
        async () => em.subquery(Child, 'parentId', loose({ label__has: 'x' }) as never),
        'label__has',
        LOOKUPS.join(', '),
      );
      await expectRefused(
        async () => em.subquery(Child, 'parentId', loose({ orderBy: 'id' }) as never),
        'orderBy',
        '',
      );
      await expectRefused(
        async () => em.subquery(Child, 'parentId', loose({ label__contains: 1 }) as never),
        'label__contains',
        '',
      );
      await expectRefused(() => em.selectAll(models.Row, loose({ id: sub })), 'id', '');
      await expectRefused(() => em.selectAll(models.Row, loose({ id__lt: sub })), 'id__lt', '');
      await expectRefused(() => em.selectAll(models.Row, loose({ id__in: [sub] })), 'id__in', '');
      await expectRefused(
        () => em.selectAll(models.Row, loose({ id__in: sub, nme: 1 })),
        'nme',
        FIELDS,
      );
    });

    it('refuses options where only filters belong', async () => {
      await expectRefused(() => em.countAll(models.Row, loose({ limit: 1 })), 'limit', '');
      await expectRefused(() => em.exists(models.Row, loose({ orderBy: 'id' })), 'orderBy', '');
      await expectRefused(() => em.deleteAll(models.Row, loose({ offset: 1 })), 'offset', '');
      await expectRefused(
        () => em.selectAll(models.Row, 'id = 1' as unknown as Filters<LookupRow>),
        'filters must be an object',
        '',
      );
    });

    it('ran the good queries it was given', async () => {
      // The logging function sees queries: the checks above are not vacuous.
      statements.length = 0;
      await em.selectAll(models.Row, { name: 'Ann' });
      expect(statements).toHaveLength(1);
      expect(statements[0]).toContain(ROW_TABLE);
    });
  });
});
