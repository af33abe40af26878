import { type Model, type ModelStatic, type Options, Sequelize } from 'sequelize';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import {
  ARCHIVED_TABLE,
  CHILD_TABLE,
  defineLookupModels,
  INJECTIONS,
  type LookupModels,
  type LookupRow,
  ROW_TABLE,
} from '../test/lookup-rows.js';
import { compileFilters, pageClause, Statement, whereClause } from './compile.js';
import { EntityError } from './entity-error.js';
import { EntityManager } from './entity-manager.js';
import type { Filters } from './filters.js';
import { LOOKUPS } from './lookups.js';
import { infoOf } from './model-info.js';

type Dialect = 'postgres' | 'mariadb';
const DIALECTS: readonly Dialect[] = ['postgres', 'mariadb'];
const FIELDS = 'id, name, score, price, seenAt, day';
const NO_LIMIT = '18446744073709551615';

interface Setup {
  readonly sequelize: Sequelize;
  readonly models: LookupModels;
  readonly em: EntityManager;
}

const opened: Sequelize[] = [];
afterAll(async () => {
  await Promise.all(opened.map((sequelize) => sequelize.close()));
});

/** An instance that never connects: compiling needs only the dialect's quoting and types. */
function setup(dialect: Dialect, options: Options = {}): Setup {
  const sequelize = new Sequelize({ dialect, logging: false, ...options });
  opened.push(sequelize);
  const models = defineLookupModels(sequelize);
  return { sequelize, models, em: new EntityManager(sequelize) };
}

interface Compiled {
  readonly sql: string;
  readonly binds: unknown[];
}

function compile(
  { sequelize }: Setup,
  model: ModelStatic<Model>,
  filters: unknown,
  allowOptions = true,
): Compiled {
  const statement = new Statement(sequelize);
  const info = infoOf(model, sequelize);
  const compiled = compileFilters(info, filters, statement, 'test', allowOptions);
  return {
    sql: whereClause(compiled.conditions) + pageClause(compiled, info.dialect),
    binds: statement.binds,
  };
}

/** Placeholder numbers in order of appearance. */
const placeholders = (sql: string): number[] =>
  [...sql.matchAll(/\$(\d+)/g)].map((match) => Number(match[1]));

const loose = (filters: Record<string, unknown>) => filters as Filters<LookupRow>;

/** How a case-sensitive LIKE reads its column on each dialect (MariaDB: utf8mb4's binary collation). */
function caseSensitive(column: string, pg: boolean): string {
  return pg ? column : `CONVERT(${column} USING utf8mb4) COLLATE utf8mb4_bin`;
}

describe.each(DIALECTS)('compile on %s', (dialect) => {
  const pg = dialect === 'postgres';
  const s = setup(dialect);
  const { Row, Child, Archived } = s.models;
  const quote = (name: string) => (pg ? `"${name}"` : `\`${name}\``);
  const row = (column: string) => `${quote(ROW_TABLE)}.${quote(column)}`;
  const child = (column: string) => `${quote(CHILD_TABLE)}.${quote(column)}`;
  const archived = (column: string) => `${quote(ARCHIVED_TABLE)}.${quote(column)}`;
  const where = (filters: Record<string, unknown>) => compile(s, Row, filters);

  describe('one condition per lookup, every value bound', () => {
    const name = row('name');
    const cases: readonly [string, Record<string, unknown>, string, unknown[]][] = [
      ['exact', { name: 'v' }, `${name} = $1`, ['v']],
      ['exact lookup', { name__exact: 'v' }, `${name} = $1`, ['v']],
      ['exact null', { name: null }, `${name} IS NULL`, []],
      ['exact lookup null', { name__exact: null }, `${name} IS NULL`, []],
      ['iexact', { name__iexact: 'V' }, `LOWER(${name}) = LOWER($1)`, ['V']],
      ['ne', { name__ne: 'v' }, pg ? `${name} IS DISTINCT FROM $1` : `NOT (${name} <=> $1)`, ['v']],
      ['ne null', { name__ne: null }, `${name} IS NOT NULL`, []],
      ['lt', { score__lt: 1 }, `${row('score')} < $1`, [1]],
      ['lte', { score__lte: 1 }, `${row('score')} <= $1`, [1]],
      ['gt', { score__gt: 1 }, `${row('score')} > $1`, [1]],
      ['gte', { score__gte: 1 }, `${row('score')} >= $1`, [1]],
      ['in', { score__in: [1, 2, 3] }, `${row('score')} IN ($1, $2, $3)`, [1, 2, 3]],
      ['in one', { name__in: ['v'] }, `${name} IN ($1)`, ['v']],
      ['in []', { score__in: [] }, '1=0', []],
      ['notin', { score__notin: [1, 2] }, `${row('score')} NOT IN ($1, $2)`, [1, 2]],
      ['notin []', { score__notin: [] }, '1=1', []],
      ['isnull true', { name__isnull: true }, `${name} IS NULL`, []],
      ['isnull false', { name__isnull: false }, `${name} IS NOT NULL`, []],
      ['range', { score__range: [1, 9] }, `${row('score')} BETWEEN $1 AND $2`, [1, 9]],
      [
        'contains',
        { name__contains: 'v' },
        `${caseSensitive(name, pg)} LIKE $1 ESCAPE '!'`,
        ['%v%'],
      ],
      [
        'startswith',
        { name__startswith: 'v' },
        `${caseSensitive(name, pg)} LIKE $1 ESCAPE '!'`,
        ['v%'],
      ],
      [
        'endswith',
        { name__endswith: 'v' },
        `${caseSensitive(name, pg)} LIKE $1 ESCAPE '!'`,
        ['%v'],
      ],
      [
        'icontains',
        { name__icontains: 'V' },
        pg ? `${name} ILIKE $1 ESCAPE '!'` : `LOWER(${name}) LIKE LOWER($1) ESCAPE '!'`,
        ['%V%'],
      ],
      [
        'istartswith',
        { name__istartswith: 'V' },
        pg ? `${name} ILIKE $1 ESCAPE '!'` : `LOWER(${name}) LIKE LOWER($1) ESCAPE '!'`,
        ['V%'],
      ],
      [
        'iendswith',
        { name__iendswith: 'V' },
        pg ? `${name} ILIKE $1 ESCAPE '!'` : `LOWER(${name}) LIKE LOWER($1) ESCAPE '!'`,
        ['%V'],
      ],
      ['like', { name__like: 'a%_!' }, `${caseSensitive(name, pg)} LIKE $1`, ['a%_!']],
      [
        'ilike',
        { name__ilike: 'A%_!' },
        pg ? `${name} ILIKE $1` : `LOWER(${name}) LIKE LOWER($1)`,
        ['A%_!'],
      ],
      [
        'regex',
        { name__regex: '^a' },
        pg ? `${name} ~ $1` : `${name} REGEXP CONCAT('(?-i)', $1)`,
        ['^a'],
      ],
      [
        'iregex',
        { name__iregex: '^a' },
        pg ? `${name} ~* $1` : `${name} REGEXP CONCAT('(?i)', $1)`,
        ['^a'],
      ],
      [
        'attribute mapped to another column',
        { seenAt__isnull: true },
        `${row('seen_at')} IS NULL`,
        [],
      ],
    ];

    it.each(cases)('%s', (_, filters, condition, binds) => {
      const compiled = where(filters);
      expect(compiled.sql).toBe(` WHERE ${condition}`);
      expect(compiled.binds).toEqual(binds);
    });

    it('covers every lookup', () => {
      const covered = new Set(
        cases.map(([, filters]) => Object.keys(filters)[0]?.split('__')[1] ?? 'exact'),
      );
      expect([...LOOKUPS].filter((lookup) => !covered.has(lookup))).toEqual([]);
    });

    it('no filters, no WHERE', () => {
      expect(where({})).toEqual({ sql: '', binds: [] });
      expect(compile(s, Row, undefined)).toEqual({ sql: '', binds: [] });
      expect(compile(s, Row, null)).toEqual({ sql: '', binds: [] });
    });
  });

  describe('values never reach the SQL text', () => {
    const strings = [
      ...INJECTIONS,
      "O'Brien",
      'back\\slash',
      '$1',
      '?',
      ':name',
      '`; DROP TABLE x; --',
      '"; DROP TABLE x; --',
      'plain value',
      '😀',
    ];
    const textLookups = LOOKUPS.filter(
      (lookup) => !['in', 'notin', 'isnull', 'range', 'lt', 'lte', 'gt', 'gte'].includes(lookup),
    );

    it.each(textLookups)('%s: the SQL does not depend on the value', (lookup) => {
      const key = lookup === 'exact' ? 'name' : `name__${lookup}`;
      const reference = where({ [key]: 'reference' }).sql;
      for (const value of strings) {
        const compiled = where({ [key]: value });
        expect(compiled.sql).toBe(reference);
        expect(compiled.binds).toHaveLength(1);
        const bound = String(compiled.binds[0]);
        if (['exact', 'iexact', 'ne', 'like', 'ilike', 'regex', 'iregex'].includes(lookup)) {
          expect(bound).toBe(value);
        } else {
          expect(bound.replace(/!(.)/gu, '$1')).toContain(value);
        }
      }
    });

    it('lists, ranges and comparisons: only placeholders', () => {
      const date = new Date('2031-05-06T07:08:09.123Z');
      const compiled = where({
        name__in: [...INJECTIONS, "O'Brien"],
        name__notin: ['QQQ notin'],
        name__range: ['QQQ low', 'QQQ high'],
        name__gt: 'QQQ gt',
        name__lte: "QQQ ' lte",
        score__in: [987_654_321, 123_456_789],
        score__range: [555_444_333, 666_777_888],
        price__gte: '424242.42',
        seenAt__lt: date,
        day__range: ['2031-01-01', '2031-12-31'],
      });
      expect(compiled.sql).not.toMatch(/QQQ|987654321|123456789|555444333|666777888|424242|2031/);
      // The only quotes left are the constants of the statement itself.
      expect(compiled.sql.replaceAll("ESCAPE '!'", '')).not.toContain("'");
      for (const text of INJECTIONS) expect(compiled.binds).toContain(text);
      expect(compiled.binds).toHaveLength(placeholders(compiled.sql).length);
      expect(placeholders(compiled.sql)).toEqual(compiled.binds.map((_, index) => index + 1));
    });

    it('every lookup in one statement: no quote or value outside the placeholders', () => {
      const compiled = where({
        name: "x' OR '1'='1",
        name__iexact: "'); DROP TABLE t; --",
        name__ne: "'",
        name__contains: "'",
        name__icontains: "\\'",
        name__startswith: '%',
        name__istartswith: '_',
        name__endswith: '!',
        name__iendswith: '\\',
        name__like: "'%",
        name__ilike: "'_",
        name__regex: "'$",
        name__iregex: "^'",
        score__lt: 5,
        id__in: [1, 2],
      });
      const constants = compiled.sql
        .replaceAll("ESCAPE '!'", '')
        .replaceAll("CONCAT('(?-i)',", '')
        .replaceAll("CONCAT('(?i)',", '');
      expect(constants).not.toContain("'");
      expect(constants).not.toContain('\\');
      expect(placeholders(compiled.sql)).toEqual(compiled.binds.map((_, index) => index + 1));
      expect(compiled.binds).toHaveLength(16);
    });

    it('converts a Date as the column type does, in the instance timezone', () => {
      const date = new Date('2024-01-02T03:04:05.678Z');
      expect(where({ seenAt: date }).binds).toEqual([
        pg ? '2024-01-02 03:04:05.678 +00:00' : '2024-01-02 03:04:05.678',
      ]);
      const shifted = setup(dialect, { timezone: '+02:00' });
      expect(compile(shifted, shifted.models.Row, { seenAt__gte: date }).binds).toEqual([
        pg ? '2024-01-02 05:04:05.678 +02:00' : '2024-01-02 05:04:05.678',
      ]);
      expect(where({ day: '2024-01-02', score: 7, price: '1.50' }).binds).toEqual([
        '2024-01-02',
        7,
        '1.50',
      ]);
    });
  });

  describe('LIKE escaping', () => {
    const escapes: readonly [string, string][] = [
      ['plain', 'plain'],
      ['100%', '100!%'],
      ['a_b', 'a!_b'],
      ['x!y', 'x!!y'],
      ['!%_', '!!!%!_'],
      ['%%', '!%!%'],
      ['!!', '!!!!'],
      ['back\\slash', 'back\\slash'],
      ["it's", "it's"],
      ['[a-z]', '[a-z]'],
      ['😀_é', '😀!_é'],
      ['', ''],
    ];
    it.each(escapes)('%j is matched literally as %j', (value, literal) => {
      expect(where({ name__contains: value }).binds).toEqual([`%${literal}%`]);
      expect(where({ name__icontains: value }).binds).toEqual([`%${literal}%`]);
      expect(where({ name__startswith: value }).binds).toEqual([`${literal}%`]);
      expect(where({ name__istartswith: value }).binds).toEqual([`${literal}%`]);
      expect(where({ name__endswith: value }).binds).toEqual([`%${literal}`]);
      expect(where({ name__iendswith: value }).binds).toEqual([`%${literal}`]);
      // Raw patterns and exact matches are passed through untouched.
      expect(where({ name__like: value }).binds).toEqual([value]);
      expect(where({ name__ilike: value }).binds).toEqual([value]);
      expect(where({ name__iexact: value }).binds).toEqual([value]);
    });

    it('declares the escape character on every escaped pattern', () => {
      for (const lookup of [
        'contains',
        'icontains',
        'startswith',
        'istartswith',
        'endswith',
        'iendswith',
      ]) {
        expect(where({ [`name__${lookup}`]: 'x' }).sql).toMatch(/ ESCAPE '!'$/);
      }
      for (const lookup of ['like', 'ilike', 'iexact']) {
        expect(where({ [`name__${lookup}`]: 'x' }).sql).not.toContain('ESCAPE');
      }
    });
  });

  describe('placeholders are numbered in order, subqueries included', () => {
    it('outer, subquery, outer', () => {
      const compiled = where({
        name: 'a',
        id__in: s.em.subquery(Child, 'parentId', { label: 'b', id__in: [7, 8] }),
        score__gt: 3,
      });
      expect(compiled.sql).toBe(
        ` WHERE ${row('name')} = $1 AND ${row('id')} IN (SELECT ${child('parent_id')} FROM ${quote(CHILD_TABLE)} WHERE ${child('label')} = $2 AND ${child('id')} IN ($3, $4)) AND ${row('score')} > $5`,
      );
      expect(compiled.binds).toEqual(['a', 'b', 7, 8, 3]);
    });

    it('notin leaves NULL keys out of the subquery', () => {
      const compiled = where({
        id__notin: s.em.subquery(Child, 'parentId', { label__contains: '%' }),
        name__ne: null,
      });
      expect(compiled.sql).toBe(
        ` WHERE ${row('id')} NOT IN (SELECT ${child('parent_id')} FROM ${quote(CHILD_TABLE)} WHERE ${caseSensitive(child('label'), pg)} LIKE $1 ESCAPE '!' AND ${child('parent_id')} IS NOT NULL) AND ${row('name')} IS NOT NULL`,
      );
      expect(compiled.binds).toEqual(['%!%%']);
      expect(where({ id__notin: s.em.subquery(Child, 'parentId') }).sql).toBe(
        ` WHERE ${row('id')} NOT IN (SELECT ${child('parent_id')} FROM ${quote(CHILD_TABLE)} WHERE ${child('parent_id')} IS NOT NULL)`,
      );
      expect(where({ id__in: s.em.subquery(Child, 'parentId') }).sql).toBe(
        ` WHERE ${row('id')} IN (SELECT ${child('parent_id')} FROM ${quote(CHILD_TABLE)})`,
      );
    });

    it('two subqueries and a nested one', () => {
      const inner = s.em.subquery(Row, 'id', { name__startswith: 'n', score__in: [1, 2] });
      const compiled = where({
        score__range: [10, 20],
        id__in: s.em.subquery(Child, 'parentId', { parentId__in: inner, label__ne: 'c' }),
        name__iexact: 'd',
        id__notin: s.em.subquery(Child, 'parentId', { label__in: ['e', 'f'] }),
        price__lt: '9.99',
      });
      expect(compiled.binds).toEqual([10, 20, 'n%', 1, 2, 'c', 'd', 'e', 'f', '9.99']);
      expect(placeholders(compiled.sql)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(compiled.sql).toContain(
        `${child('parent_id')} IN (SELECT ${row('id')} FROM ${quote(ROW_TABLE)} WHERE ${caseSensitive(row('name'), pg)} LIKE $3 ESCAPE '!' AND ${row('score')} IN ($4, $5))`,
      );
    });

    it('an empty list inside a subquery binds nothing', () => {
      const compiled = where({
        name: 'a',
        id__in: s.em.subquery(Child, 'parentId', { id__in: [], label: 'b' }),
        score: 1,
      });
      expect(compiled.sql).toContain(`WHERE 1=0 AND ${child('label')} = $2)`);
      expect(compiled.binds).toEqual(['a', 'b', 1]);
    });

    it('the subquery values belong to the statement that uses it', () => {
      const sub = s.em.subquery(Child, 'parentId', { label: 'x' });
      const first = where({ score: 1, id__in: sub });
      const second = where({ id__in: sub });
      expect(first.binds).toEqual([1, 'x']);
      expect(second.binds).toEqual(['x']);
      expect(placeholders(second.sql)).toEqual([1]);
    });
  });

  describe('empty lists are constants', () => {
    it('in [] and notin [] bind nothing and keep the numbering', () => {
      const compiled = where({ name: 'a', id__in: [], score__notin: [], price: '1.00' });
      expect(compiled.sql).toBe(
        ` WHERE ${row('name')} = $1 AND 1=0 AND 1=1 AND ${row('price')} = $2`,
      );
      expect(compiled.binds).toEqual(['a', '1.00']);
    });
  });

  describe('paranoid models', () => {
    it('reads leave soft-deleted rows out', () => {
      expect(compile(s, Archived, {})).toEqual({
        sql: ` WHERE ${archived('removed_at')} IS NULL`,
        binds: [],
      });
      expect(compile(s, Archived, { title: 't', orderBy: '-id', limit: 2 })).toEqual({
        sql: ` WHERE ${archived('title')} = $1 AND ${archived('removed_at')} IS NULL ORDER BY ${archived('id')} DESC LIMIT 2`,
        binds: ['t'],
      });
    });

    it('a paranoid model in a subquery', () => {
      const compiled = where({
        id__notin: s.em.subquery(Archived, 'rowId', { title__contains: 'x' }),
      });
      expect(compiled.sql).toBe(
        ` WHERE ${row('id')} NOT IN (SELECT ${archived('row_id')} FROM ${quote(ARCHIVED_TABLE)} WHERE ${caseSensitive(archived('title'), pg)} LIKE $1 ESCAPE '!' AND ${archived('removed_at')} IS NULL AND ${archived('row_id')} IS NOT NULL)`,
      );
    });

    it('a model that is not paranoid gets no extra condition', () => {
      expect(compile(s, Child, {}).sql).toBe('');
    });
  });

  describe('orderBy, limit and offset', () => {
    const pages: readonly [string, Record<string, unknown>, string][] = [
      ['one field', { orderBy: 'name' }, ` ORDER BY ${row('name')} ASC`],
      ['descending', { orderBy: '-name' }, ` ORDER BY ${row('name')} DESC`],
      [
        'several fields, mapped column',
        { orderBy: ['-score', 'seenAt', 'id'] },
        ` ORDER BY ${row('score')} DESC, ${row('seen_at')} ASC, ${row('id')} ASC`,
      ],
      ['no fields', { orderBy: [] }, ''],
      ['limit', { limit: 10 }, ' LIMIT 10'],
      ['limit 0', { limit: 0 }, ' LIMIT 0'],
      ['offset without limit', { offset: 5 }, pg ? ' OFFSET 5' : ` LIMIT ${NO_LIMIT} OFFSET 5`],
      ['offset 0 without limit', { offset: 0 }, pg ? ' OFFSET 0' : ` LIMIT ${NO_LIMIT} OFFSET 0`],
      ['limit and offset', { offset: 5, limit: 10 }, ' LIMIT 10 OFFSET 5'],
      [
        'all options after the filters',
        { limit: 3, score: 1, orderBy: ['name'], offset: 2 },
        ` WHERE ${row('score')} = $1 ORDER BY ${row('name')} ASC LIMIT 3 OFFSET 2`,
      ],
    ];
    it.each(pages)('%s', (_, filters, sql) => {
      expect(where(filters).sql).toBe(sql);
    });

    it('pageClause renders compiled options per dialect', () => {
      const base = { conditions: [], orderBy: '', limit: undefined, offset: undefined };
      expect(pageClause({ ...base, offset: 1 }, 'postgres')).toBe(' OFFSET 1');
      expect(pageClause({ ...base, offset: 1 }, 'mariadb')).toBe(` LIMIT ${NO_LIMIT} OFFSET 1`);
      expect(pageClause({ ...base, offset: 1 }, 'mysql')).toBe(` LIMIT ${NO_LIMIT} OFFSET 1`);
      expect(pageClause({ ...base, orderBy: 'x ASC', limit: 4 }, dialect)).toBe(
        ' ORDER BY x ASC LIMIT 4',
      );
      expect(pageClause(base, dialect)).toBe('');
    });
  });

  describe('whole statements through the EntityManager', () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    function stub(result: unknown[] = []) {
      const query = vi.spyOn(s.sequelize, 'query').mockResolvedValue(result as never);
      const calls = () =>
        query.mock.calls.map(([sql, options]) => ({
          sql: String(sql),
          bind: (options as { bind?: unknown }).bind,
        }));
      return { query, calls };
    }
    const columns = ['id', 'name', 'score', 'price', 'seenAt', 'day']
      .map((name) => `${row(name === 'seenAt' ? 'seen_at' : name)} AS ${quote(name)}`)
      .join(', ');

    it('selectAll', async () => {
      const { calls } = stub();
      await s.em.selectAll(Row, {
        name__icontains: 'a%',
        id__in: s.em.subquery(Child, 'parentId', { label: 'x' }),
        orderBy: ['-score', 'id'],
        limit: 5,
        offset: 10,
      });
      expect(calls()).toEqual([
        {
          sql: `SELECT ${columns} FROM ${quote(ROW_TABLE)} WHERE ${
            pg
              ? `${row('name')} ILIKE $1 ESCAPE '!'`
              : `LOWER(${row('name')}) LIKE LOWER($1) ESCAPE '!'`
          } AND ${row('id')} IN (SELECT ${child('parent_id')} FROM ${quote(CHILD_TABLE)} WHERE ${child('label')} = $2) ORDER BY ${row('score')} DESC, ${row('id')} ASC LIMIT 5 OFFSET 10`,
          bind: ['%a!%%', 'x'],
        },
      ]);
    });

    it('selectAll with an offset only', async () => {
      const { calls } = stub();
      await s.em.selectAll(Row, { offset: 3 });
      expect(calls()[0]?.sql).toBe(
        `SELECT ${columns} FROM ${quote(ROW_TABLE)}${pg ? '' : ` LIMIT ${NO_LIMIT}`} OFFSET 3`,
      );
    });

    it('selectBy and select take one row', async () => {
      const { calls } = stub();
      await s.em.selectBy(Row, { name: 'b', limit: 5, offset: 2 });
      await s.em.selectBy(Row, { offset: 2 });
      await s.em.selectBy(Row, { limit: 0 });
      await s.em.select(Row, 7);
      expect(calls().map((call) => call.sql.slice(call.sql.indexOf(' FROM ')))).toEqual([
        ` FROM ${quote(ROW_TABLE)} WHERE ${row('name')} = $1 LIMIT 1 OFFSET 2`,
        ` FROM ${quote(ROW_TABLE)} LIMIT 1 OFFSET 2`,
        ` FROM ${quote(ROW_TABLE)} LIMIT 0`,
        ` FROM ${quote(ROW_TABLE)} WHERE ${row('id')} = $1 LIMIT 1`,
      ]);
      expect(calls().map((call) => call.bind)).toEqual([['b'], [], [], [7]]);
    });

    it('countAll and exists on a paranoid model', async () => {
      const { calls } = stub([{ count: 0 }]);
      await s.em.countAll(Archived, { title__in: ['a', 'b'] });
      await s.em.exists(Archived);
      expect(calls()).toEqual([
        {
          sql: `SELECT COUNT(*) AS ${quote('count')} FROM ${quote(ARCHIVED_TABLE)} WHERE ${archived('title')} IN ($1, $2) AND ${archived('removed_at')} IS NULL`,
          bind: ['a', 'b'],
        },
        {
          sql: `SELECT 1 AS ${quote('found')} FROM ${quote(ARCHIVED_TABLE)} WHERE ${archived('removed_at')} IS NULL LIMIT 1`,
          bind: [],
        },
      ]);
    });

    it('refused filters never call the database', async () => {
      const { query } = stub();
      const refused = [
        { nme: 1 },
        { name__contain: 'x' },
        { id__in: 'x' },
        { score__range: [1, 2, 3] },
        { score__lt: null },
        { name__isnull: 'true' },
        { name__contains: 5 },
        { name: { a: 1 } },
        { name: [1] },
        { name: 'fine', score: 'fine', bogus: 1 },
      ];
      for (const filters of refused) {
        await expect(s.em.selectAll(Row, loose(filters))).rejects.toThrow(EntityError);
        await expect(s.em.countAll(Row, loose(filters))).rejects.toThrow(EntityError);
        await expect(s.em.exists(Row, loose(filters))).rejects.toThrow(EntityError);
        await expect(s.em.deleteAll(Row, loose(filters))).rejects.toThrow(EntityError);
      }
      expect(query).not.toHaveBeenCalled();
    });
  });

  describe('refused filters', () => {
    function refusal(filters: unknown, allowOptions = true): EntityError {
      try {
        compile(s, Row, filters, allowOptions);
      } catch (error) {
        if (EntityError.is(error)) return error as EntityError;
        throw error;
      }
      throw new Error(`not refused: ${JSON.stringify(filters)}`);
    }

    const fields: readonly [string, Record<string, unknown>][] = [
      ['nme', { nme: 1 }],
      ['orderby', { orderby: 'name' }],
      ['limt', { limt: 1 }],
      ['ofset', { ofset: 1 }],
      ['seen_at', { seen_at: null }],
      ['nme__contains', { nme__contains: 'x' }],
      ['nme__bogus', { nme__bogus: 'x' }],
    ];
    it.each(fields)('unknown field %s names the key and lists the fields', (key, filters) => {
      const error = refusal(filters);
      expect(error.code).toBe('INVALID_FILTER');
      expect(error.message).toContain(key);
      expect(error.message).toContain(FIELDS);
    });

    const lookups: readonly [string, Record<string, unknown>][] = [
      ['name__contain', { name__contain: 'x' }],
      ['score__eq', { score__eq: 1 }],
      ['name__', { name__: 'x' }],
      ['name__Contains', { name__Contains: 'x' }],
    ];
    it.each(lookups)('unknown lookup %s names the key and lists the lookups', (key, filters) => {
      const error = refusal(filters);
      expect(error.code).toBe('INVALID_FILTER');
      expect(error.message).toContain(key);
      expect(error.message).toContain(LOOKUPS.join(', '));
    });

    const shapes: readonly [string, Record<string, unknown>, RegExp][] = [
      ['id__in', { id__in: 'a,b' }, /array of values or a subquery/],
      ['id__notin', { id__notin: { 0: 1 } }, /array of values or a subquery/],
      ['score__in', { score__in: [1, undefined] }, /cannot compare with undefined/],
      ['score__range', { score__range: [1, 2, 3] }, /\[low, high\]/],
      ['score__range', { score__range: [] }, /\[low, high\]/],
      ['score__lt', { score__lt: null }, /use score__isnull/],
      ['score__gte', { score__gte: [1] }, /single value/],
      ['name__isnull', { name__isnull: 'false' }, /true or false/],
      ['name__isnull', { name__isnull: 0 }, /true or false/],
      ['name__contains', { name__contains: 5 }, /takes a string/],
      ['name__iexact', { name__iexact: null }, /takes a string/],
      ['name__regex', { name__regex: /x/ }, /takes a string/],
      ['name', { name: { $like: '%' } }, /single value/],
      ['name', { name: ['a', 'b'] }, /single value/],
      ['name__ne', { name__ne: ['a'] }, /single value/],
      ['score', { score: Symbol('s') }, /single value/],
      ['limit', { limit: '5' }, /whole number/],
      ['offset', { offset: -1 }, /whole number/],
      ['orderBy', { orderBy: [''] }, /field names/],
      ['orderBy', { orderBy: { name: 'asc' } }, /field names/],
    ];
    it.each(shapes)('wrong shape for %s', (key, filters, reason) => {
      const error = refusal(filters);
      expect(error.code).toBe('INVALID_FILTER');
      expect(error.message).toContain(key);
      expect(error.message).toMatch(reason);
    });

    it('options are refused where only filters belong', () => {
      for (const key of ['orderBy', 'limit', 'offset']) {
        const error = refusal({ [key]: key === 'orderBy' ? 'id' : 1 }, false);
        expect(error.code).toBe('INVALID_FILTER');
        expect(error.message).toContain(key);
      }
    });

    it('filters that are not an object', () => {
      for (const filters of ['id = 1', [['name', 'x']], 5]) {
        expect(refusal(filters).message).toMatch(/filters must be an object/);
      }
    });

    it('subqueries check their filters when they are made', () => {
      expect(() => s.em.subquery(Child, 'parentId', loose({ labl: 'x' }) as never)).toThrow(
        /Child has no field "labl"; its fields are id, parentId, label/,
      );
      expect(() => s.em.subquery(Child, 'nope' as never)).toThrow(
        /its fields are id, parentId, label/,
      );
      expect(() => s.em.subquery(Child, 'parentId', loose({ limit: 1 }) as never)).toThrow(
        /limit has no meaning here/,
      );
    });
  });
});
