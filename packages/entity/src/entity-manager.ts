import {
  type Attributes,
  BaseError,
  type Model,
  type ModelStatic,
  QueryTypes,
  type Sequelize,
  type Transaction,
} from 'sequelize';
import { compileFilters, pageClause, Statement, whereClause } from './compile.js';
import { EntityError } from './entity-error.js';
import type { FieldName, Filters, WhereFilters } from './filters.js';
import { attributeOf, describe, dialectOf, infoOf, type ModelInfo } from './model-info.js';
import { Subquery } from './subquery.js';

/** Options of an {@link EntityManager}. */
export interface EntityManagerOptions {
  /** Rows `deleteAll` removes per statement. Default 1000. */
  readonly batchSize?: number;
}

/** When a write runs and whether it commits. */
export interface WriteOptions {
  /** Run now (`true`) or queue until `flush()`/`commit()` (`false`). */
  readonly flush?: boolean;
  /** Commit the unit of work after this write. */
  readonly commit?: boolean;
}

/** A primary key value, or an object with every attribute of a composite key. */
export type Identifier =
  | string
  | number
  | bigint
  | Date
  | Buffer
  | Readonly<Record<string, unknown>>;

/** What `sumAll` returns for a column of type `V`: exact text for text and bigint attributes (DECIMAL, BIGINT), numbers for numbers. */
export type SumOf<V> = [NonNullable<V>] extends [string]
  ? string
  : [NonNullable<V>] extends [bigint]
    ? string
    : number;

type QueuedWrite = (transaction: Transaction | undefined) => Promise<unknown>;

const INTEGER_TYPES = new Set(['INTEGER', 'SMALLINT', 'TINYINT', 'MEDIUMINT']);
const TEXT_RESULT_TYPES = new Set(['DECIMAL', 'NUMERIC', 'BIGINT']);
const FLOAT_TYPES = new Set(['FLOAT', 'DOUBLE', 'REAL', 'DOUBLE PRECISION']);

/**
 * A unit-of-work data-access layer over one Sequelize instance (PostgreSQL, MariaDB or MySQL).
 *
 * Reads take Django-style filters (`{ name__icontains: 'ann', age__gte: 18, orderBy: '-age' }`),
 * typed from the model and checked before any SQL runs; every value is a bound parameter.
 * Writes open a transaction at the first one that does not commit by itself; reads made while it
 * is open see its writes; `commit()` and `rollback()` close it, and the next write opens a new
 * one. `await using em = new EntityManager(sequelize)` rolls back whatever is left open.
 *
 * @example
 * const em = new EntityManager(sequelize);
 * const late = await em.selectAll(Invoice, { dueDate__lt: new Date(), paid: false, orderBy: '-total', limit: 50 });
 * for (const invoice of late) await em.update(invoice.set({ reminded: true }), { flush: false });
 * await em.commit(); // one transaction for all the updates
 */
export class EntityManager {
  readonly #sequelize: Sequelize;
  readonly #batchSize: number;
  #transaction: Transaction | undefined;
  #opening: Promise<Transaction> | undefined;
  #queue: QueuedWrite[] = [];
  #disposed = false;
  /** The unit-of-work calls, one after another in call order (see #serial). */
  #chain: Promise<unknown> = Promise.resolve();

  constructor(sequelize: Sequelize, options: EntityManagerOptions = {}) {
    if (
      typeof sequelize !== 'object' ||
      sequelize === null ||
      typeof (sequelize as { transaction?: unknown }).transaction !== 'function'
    ) {
      throw new EntityError(
        'INVALID_ARGUMENT',
        `EntityManager needs a Sequelize instance, got ${describe(sequelize)}.`,
      );
    }
    dialectOf(sequelize);
    if (typeof options !== 'object' || options === null) {
      throw new EntityError(
        'INVALID_ARGUMENT',
        `EntityManager options must be an object, got ${describe(options)}.`,
      );
    }
    const unknown = Object.keys(options).filter((name) => name !== 'batchSize');
    if (unknown.length > 0) {
      throw new EntityError(
        'INVALID_ARGUMENT',
        `Unknown EntityManager option(s) ${unknown.join(', ')}; the option is batchSize.`,
      );
    }
    this.#sequelize = sequelize;
    this.#batchSize = options.batchSize ?? 1000;
    if (!Number.isSafeInteger(this.#batchSize) || this.#batchSize < 1) {
      throw new EntityError(
        'INVALID_ARGUMENT',
        `batchSize must be a positive whole number, got ${describe(options.batchSize)}.`,
      );
    }
  }

  /** Whether a transaction is open (writes not yet committed or rolled back). */
  get inTransaction(): boolean {
    return this.#transaction !== undefined;
  }

  /** Writes queued with `flush: false` and not yet run. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Whether any row of `model` matches `filters`. */
  async exists<M extends Model>(
    model: ModelStatic<M>,
    filters: WhereFilters<M> = {},
  ): Promise<boolean> {
    const info = this.#info(model);
    const statement = new Statement(this.#sequelize);
    const compiled = compileFilters(info, filters, statement, `exists(${info.name})`, false);
    const sql = `SELECT 1 AS ${quote(info, 'found')} FROM ${info.table}${whereClause(compiled.conditions)} LIMIT 1`;
    const rows = await this.#select(sql, statement.binds);
    return rows.length > 0;
  }

  /** The instance of `model` with primary key `id`, or `null`. */
  async select<M extends Model>(model: ModelStatic<M>, id: Identifier): Promise<M | null> {
    const info = this.#info(model);
    const filters = idFilters(info, id);
    const [first] = await this.#instances<M>(info, filters, `select(${info.name})`, 1);
    return first ?? null;
  }

  /** The first instance matching `filters` (in `orderBy` order), or `null`. */
  async selectBy<M extends Model>(model: ModelStatic<M>, filters: Filters<M>): Promise<M | null> {
    const info = this.#info(model);
    const [first] = await this.#instances<M>(info, filters, `selectBy(${info.name})`, 1);
    return first ?? null;
  }

  /** Every instance matching `filters`, ordered and paginated as they say. */
  async selectAll<M extends Model>(model: ModelStatic<M>, filters: Filters<M> = {}): Promise<M[]> {
    const info = this.#info(model);
    return this.#instances<M>(info, filters, `selectAll(${info.name})`);
  }

  /**
   * Rows of your own SQL, with bound parameters: `$1`, `$2`… and an array, or `$name` and an
   * object (Sequelize's bind syntax, on every dialect).
   */
  async selectRows<Row extends object = Record<string, unknown>>(
    sql: string,
    binds?: readonly unknown[] | Readonly<Record<string, unknown>>,
  ): Promise<Row[]> {
    this.#assertOpen();
    if (typeof sql !== 'string' || sql.trim() === '') {
      throw new EntityError('INVALID_ARGUMENT', `selectRows needs SQL text, got ${describe(sql)}.`);
    }
    if (binds !== undefined && (typeof binds !== 'object' || binds === null)) {
      throw new EntityError(
        'INVALID_ARGUMENT',
        `selectRows binds must be an array or an object, got ${describe(binds)}.`,
      );
    }
    return (await this.#select(sql, binds)) as Row[];
  }

  /**
   * `SELECT <foreignKey> FROM <model> WHERE <filters>` as the value of an `__in`/`__notin`
   * filter of another model: one statement, every value bound.
   *
   * @example
   * await em.selectAll(Track, { albumId__in: em.subquery(Album, 'albumId', { artistId: 90 }) });
   */
  subquery<M extends Model, K extends FieldName<M>>(
    model: ModelStatic<M>,
    foreignKey: K,
    filters: WhereFilters<M> = {},
  ): Subquery<NonNullable<Attributes<M>[K]>> {
    const info = this.#info(model);
    attributeOf(info, foreignKey, `subquery(${info.name})`);
    // Check the filters now, so a mistake points here rather than at the outer query.
    compileFilters(info, filters, new Statement(this.#sequelize), `subquery(${info.name})`, false);
    return new Subquery(
      model as ModelStatic<Model>,
      foreignKey,
      filters as Record<string, unknown>,
    );
  }

  /** How many rows of `model` match `filters`. */
  async countAll<M extends Model>(
    model: ModelStatic<M>,
    filters: WhereFilters<M> = {},
  ): Promise<number> {
    const info = this.#info(model);
    const statement = new Statement(this.#sequelize);
    const compiled = compileFilters(info, filters, statement, `countAll(${info.name})`, false);
    const alias = quote(info, 'count');
    const sql = `SELECT COUNT(*) AS ${alias} FROM ${info.table}${whereClause(compiled.conditions)}`;
    const [row] = await this.#select(sql, statement.binds);
    return integerOf((row as Record<string, unknown>).count, `countAll(${info.name})`);
  }

  /**
   * The sum of `column` over the rows matching `filters`, computed by the database (exact):
   * a number for INTEGER/FLOAT columns (`UNSAFE_INTEGER` past `Number.MAX_SAFE_INTEGER` rather
   * than a rounded number), exact decimal text for DECIMAL/NUMERIC and BIGINT columns (as the
   * drivers return their values). No matching rows: 0 (`'0'` for text).
   */
  async sumAll<M extends Model, K extends FieldName<M>>(
    model: ModelStatic<M>,
    column: K,
    filters: WhereFilters<M> = {},
  ): Promise<SumOf<Attributes<M>[K]>> {
    const info = this.#info(model);
    const where = `sumAll(${info.name}, ${String(column)})`;
    const attribute = attributeOf(info, column, where);
    const statement = new Statement(this.#sequelize);
    const compiled = compileFilters(info, filters, statement, where, false);
    const alias = quote(info, 'total');
    // Exact types come back as text from the database itself: the MariaDB driver would hand a
    // DECIMAL sum over as a (rounded) JavaScript number.
    const sum = TEXT_RESULT_TYPES.has(attribute.typeKey)
      ? `CAST(SUM(${attribute.column}) AS ${info.dialect === 'postgres' ? 'TEXT' : 'CHAR'})`
      : `SUM(${attribute.column})`;
    const sql = `SELECT ${sum} AS ${alias} FROM ${info.table}${whereClause(compiled.conditions)}`;
    const [row] = await this.#select(sql, statement.binds);
    const total = (row as Record<string, unknown>).total;
    return sumOf(attribute.typeKey, total, where) as SumOf<Attributes<M>[K]>;
  }

  /** Opens the unit of work's transaction now (a write would open it anyway). */
  async begin(): Promise<void> {
    this.#assertOpen();
    await this.#serial(async () => {
      if (this.#transaction !== undefined) {
        throw new EntityError(
          'INVALID_STATE',
          'begin(): a transaction is already open; commit() or rollback() it first.',
        );
      }
      await this.#open();
    });
  }

  /** Saves a new instance (`INSERT`). By default it runs now and commits. */
  async insert<M extends Model>(entity: M, options: WriteOptions = {}): Promise<M> {
    checkEntity(entity, 'insert', true);
    this.#info(entity.constructor);
    await this.#write((transaction) => entity.save(transactionOption(transaction)), options, true);
    return entity;
  }

  /** Saves the changes of a loaded instance (`UPDATE`). By default it runs now, in the open transaction. */
  async update<M extends Model>(entity: M, options: WriteOptions = {}): Promise<M> {
    checkEntity(entity, 'update', false);
    this.#info(entity.constructor);
    await this.#write((transaction) => entity.save(transactionOption(transaction)), options, false);
    return entity;
  }

  /** Deletes a loaded instance (`DELETE`, or a soft delete on a paranoid model). */
  async delete<M extends Model>(entity: M, options: WriteOptions = {}): Promise<void> {
    checkEntity(entity, 'delete', false);
    this.#info(entity.constructor);
    await this.#write(
      (transaction) => entity.destroy(transactionOption(transaction)),
      options,
      false,
    );
  }

  /**
   * Deletes every row of `model` matching `filters` in batches of `batchSize` until none
   * matches, and resolves with the number deleted (soft-deleted on a paranoid model). With
   * `commit: true` and no transaction open, each batch commits on its own; otherwise the batches
   * run in the unit of work's transaction. With `flush: false` nothing runs yet (resolves 0).
   */
  async deleteAll<M extends Model>(
    model: ModelStatic<M>,
    filters: WhereFilters<M> = {},
    options: WriteOptions = {},
  ): Promise<number> {
    const info = this.#info(model);
    const where = `deleteAll(${info.name})`;
    // Check the filters before anything runs or is queued.
    compileFilters(info, filters, new Statement(this.#sequelize), where, false);
    let deleted = 0;
    const batches = async (transaction: Transaction | undefined) => {
      deleted = await this.#deleteInBatches(info, filters, transaction, where);
    };
    const { flush = true, commit = false } = checkWriteOptions(options, where);
    this.#assertOpen();
    await this.#serial(async () => {
      if (flush && commit && this.#transaction === undefined && this.#queue.length === 0) {
        await batches(undefined); // each batch commits on its own
        return;
      }
      await this.#writeNow((transaction) => batches(transaction), { flush, commit }, false);
    });
    return flush ? deleted : 0;
  }

  /** Runs the queued writes in the transaction (opened if needed), in order. */
  async flush(): Promise<void> {
    this.#assertOpen();
    await this.#serial(async () => {
      if (this.#queue.length === 0) return;
      const transaction = await this.#open();
      await this.#runQueue(transaction);
    });
  }

  /** Flushes, then commits. Rejects with `INVALID_STATE` when nothing is open or queued. */
  async commit(): Promise<void> {
    this.#assertOpen();
    await this.#serial(async () => {
      if (this.#transaction === undefined && this.#queue.length === 0) {
        throw new EntityError(
          'INVALID_STATE',
          'commit(): nothing to commit (no transaction is open: it was committed or rolled back already, or nothing was written).',
        );
      }
      const transaction = await this.#open();
      await this.#runQueue(transaction);
      this.#transaction = undefined;
      await guard(() => transaction.commit());
    });
  }

  /**
   * Discards the queued writes and rolls back the open transaction, if any, after the writes
   * already called have run. Safe to call twice, and after dispose.
   */
  async rollback(): Promise<void> {
    await this.#serial(() => this.#rollbackNow());
  }

  /** Rolls back what is open and refuses any further call (`await using em = …`). */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await this.#serial(() => this.#rollbackNow());
  }

  /**
   * Runs unit-of-work calls one at a time, in the order they were made, whatever their caller
   * awaits: `Promise.all([em.update(a), em.insert(b)])` or a `commit()` issued while a write
   * is running would otherwise interleave on one transaction (an autocommit slipping past an
   * opening transaction, a commit before the write it should carry, a failure rolling back the
   * next unit of work). Reads are not queued: they run at once, in the open transaction.
   */
  #serial<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(operation, operation);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #rollbackNow(): Promise<void> {
    this.#queue = [];
    const transaction = this.#transaction ?? (await this.#opening?.catch(() => undefined));
    this.#transaction = undefined;
    this.#opening = undefined;
    if (transaction !== undefined) await guard(() => transaction.rollback());
  }

  async #write(write: QueuedWrite, options: WriteOptions, commitByDefault: boolean): Promise<void> {
    this.#assertOpen();
    checkWriteOptions(options, 'write');
    await this.#serial(() => this.#writeNow(write, options, commitByDefault));
  }

  async #writeNow(
    write: QueuedWrite,
    options: WriteOptions,
    commitByDefault: boolean,
  ): Promise<void> {
    const { flush = true, commit = commitByDefault } = options;
    if (!flush) {
      this.#queue.push(write);
      return;
    }
    if (commit && this.#transaction === undefined && this.#queue.length === 0) {
      // A write that commits by itself with nothing else open: autocommit, no transaction.
      await guard(() => write(undefined));
      return;
    }
    const transaction = await this.#open();
    await this.#runQueue(transaction);
    try {
      await write(transaction);
    } catch (error) {
      await this.#rollbackNow();
      throw wrap(error);
    }
    if (commit) {
      this.#transaction = undefined;
      await guard(() => transaction.commit());
    }
  }

  async #runQueue(transaction: Transaction): Promise<void> {
    while (this.#queue.length > 0) {
      const write = this.#queue.shift() as QueuedWrite;
      try {
        await write(transaction);
      } catch (error) {
        // The database has aborted the transaction (PostgreSQL) or holds part of the work:
        // nothing of the unit of work may be committed now.
        await this.#rollbackNow();
        throw wrap(error);
      }
    }
  }

  async #open(): Promise<Transaction> {
    if (this.#transaction !== undefined) return this.#transaction;
    if (this.#opening !== undefined) return this.#opening;
    const opening = guard(() => this.#sequelize.transaction());
    this.#opening = opening;
    try {
      const transaction = await opening;
      this.#transaction = transaction;
      return transaction;
    } finally {
      this.#opening = undefined;
    }
  }

  async #deleteInBatches(
    info: ModelInfo,
    filters: WhereFilters<Model>,
    transaction: Transaction | undefined,
    where: string,
  ): Promise<number> {
    let total = 0;
    for (;;) {
      const statement = new Statement(this.#sequelize);
      const compiled = compileFilters(info, filters, statement, where, false);
      const sql = batchSql(info, compiled.conditions, this.#batchSize, statement);
      const affected = await guard(() =>
        this.#sequelize.query(sql, {
          bind: statement.binds,
          type: info.deletedAt === undefined ? QueryTypes.BULKDELETE : QueryTypes.BULKUPDATE,
          ...transactionOption(transaction),
        }),
      );
      const count = typeof affected === 'number' ? affected : integerOf(affected, where);
      total += count;
      // Until a batch finds nothing: a short batch may only mean that another transaction
      // deleted some of the rows it picked, not that none is left.
      if (count === 0) return total;
    }
  }

  async #instances<M extends Model>(
    info: ModelInfo,
    filters: unknown,
    where: string,
    limit?: number,
  ): Promise<M[]> {
    const statement = new Statement(this.#sequelize);
    const compiled = compileFilters(info, filters, statement, where);
    const page = pageClause(
      limit === undefined
        ? compiled
        : { ...compiled, limit: Math.min(limit, compiled.limit ?? limit) },
      info.dialect,
    );
    const columns = info.attributeNames
      .map(
        (name) =>
          `${(info.attributes.get(name) as { column: string }).column} AS ${quote(info, name)}`,
      )
      .join(', ');
    const sql = `SELECT ${columns} FROM ${info.table}${whereClause(compiled.conditions)}${page}`;
    this.#assertOpen();
    return (await guard(() =>
      this.#sequelize.query(sql, {
        bind: statement.binds,
        model: info.model,
        mapToModel: false,
        type: QueryTypes.SELECT,
        ...transactionOption(this.#transaction),
      }),
    )) as unknown as M[];
  }

  async #select(
    sql: string,
    binds: readonly unknown[] | Readonly<Record<string, unknown>> | undefined,
  ): Promise<unknown[]> {
    this.#assertOpen();
    return (await guard(() =>
      this.#sequelize.query(sql, {
        ...(binds === undefined ? {} : { bind: binds as unknown[] }),
        type: QueryTypes.SELECT,
        raw: true,
        ...transactionOption(this.#transaction),
      }),
    )) as unknown[];
  }

  #info(model: unknown): ModelInfo {
    this.#assertOpen();
    return infoOf(model, this.#sequelize);
  }

  #assertOpen(): void {
    if (this.#disposed) {
      throw new EntityError('INVALID_STATE', 'This EntityManager was disposed; create a new one.');
    }
  }
}

function batchSql(
  info: ModelInfo,
  conditions: readonly string[],
  batchSize: number,
  statement: Statement,
): string {
  const deletedAt =
    info.deletedAt === undefined ? undefined : attributeOf(info, info.deletedAt, 'deleteAll');
  const action =
    deletedAt === undefined
      ? `DELETE FROM ${info.table}`
      : `UPDATE ${info.table} SET ${deletedAt.field} = ${statement.value(deletedAt, new Date())}`;
  if (info.dialect !== 'postgres') {
    // MariaDB/MySQL limit a single-table DELETE/UPDATE directly (and refuse LIMIT in IN (…)).
    return `${action}${whereClause(conditions)} LIMIT ${batchSize}`;
  }
  // PostgreSQL has no DELETE … LIMIT: pick the batch's keys in a subquery. For one key column,
  // = ANY(ARRAY(…)) makes the planner look the keys up in the primary key's index; IN (SELECT …)
  // became a hash join over the whole table (a 1 000-row batch: 2 ms against 30-120 ms).
  const keys = info.primaryKeys.map((name) => attributeOf(info, name, 'deleteAll').column);
  if (keys.length === 0) {
    throw new EntityError(
      'INVALID_ARGUMENT',
      `deleteAll(${info.name}): the model has no primary key, which PostgreSQL batches are picked by.`,
    );
  }
  const pick = `SELECT ${keys.join(', ')} FROM ${info.table}${whereClause(conditions)} LIMIT ${batchSize}`;
  const picked =
    keys.length === 1 ? `${keys[0]} = ANY(ARRAY(${pick}))` : `(${keys.join(', ')}) IN (${pick})`;
  // The filters again outside: a row another transaction changed while this one waited for its
  // lock is checked anew against them (PostgreSQL re-checks only the outer WHERE), not deleted
  // because it matched when the batch was picked.
  return `${action}${whereClause([picked, ...conditions])}`;
}

function idFilters(info: ModelInfo, id: Identifier): Record<string, unknown> {
  const keys = info.primaryKeys;
  if (keys.length === 0) {
    throw new EntityError(
      'INVALID_ARGUMENT',
      `select(${info.name}): the model has no primary key.`,
    );
  }
  if (typeof id === 'object' && id !== null && !(id instanceof Date) && !Buffer.isBuffer(id)) {
    const filters: Record<string, unknown> = {};
    for (const key of keys) {
      const value = (id as Record<string, unknown>)[key];
      if (value === undefined || value === null) {
        throw new EntityError(
          'INVALID_ARGUMENT',
          `select(${info.name}): the id needs ${keys.join(', ')}; ${key} is missing.`,
        );
      }
      filters[key] = value;
    }
    return filters;
  }
  if (keys.length > 1) {
    throw new EntityError(
      'INVALID_ARGUMENT',
      `select(${info.name}): the primary key is composite (${keys.join(', ')}); pass an object with each of them.`,
    );
  }
  if (id === null || id === undefined) {
    throw new EntityError('INVALID_ARGUMENT', `select(${info.name}): the id is ${String(id)}.`);
  }
  return { [keys[0] as string]: id };
}

function checkEntity(entity: unknown, operation: string, isNew: boolean): void {
  if (
    typeof entity !== 'object' ||
    entity === null ||
    typeof (entity as { save?: unknown }).save !== 'function' ||
    typeof (entity as { constructor?: { getAttributes?: unknown } }).constructor?.getAttributes !==
      'function'
  ) {
    throw new EntityError(
      'INVALID_ARGUMENT',
      `${operation} takes a model instance, got ${describe(entity)}.`,
    );
  }
  const record = entity as Model;
  if (isNew && !record.isNewRecord) {
    throw new EntityError(
      'INVALID_ARGUMENT',
      `insert takes a new instance (Model.build(...)); this ${record.constructor.name} was loaded or saved already: use update.`,
    );
  }
  if (!isNew && record.isNewRecord) {
    throw new EntityError(
      'INVALID_ARGUMENT',
      `${operation} takes a saved instance; this ${record.constructor.name} is new: use insert.`,
    );
  }
}

function checkWriteOptions(options: WriteOptions, where: string): WriteOptions {
  if (typeof options !== 'object' || options === null) {
    throw new EntityError('INVALID_ARGUMENT', `${where}: options must be an object.`);
  }
  const unknown = Object.keys(options).filter((name) => name !== 'flush' && name !== 'commit');
  if (unknown.length > 0) {
    throw new EntityError(
      'INVALID_ARGUMENT',
      `${where}: unknown option(s) ${unknown.join(', ')}; the options are flush and commit.`,
    );
  }
  for (const name of ['flush', 'commit'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'boolean') {
      throw new EntityError('INVALID_ARGUMENT', `${where}: ${name} must be true or false.`);
    }
  }
  return options;
}

function transactionOption(transaction: Transaction | undefined): { transaction?: Transaction } {
  return transaction === undefined ? {} : { transaction };
}

function quote(info: ModelInfo, name: string): string {
  return info.dialect === 'postgres'
    ? `"${name.replaceAll('"', '""')}"`
    : `\`${name.replaceAll('`', '``')}\``;
}

function integerOf(value: unknown, where: string): number {
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(number)) {
    throw new EntityError('UNSAFE_INTEGER', `${where}: ${String(value)} is not a safe integer.`);
  }
  return number;
}

function sumOf(typeKey: string, total: unknown, where: string): number | string | bigint {
  if (TEXT_RESULT_TYPES.has(typeKey))
    return total === null || total === undefined ? '0' : String(total);
  if (total === null || total === undefined) return 0;
  if (INTEGER_TYPES.has(typeKey)) {
    const exact = BigInt(String(total));
    if (exact > BigInt(Number.MAX_SAFE_INTEGER) || exact < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new EntityError(
        'UNSAFE_INTEGER',
        `${where}: the sum ${exact} is beyond Number.MAX_SAFE_INTEGER; read it exactly with selectRows('SELECT CAST(SUM(…) AS TEXT) …').`,
      );
    }
    return Number(exact);
  }
  if (FLOAT_TYPES.has(typeKey)) return Number(total);
  return typeof total === 'number' ? total : Number(total);
}

/**
 * SQLSTATE class 23 is "integrity constraint violation" (PostgreSQL and MariaDB both report it):
 * CHECK and database-level NOT NULL violations arrive from Sequelize as a plain DatabaseError.
 */
function isIntegrityViolation(error: BaseError): boolean {
  const parent = (error as { parent?: { code?: unknown; sqlState?: unknown } }).parent;
  const state = parent?.sqlState ?? parent?.code;
  return typeof state === 'string' && /^23[0-9A-Z]{3}$/.test(state);
}

/** Runs a database call, turning Sequelize's errors into EntityErrors. */
async function guard<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw wrap(error);
  }
}

function wrap(error: unknown): unknown {
  if (EntityError.is(error) || !(error instanceof BaseError)) return error;
  const constraint = /Constraint|Validation/.test(error.name) || isIntegrityViolation(error);
  return new EntityError(constraint ? 'CONSTRAINT' : 'QUERY_FAILED', error.message, {
    cause: error,
  });
}
