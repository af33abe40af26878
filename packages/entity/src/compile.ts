import type { Sequelize } from 'sequelize';
import { EntityError } from './entity-error.js';
import { LOOKUP_SET, LOOKUPS, OPTION_KEYS, TEXT_LOOKUPS } from './lookups.js';
import {
  type AttributeInfo,
  attributeOf,
  describe,
  generatorOf,
  infoOf,
  type ModelInfo,
} from './model-info.js';
import { Subquery } from './subquery.js';

/** The LIKE escape character: the same literal on every dialect (a backslash is not). */
const ESCAPE = '!';
/** MariaDB accepts OFFSET only after a LIMIT: the largest one stands for "no limit". */
const NO_LIMIT = '18446744073709551615';
const TEXT_TYPES = new Set(['STRING', 'TEXT', 'CHAR', 'CITEXT']);

interface Formatter {
  format(
    value: unknown,
    field: unknown,
    options: object,
    bindParam: (value: unknown) => string,
  ): string;
  bindParam(binds: unknown[]): (value: unknown) => string;
}

/**
 * One SQL statement being built: its bound values, and the helpers that add them. Values are
 * always bound (`$1`, `$2`, …; Sequelize rewrites them for MariaDB), converted by the column's
 * data type as Sequelize converts them for its own queries.
 */
export class Statement {
  readonly binds: unknown[] = [];
  readonly sequelize: Sequelize;
  readonly #formatter: Formatter;
  readonly #bind: (value: unknown) => string;

  constructor(sequelize: Sequelize) {
    this.sequelize = sequelize;
    this.#formatter = generatorOf(sequelize) as unknown as Formatter;
    this.#bind = this.#formatter.bindParam(this.binds);
  }

  /** A placeholder for `value` as a value of `attribute`'s column. */
  value(attribute: AttributeInfo, value: unknown): string {
    return this.#formatter.format(value, attribute.definition, {}, this.#bind);
  }

  /** A placeholder for `value` as is (a pattern, a number). */
  raw(value: unknown): string {
    return this.#bind(value);
  }
}

/** The parts of a filter object: conditions (ANDed) and the query options. */
export interface CompiledFilters {
  readonly conditions: string[];
  readonly orderBy: string;
  readonly limit: number | undefined;
  readonly offset: number | undefined;
}

/**
 * Checks and compiles `filters` on `info`'s model into SQL conditions with bound values.
 * Everything is checked before anything is returned, so a bad key never reaches the database.
 */
export function compileFilters(
  info: ModelInfo,
  filters: unknown,
  statement: Statement,
  where: string,
  allowOptions = true,
): CompiledFilters {
  if (filters === undefined || filters === null) filters = {};
  if (typeof filters !== 'object' || Array.isArray(filters)) {
    throw new EntityError(
      'INVALID_FILTER',
      `${where}: filters must be an object, got ${describe(filters)}.`,
    );
  }
  const conditions: string[] = [];
  let orderBy = '';
  let limit: number | undefined;
  let offset: number | undefined;
  for (const [key, value] of Object.entries(filters as Record<string, unknown>)) {
    if (value === undefined) continue; // an optional filter left out
    if (OPTION_KEYS.has(key) && !info.attributes.has(key)) {
      if (!allowOptions) {
        throw new EntityError(
          'INVALID_FILTER',
          `${where}: ${key} has no meaning here (only filters are).`,
        );
      }
      if (key === 'orderBy') orderBy = compileOrder(info, value, where);
      else if (key === 'limit') limit = count(value, `${where}: limit`);
      else offset = count(value, `${where}: offset`);
      continue;
    }
    conditions.push(compileCondition(info, key, value, statement, where));
  }
  if (info.deletedAt !== undefined) {
    const deletedAt = attributeOf(info, info.deletedAt, where);
    conditions.push(`${deletedAt.column} IS NULL`);
  }
  return { conditions, orderBy, limit, offset };
}

/** `WHERE …` (or nothing) for conditions. */
export function whereClause(conditions: readonly string[]): string {
  return conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
}

/** ` ORDER BY … LIMIT … OFFSET …` for compiled options. */
export function pageClause(compiled: CompiledFilters, dialect: ModelInfo['dialect']): string {
  let sql = compiled.orderBy === '' ? '' : ` ORDER BY ${compiled.orderBy}`;
  if (compiled.limit !== undefined) sql += ` LIMIT ${compiled.limit}`;
  else if (compiled.offset !== undefined && dialect !== 'postgres') sql += ` LIMIT ${NO_LIMIT}`;
  if (compiled.offset !== undefined) sql += ` OFFSET ${compiled.offset}`;
  return sql;
}

function compileCondition(
  info: ModelInfo,
  key: string,
  value: unknown,
  statement: Statement,
  where: string,
): string {
  const separator = key.lastIndexOf('__');
  let field = key;
  let lookup = 'exact';
  if (separator > 0 && !info.attributes.has(key)) {
    field = key.slice(0, separator);
    lookup = key.slice(separator + 2);
    if (!LOOKUP_SET.has(lookup)) {
      // An unknown field is the better message when both are wrong.
      attributeOf(info, field, `${where}: ${JSON.stringify(key)}`);
      throw new EntityError(
        'INVALID_FILTER',
        `${where}: ${JSON.stringify(key)} has an unknown lookup ${JSON.stringify(lookup)}; the lookups are ${LOOKUPS.join(', ')}.`,
      );
    }
  }
  const attribute = attributeOf(info, field, `${where}: ${JSON.stringify(key)}`);
  const label = `${where}: ${key}`;
  const column = attribute.column;
  const postgres = info.dialect === 'postgres';
  if (TEXT_LOOKUPS.has(lookup)) {
    if (typeof value !== 'string') {
      throw new EntityError('INVALID_FILTER', `${label} takes a string, got ${describe(value)}.`);
    }
    const text =
      postgres && !TEXT_TYPES.has(attribute.typeKey) ? `CAST(${column} AS TEXT)` : column;
    return textCondition(lookup, text, value, statement, postgres);
  }
  switch (lookup) {
    case 'exact':
      return value === null
        ? `${column} IS NULL`
        : `${column} = ${scalar(attribute, value, statement, label)}`;
    case 'ne':
      if (value === null) return `${column} IS NOT NULL`;
      // NULL differs from every value: rows with NULL match, as "not equal" reads.
      return postgres
        ? `${column} IS DISTINCT FROM ${scalar(attribute, value, statement, label)}`
        : `NOT (${column} <=> ${scalar(attribute, value, statement, label)})`;
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      const operator = { lt: '<', lte: '<=', gt: '>', gte: '>=' }[lookup];
      return `${column} ${operator} ${scalar(attribute, value, statement, label)}`;
    }
    case 'in':
    case 'notin':
      return listCondition(attribute, lookup === 'notin', value, statement, label);
    case 'isnull':
      if (typeof value !== 'boolean') {
        throw new EntityError(
          'INVALID_FILTER',
          `${label} takes true or false, got ${describe(value)}.`,
        );
      }
      return value ? `${column} IS NULL` : `${column} IS NOT NULL`;
    case 'range': {
      if (!Array.isArray(value) || value.length !== 2) {
        throw new EntityError(
          'INVALID_FILTER',
          `${label} takes [low, high] (both included), got ${describe(value)}.`,
        );
      }
      const low = scalar(attribute, value[0], statement, label);
      const high = scalar(attribute, value[1], statement, label);
      return `${column} BETWEEN ${low} AND ${high}`;
    }
    default:
      throw new EntityError('INVALID_FILTER', `${label}: unknown lookup.`);
  }
}

function textCondition(
  lookup: string,
  column: string,
  value: string,
  statement: Statement,
  postgres: boolean,
): string {
  const literal = value.replace(/[!%_]/g, (character) => ESCAPE + character);
  const escapeClause = ` ESCAPE '${ESCAPE}'`;
  switch (lookup) {
    case 'iexact':
      return `LOWER(${column}) = LOWER(${statement.raw(value)})`;
    case 'contains':
    case 'startswith':
    case 'endswith': {
      const pattern = statement.raw(affixed(lookup, literal));
      return postgres
        ? `${column} LIKE ${pattern}${escapeClause}`
        : `${caseSensitive(column)} LIKE ${pattern}${escapeClause}`;
    }
    case 'icontains':
    case 'istartswith':
    case 'iendswith': {
      const pattern = statement.raw(affixed(lookup.slice(1), literal));
      return postgres
        ? `${column} ILIKE ${pattern}${escapeClause}`
        : `LOWER(${column}) LIKE LOWER(${pattern})${escapeClause}`;
    }
    case 'like':
      return postgres
        ? `${column} LIKE ${statement.raw(value)}`
        : `${caseSensitive(column)} LIKE ${statement.raw(value)}`;
    case 'ilike':
      return postgres
        ? `${column} ILIKE ${statement.raw(value)}`
        : `LOWER(${column}) LIKE LOWER(${statement.raw(value)})`;
    case 'regex':
      return postgres
        ? `${column} ~ ${statement.raw(value)}`
        : `${column} REGEXP CONCAT('(?-i)', ${statement.raw(value)})`;
    default: // iregex
      return postgres
        ? `${column} ~* ${statement.raw(value)}`
        : `${column} REGEXP CONCAT('(?i)', ${statement.raw(value)})`;
  }
}

/**
 * MariaDB's default collations ignore case (and accents): compare with the binary collation of
 * utf8mb4, which is case-sensitive yet character-wise (LIKE BINARY would make `_` one byte).
 * The conversion makes it work on a column of any character set.
 */
function caseSensitive(column: string): string {
  return `CONVERT(${column} USING utf8mb4) COLLATE utf8mb4_bin`;
}

function affixed(lookup: string, literal: string): string {
  if (lookup === 'startswith') return `${literal}%`;
  if (lookup === 'endswith') return `%${literal}`;
  return `%${literal}%`;
}

function listCondition(
  attribute: AttributeInfo,
  negated: boolean,
  value: unknown,
  statement: Statement,
  label: string,
): string {
  const column = attribute.column;
  if (Subquery.is(value)) {
    const select = compileSubquery(value, statement, negated, label);
    return `${column} ${negated ? 'NOT IN' : 'IN'} (${select})`;
  }
  if (!Array.isArray(value)) {
    throw new EntityError(
      'INVALID_FILTER',
      `${label} takes an array of values or a subquery, got ${describe(value)}.`,
    );
  }
  // An empty list: nothing is in it, everything is outside it.
  if (value.length === 0) return negated ? '1=1' : '1=0';
  const placeholders = value.map((item) => scalar(attribute, item, statement, `${label}[]`));
  return `${column} ${negated ? 'NOT IN' : 'IN'} (${placeholders.join(', ')})`;
}

function compileSubquery(
  subquery: Subquery,
  statement: Statement,
  negated: boolean,
  label: string,
): string {
  const inner = infoOf(subquery.model, statement.sequelize);
  const selected = attributeOf(inner, subquery.column, `${label} (subquery)`);
  const compiled = compileFilters(
    inner,
    subquery.filters,
    statement,
    `${label} (subquery of ${inner.name})`,
    false,
  );
  // NOT IN over a list holding NULL matches nothing: leave NULLs out of a negated subquery.
  const conditions = negated
    ? [...compiled.conditions, `${selected.column} IS NOT NULL`]
    : compiled.conditions;
  return `SELECT ${selected.column} FROM ${inner.table}${whereClause(conditions)}`;
}

function scalar(
  attribute: AttributeInfo,
  value: unknown,
  statement: Statement,
  label: string,
): string {
  if (value === null || value === undefined) {
    throw new EntityError(
      'INVALID_FILTER',
      `${label} cannot compare with ${String(value)}; use ${attribute.name}__isnull.`,
    );
  }
  if (typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value)) {
    throw new EntityError(
      'INVALID_FILTER',
      `${label} takes a single value, got ${describe(value)}.`,
    );
  }
  if (typeof value === 'function' || typeof value === 'symbol') {
    throw new EntityError(
      'INVALID_FILTER',
      `${label} takes a single value, got ${describe(value)}.`,
    );
  }
  return statement.value(attribute, value);
}

function compileOrder(info: ModelInfo, value: unknown, where: string): string {
  const fields = Array.isArray(value) ? value : [value];
  if (fields.length === 0) return '';
  return fields
    .map((entry) => {
      if (typeof entry !== 'string' || entry === '' || entry === '-') {
        throw new EntityError(
          'INVALID_FILTER',
          `${where}: orderBy takes field names ('name', '-name'), got ${describe(entry)}.`,
        );
      }
      const descending = entry.startsWith('-');
      const attribute = attributeOf(info, descending ? entry.slice(1) : entry, `${where}: orderBy`);
      return `${attribute.column} ${descending ? 'DESC' : 'ASC'}`;
    })
    .join(', ');
}

function count(value: unknown, label: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new EntityError(
      'INVALID_FILTER',
      `${label} takes a whole number of 0 or more, got ${describe(value)}.`,
    );
  }
  return value;
}
