import { randomBytes } from 'node:crypto';
import type { Model, ModelStatic } from 'sequelize';
import { CacheError } from './cache-error.js';
import type { CacheStore } from './cache-store.js';
import { withDeadline } from './deadline.js';
import { decodeEntry, encodeEntry, GENERATION_BYTES } from './entry-format.js';
import { LocalTier, type LocalTierOptions } from './local-tier.js';
import { MemoryStore } from './memory-store.js';
import {
  type Identifier,
  identifierOf,
  idOf,
  instanceFrom,
  type ModelSchema,
  rebuild,
  schemaOf,
  valuesOf,
} from './model-schema.js';
import {
  type InvalidationSource,
  isRedisClientOrCluster,
  type RedisClientLike,
  type RedisClusterLike,
  RedisStore,
} from './redis-store.js';

/** Where an error reported to {@link CacheManagerOptions.onError} happened. */
export type CacheOperation = 'get' | 'getMany' | 'getOrLoad' | 'set' | 'connection';

/** Options of a {@link CacheManager}. */
export interface CacheManagerOptions {
  /** The first part of every key (`<prefix>:e:…`, `<prefix>:g:…`); `erase()` removes exactly these. Default `'x'`. */
  readonly prefix?: string;
  /** Each entry lives `expire × (1 ± jitter)` seconds, spread uniformly, so entries written together do not expire together. From 0 to 0.5; default 0.1. */
  readonly jitter?: number;
  /** Milliseconds a Redis command may take before it counts as failed. Default 250. */
  readonly timeout?: number;
  /**
   * Called with every failure that a read or a cache write absorbed (the call itself resolved
   * as a miss or did not store), and with the client's connection errors. Default: a process
   * warning at most once a minute with the count since the last one.
   */
  readonly onError?: (error: CacheError, operation: CacheOperation) => void;
  /**
   * Keep hits in process memory too (a Redis client or cluster created with
   * `clientSideCache`, RESP3): Redis tells this process when another one writes, deletes or
   * invalidates a key it holds, and the copy is dropped. `true` for the defaults.
   */
  readonly localTier?: boolean | LocalTierOptions;
}

/** Counters since the manager was created. */
export interface CacheStats {
  /** `get`/`getMany`/`getOrLoad` lookups answered from the cache (local tier included). */
  readonly hits: number;
  /** Lookups that found nothing usable (absent, stale, of another shape, corrupt, or Redis failed). */
  readonly misses: number;
  /** Hits served from process memory by the local tier. */
  readonly localHits: number;
  /** Loader calls made by `getOrLoad`. */
  readonly loads: number;
  /** Failures absorbed and reported through `onError`. */
  readonly errors: number;
}

type Client = RedisClientLike | RedisClusterLike | CacheStore;

interface LocalEntry {
  readonly generation: Uint8Array;
  readonly values: readonly unknown[];
}

interface SeenGeneration {
  readonly value: Uint8Array;
  readonly seenAt: number;
}

/** A load in progress; `invalidated` once a delete, set or erase made its result outdated. */
interface FlightState {
  promise: Promise<Flight>;
  invalidated: boolean;
}

interface Flight {
  readonly leader: Model | null;
  follower(): Model | null;
}

const DEFAULT_TIMEOUT_MS = 250;
/** The longest delay a Node timer takes (a longer one fires at once). */
const MAX_TIMER_MS = 2_147_483_647;
const WARNING_INTERVAL_MS = 60_000;
/** A write re-reads the generation it stamps when the one it remembers is older than this. */
const GENERATION_RECHECK_MS = 1000;

/**
 * A cache of Sequelize model instances on Redis, a Redis Cluster, or any {@link CacheStore}.
 *
 * `get` gives back what `findByPk` would: a real instance with the same values and JS types,
 * nothing `changed()`, `save()` an UPDATE. `deleteAll(Model)` is one write whatever the number
 * of entries (a generation stamp per model). Reads fail open (a miss, reported to `onError`);
 * invalidations fail closed (they reject unless Redis confirmed them).
 *
 * @example
 * const redis = await createClient({ url }).on('error', () => {}).connect();
 * const cache = new CacheManager(redis, 300, { prefix: 'shop' });
 * const user = await cache.getOrLoad(User, 42, () => User.findByPk(42));
 */
export class CacheManager {
  readonly #store: CacheStore;
  readonly #expireMs: number;
  readonly #jitter: number;
  readonly #timeoutMs: number;
  readonly #prefix: string;
  readonly #onError: (error: CacheError, operation: CacheOperation) => void;
  readonly #guarded: boolean;
  #local: LocalTier<Uint8Array | LocalEntry> | undefined;
  readonly #detach: (() => void)[] = [];
  /** The last generation seen per model and when, used to stamp writes (a stale one only makes a miss). */
  readonly #generations = new Map<string, SeenGeneration>();
  readonly #flights = new Map<string, FlightState>();
  readonly #creating = new Map<string, Promise<Uint8Array>>();
  #hits = 0;
  #misses = 0;
  #localHits = 0;
  #loads = 0;
  #errors = 0;
  #unreportedErrors = 0;
  #lastWarning = Number.NEGATIVE_INFINITY;

  /**
   * @param client a connected node-redis v6 client or cluster, or a {@link CacheStore}
   *   (e.g. {@link MemoryStore}).
   * @param expire seconds an entry lives (before jitter).
   */
  constructor(client: Client, expire: number, options: CacheManagerOptions = {}) {
    checkOptionNames(options);
    if (typeof expire !== 'number' || !Number.isFinite(expire) || expire * 1000 < 1) {
      throw new CacheError(
        'INVALID_ARGUMENT',
        `expire must be a number of seconds of at least 0.001, got ${String(expire)}.`,
      );
    }
    this.#expireMs = expire * 1000;
    this.#jitter = options.jitter ?? 0.1;
    if (typeof this.#jitter !== 'number' || !(this.#jitter >= 0 && this.#jitter <= 0.5)) {
      throw new CacheError(
        'INVALID_ARGUMENT',
        `jitter must be a fraction from 0 to 0.5, got ${String(options.jitter)}.`,
      );
    }
    this.#timeoutMs = options.timeout ?? DEFAULT_TIMEOUT_MS;
    if (
      !Number.isSafeInteger(this.#timeoutMs) ||
      this.#timeoutMs < 1 ||
      this.#timeoutMs > MAX_TIMER_MS
    ) {
      throw new CacheError(
        'INVALID_ARGUMENT',
        `timeout must be a positive whole number of milliseconds, got ${String(options.timeout)}.`,
      );
    }
    this.#prefix = options.prefix ?? 'x';
    if (typeof this.#prefix !== 'string' || this.#prefix === '') {
      throw new CacheError(
        'INVALID_ARGUMENT',
        `prefix must be a non-empty string, got ${String(options.prefix)}.`,
      );
    }
    this.#onError = options.onError ?? ((error) => this.#warn(error));

    let invalidations: InvalidationSource | undefined;
    let redis: RedisClientLike | RedisClusterLike | undefined;
    if (isRedisClientOrCluster(client)) {
      const store = new RedisStore(client, this.#timeoutMs);
      this.#store = store;
      // The store bounds each of its steps itself (so a long erase is not cut off as a whole).
      this.#guarded = false;
      redis = client;
      invalidations = store.invalidations();
    } else if (isStore(client)) {
      this.#store = client;
      // Only the package's own MemoryStore is known never to wait; a subclass may do I/O.
      this.#guarded = Object.getPrototypeOf(client) !== MemoryStore.prototype;
    } else {
      throw new CacheError(
        'INVALID_ARGUMENT',
        'client must be a node-redis v6 client or cluster (createClient/createCluster) or a CacheStore such as MemoryStore.',
      );
    }
    this.#local = localTierOf(options.localTier, expire, invalidations !== undefined);

    // Listeners last: a constructor that throws leaves nothing attached to the client.
    if (redis !== undefined) {
      const client = redis;
      // node-redis exits the process on an 'error' event nobody listens to; report it instead.
      const onConnectionError = (error: unknown) => this.#report(error, 'connection');
      client.on('error', onConnectionError);
      this.#detach.push(() => client.off('error', onConnectionError));
    }
    const tier = this.#local;
    if (tier !== undefined && invalidations !== undefined) {
      this.#detach.push(invalidations.subscribe((key) => tier.invalidate(key)));
    }
  }

  /** Counters of hits, misses, local hits, loads and absorbed errors. */
  stats(): CacheStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      localHits: this.#localHits,
      loads: this.#loads,
      errors: this.#errors,
    };
  }

  /**
   * Stores `entity` for `expire` seconds (± jitter). Resolves `true` once stored, `false` when
   * the store failed (reported to `onError`: a cache write that did not happen loses nothing).
   * Rejects with `INVALID_ENTITY` for an unsaved or partially loaded instance.
   */
  async set(entity: Model): Promise<boolean> {
    const schema = schemaOf(entity?.constructor);
    const key = this.#entryKey(schema, idOf(schema, identifierOf(schema, entity)));
    const values = valuesOf(schema, entity);
    this.#local?.invalidate(key);
    this.#dropFlights((flightKey) => flightKey === key);
    try {
      await this.#write(schema, key, values);
      return true;
    } catch (error) {
      this.#report(error, 'set');
      return false;
    }
  }

  /** The cached instance of `model` with primary key `id`, or `null` on a miss. Never rejects for a store failure. */
  async get<M extends Model>(model: ModelStatic<M>, id: Identifier): Promise<M | null> {
    const schema = schemaOf(model);
    const key = this.#entryKey(schema, idOf(schema, id));
    const found = this.#fromLocal<M>(schema, key);
    if (found !== undefined) return found;
    const generationKey = this.#generationKey(schema);
    const ticket = this.#local?.begin() ?? 0;
    let replies: (Uint8Array | null)[];
    try {
      replies = await this.#call(() => this.#store.get([generationKey, key]));
    } catch (error) {
      this.#misses++;
      this.#report(error, 'get');
      return null;
    }
    const generation = this.#seeGeneration(generationKey, replies[0] ?? null, ticket);
    return this.#resolve<M>(schema, key, replies[1] ?? null, generation, ticket);
  }

  /** The cached instances of `model` for `ids`, in order, `null` for each miss; one round trip. */
  async getMany<M extends Model>(
    model: ModelStatic<M>,
    ids: readonly Identifier[],
  ): Promise<(M | null)[]> {
    const schema = schemaOf(model);
    const keys = ids.map((id) => this.#entryKey(schema, idOf(schema, id)));
    const results: (M | null | undefined)[] = keys.map((key) => this.#fromLocal<M>(schema, key));
    const wanted = keys.filter((_, index) => results[index] === undefined);
    if (wanted.length === 0) return results as (M | null)[];
    const generationKey = this.#generationKey(schema);
    const ticket = this.#local?.begin() ?? 0;
    let replies: (Uint8Array | null)[];
    try {
      replies = await this.#call(() => this.#store.get([generationKey, ...wanted]));
    } catch (error) {
      this.#misses += wanted.length;
      this.#report(error, 'getMany');
      return results.map((result) => result ?? null);
    }
    const generation = this.#seeGeneration(generationKey, replies[0] ?? null, ticket);
    let reply = 1;
    for (let index = 0; index < results.length; index++) {
      if (results[index] !== undefined) continue;
      results[index] = this.#resolve<M>(
        schema,
        keys[index] as string,
        replies[reply++] ?? null,
        generation,
        ticket,
      );
    }
    return results as (M | null)[];
  }

  /**
   * The cached instance, or else what `loader` returns, stored for the next call. Concurrent
   * calls for one key in this process share one load; each caller gets its own instance. The
   * entry is stamped with the generation read before the load, so a `deleteAll` during the
   * load leaves it stale instead of resurrecting old data. A loader that rejects rejects every
   * caller waiting on it; a store failure still returns the loaded instance.
   */
  async getOrLoad<M extends Model>(
    model: ModelStatic<M>,
    id: Identifier,
    loader: () => Promise<M | null | undefined> | M | null | undefined,
  ): Promise<M | null> {
    const schema = schemaOf(model);
    const key = this.#entryKey(schema, idOf(schema, id));
    const pending = this.#flights.get(key);
    if (pending !== undefined) return (await pending.promise).follower() as M | null;
    const state: FlightState = {
      promise: Promise.resolve({ leader: null, follower: () => null }),
      invalidated: false,
    };
    state.promise = this.#load(schema, key, loader, state);
    this.#flights.set(key, state);
    try {
      return (await state.promise).leader as M | null;
    } finally {
      if (this.#flights.get(key) === state) this.#flights.delete(key);
    }
  }

  /**
   * Removes the entry of `entity` (or of `model` and `id`). Rejects with `UNAVAILABLE` when
   * the store does not confirm it, so the caller knows the old entry may still be served.
   */
  async delete(entity: Model): Promise<void>;
  async delete<M extends Model>(model: ModelStatic<M>, id: Identifier): Promise<void>;
  async delete(target: Model | ModelStatic<Model>, id?: Identifier): Promise<void> {
    const schema = schemaOf(typeof target === 'function' ? target : target?.constructor);
    const key = this.#entryKey(
      schema,
      idOf(
        schema,
        typeof target === 'function' ? (id as Identifier) : identifierOf(schema, target as Model),
      ),
    );
    this.#local?.invalidate(key);
    this.#dropFlights((flightKey) => flightKey === key);
    await this.#confirm(`delete ${key}`, () => this.#store.delete([key]));
    this.#local?.invalidate(key);
  }

  /**
   * Makes every entry of `model` a miss, in every process, with one write: a new random
   * generation stamp for the model (entries carry the stamp they were written under). The old
   * entries stay in Redis until they expire. Rejects with `UNAVAILABLE` unless confirmed.
   */
  async deleteAll<M extends Model>(model: ModelStatic<M>): Promise<void> {
    const schema = schemaOf(model);
    const generationKey = this.#generationKey(schema);
    const generation = randomBytes(GENERATION_BYTES);
    this.#local?.invalidate(generationKey);
    this.#generations.delete(generationKey);
    const entries = this.#entryKey(schema, '');
    this.#dropFlights((flightKey) => flightKey.startsWith(entries));
    await this.#confirm(`deleteAll ${schema.model.name}`, () =>
      this.#store.set([{ key: generationKey, value: generation, ttlMs: 0 }]),
    );
    this.#rememberGeneration(generationKey, generation);
    this.#local?.invalidate(generationKey);
  }

  /**
   * Removes every key under this manager's prefix (`<prefix>:`) and nothing else, scanning the
   * store (every master of a cluster). Resolves with the number of keys removed. For
   * maintenance, not for the hot path: use `deleteAll(Model)` there.
   */
  async erase(): Promise<number> {
    this.#local?.invalidate(null);
    this.#generations.clear();
    this.#dropFlights(() => true);
    const count = await this.#confirm('erase', () => this.#store.deletePrefix(`${this.#prefix}:`));
    this.#local?.invalidate(null);
    this.#generations.clear();
    return count;
  }

  /**
   * Stops listening to the client's events (its errors, the local tier's invalidations) and
   * turns the local tier off, since it would no longer hear of changes; the manager keeps working
   * on the store. Does not close the client.
   */
  close(): void {
    for (const detach of this.#detach.splice(0)) detach();
    this.#local?.invalidate(null);
    this.#local = undefined;
  }

  /** Outdated loads: new callers start a new one, and the old one's result is not written. */
  #dropFlights(matches: (key: string) => boolean): void {
    for (const [key, state] of this.#flights) {
      if (!matches(key)) continue;
      state.invalidated = true;
      this.#flights.delete(key);
    }
  }

  async #load(
    schema: ModelSchema,
    key: string,
    loader: () => Promise<Model | null | undefined> | Model | null | undefined,
    state: FlightState,
  ): Promise<Flight> {
    const local = this.#fromLocalValues(schema, key);
    if (local !== undefined) return flightOf(schema, local);
    const generationKey = this.#generationKey(schema);
    const ticket = this.#local?.begin() ?? 0;
    let generation: Uint8Array | null = null;
    let cached: readonly unknown[] | undefined;
    let readFailed = false;
    try {
      const [generationReply, entry] = await this.#call(() =>
        this.#store.get([generationKey, key]),
      );
      generation = this.#seeGeneration(generationKey, generationReply ?? null, ticket);
      cached = this.#decode(schema, key, entry ?? null, generation, ticket);
    } catch (error) {
      readFailed = true;
      this.#misses++;
      this.#report(error, 'getOrLoad');
    }
    if (cached !== undefined) {
      const leader = this.#build(schema, key, cached);
      if (leader !== null) return { leader, follower: () => instanceFrom(schema, cached, true) };
    }
    if (!readFailed && generation === null) {
      generation = await this.#createGeneration(generationKey).catch((error: unknown) => {
        this.#report(error, 'getOrLoad');
        return null;
      });
    }
    this.#loads++;
    const loaded = (await loader()) ?? null;
    if (loaded === null) return { leader: null, follower: () => null };
    if (!(loaded instanceof schema.model)) {
      throw new CacheError(
        'INVALID_ENTITY',
        `The loader of ${schema.model.name} returned something else than a ${schema.model.name} instance.`,
      );
    }
    if (loaded.isNewRecord) {
      throw new CacheError(
        'INVALID_ENTITY',
        `The loader of ${schema.model.name} returned an unsaved instance; return what the database holds (findByPk).`,
      );
    }
    let values: unknown[];
    try {
      values = valuesOf(schema, loaded);
    } catch (error) {
      // Loaded but not cacheable (a scope left attributes out, say): serve it, do not cache it.
      this.#report(error, 'getOrLoad');
      const data = { ...(loaded.dataValues as Record<string, unknown>) };
      return { leader: loaded, follower: () => rebuild(schema, data) };
    }
    // Checked right before the write is sent: a delete or set issued meanwhile wins.
    if (generation !== null && !state.invalidated) {
      try {
        await this.#write(schema, key, values, generation);
      } catch (error) {
        this.#report(error, 'getOrLoad');
      }
    }
    const snapshot = instanceFrom(schema, values, true).dataValues as Record<string, unknown>;
    const frozen = schema.attributes.map((name, index) =>
      schema.jsonCoded[index] && snapshot[name] != null
        ? JSON.stringify(snapshot[name])
        : snapshot[name],
    );
    return { leader: loaded, follower: () => instanceFrom(schema, frozen, true) };
  }

  /**
   * Writes one entry stamped with `generation`, or else with the generation this process saw
   * last: fetched (or created) when unknown, re-read in the same round trip when older than a
   * second, so that a process that only writes follows another process's `deleteAll`. An entry
   * under an outdated stamp is only a miss, never stale data served.
   */
  async #write(
    schema: ModelSchema,
    key: string,
    values: readonly unknown[],
    generation?: Uint8Array,
  ): Promise<void> {
    const generationKey = this.#generationKey(schema);
    const seen = this.#generations.get(generationKey);
    const now = Date.now();
    const stamp = generation ?? seen?.value ?? (await this.#currentGeneration(generationKey));
    const entry = encodeEntry(schema.fingerprint, stamp, values);
    const write = this.#call(() => this.#store.set([{ key, value: entry, ttlMs: this.#ttlMs() }]));
    if (
      generation !== undefined ||
      seen === undefined ||
      now - seen.seenAt < GENERATION_RECHECK_MS
    ) {
      await write;
      return;
    }
    // A failed re-read costs only freshness: it is reported, the write still counts.
    const recheck = this.#call(() => this.#store.get([generationKey])).then(
      (current) => this.#rememberGeneration(generationKey, current[0] ?? null),
      (error: unknown) => this.#report(error, 'set'),
    );
    await Promise.all([write, recheck]);
  }

  #rememberGeneration(generationKey: string, generation: Uint8Array | null): void {
    if (generation === null) this.#generations.delete(generationKey);
    else this.#generations.set(generationKey, { value: generation, seenAt: Date.now() });
  }

  async #currentGeneration(generationKey: string): Promise<Uint8Array> {
    const [current] = await this.#call(() => this.#store.get([generationKey]));
    if (current != null) {
      this.#rememberGeneration(generationKey, current);
      return current;
    }
    return this.#createGeneration(generationKey);
  }

  /**
   * Creates the model's generation unless one exists, and resolves with the stamp for the write
   * that needed it; concurrent callers share one request. When another writer's generation won
   * (another process's first write, or a `deleteAll` that ran meanwhile), that one is
   * remembered for later writes, but this write is stamped with the candidate that lost: the
   * data it carries was read before the winner existed, so it must be a miss, not a hit under
   * the new generation.
   */
  #createGeneration(generationKey: string): Promise<Uint8Array> {
    const pending = this.#creating.get(generationKey);
    if (pending !== undefined) return pending;
    const candidate = randomBytes(GENERATION_BYTES);
    const creation = this.#call(() => this.#store.setIfAbsent(generationKey, candidate))
      .then((generation) => {
        this.#rememberGeneration(generationKey, generation);
        return candidate;
      })
      .finally(() => this.#creating.delete(generationKey));
    this.#creating.set(generationKey, creation);
    return creation;
  }

  /** Records a generation read from the store (remembered for writes, kept by the local tier). */
  #seeGeneration(
    generationKey: string,
    generation: Uint8Array | null,
    ticket: number,
  ): Uint8Array | null {
    this.#rememberGeneration(generationKey, generation);
    if (generation === null) return null;
    this.#local?.put(generationKey, generation, ticket, Date.now());
    return generation;
  }

  #resolve<M extends Model>(
    schema: ModelSchema,
    key: string,
    entry: Uint8Array | null,
    generation: Uint8Array | null,
    ticket: number,
  ): M | null {
    const values = this.#decode(schema, key, entry, generation, ticket);
    return values === undefined ? null : this.#build<M>(schema, key, values);
  }

  /** An instance of decoded values; null (a miss, the entry removed) when they do not build one. */
  #build<M extends Model>(schema: ModelSchema, key: string, values: readonly unknown[]): M | null {
    try {
      return instanceFrom<M>(schema, values, this.#local !== undefined);
    } catch (error) {
      this.#hits--;
      this.#misses++;
      this.#discard(key, `it does not build a ${schema.model.name}`, error);
      return null;
    }
  }

  /** The values of a usable entry (counted as a hit), or undefined (counted as a miss). */
  #decode(
    schema: ModelSchema,
    key: string,
    entry: Uint8Array | null,
    generation: Uint8Array | null,
    ticket: number,
  ): unknown[] | undefined {
    if (entry === null) {
      this.#misses++;
      return undefined;
    }
    const decoded = decodeEntry(entry, schema.fingerprint, generation, schema.attributes.length);
    if (decoded.kind !== 'fresh') {
      this.#misses++;
      if (decoded.kind === 'corrupt') this.#discard(key, decoded.reason);
      return undefined;
    }
    this.#hits++;
    if (this.#local !== undefined && generation !== null) {
      this.#local.put(key, { generation, values: decoded.values }, ticket, Date.now());
    }
    return decoded.values;
  }

  #fromLocal<M extends Model>(schema: ModelSchema, key: string): M | undefined {
    const values = this.#fromLocalValues(schema, key);
    return values === undefined ? undefined : instanceFrom<M>(schema, values, true);
  }

  #fromLocalValues(schema: ModelSchema, key: string): readonly unknown[] | undefined {
    const local = this.#local;
    if (local === undefined) return undefined;
    const now = Date.now();
    const generation = local.get(this.#generationKey(schema), now);
    if (!(generation instanceof Uint8Array)) return undefined;
    const entry = local.get(key, now);
    if (
      entry === undefined ||
      entry instanceof Uint8Array ||
      !sameBytes(entry.generation, generation)
    )
      return undefined;
    this.#hits++;
    this.#localHits++;
    return entry.values;
  }

  /** Reports a corrupt entry and removes it (best effort: a failed removal is reported too). */
  #discard(key: string, reason: string, cause?: unknown): void {
    this.#local?.invalidate(key);
    this.#report(
      new CacheError('UNAVAILABLE', `Removed the corrupt cache entry ${key}: ${reason}.`, {
        cause,
      }),
      'get',
    );
    this.#call(() => this.#store.delete([key])).catch((error: unknown) =>
      this.#report(error, 'get'),
    );
  }

  async #confirm<T>(what: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await this.#call(operation);
    } catch (error) {
      throw new CacheError(
        'UNAVAILABLE',
        `The cache store did not confirm ${what}: ${messageOf(error)}`,
        { cause: error },
      );
    }
  }

  /** Runs a store call, bounded by the timeout for stores that do not bound themselves. */
  #call<T>(operation: () => Promise<T>): Promise<T> {
    if (!this.#guarded) return operation();
    return withDeadline(operation, this.#timeoutMs, 'The cache store');
  }

  #report(error: unknown, operation: CacheOperation): void {
    this.#errors++;
    const reported = CacheError.is(error)
      ? error
      : new CacheError('UNAVAILABLE', `Cache ${operation} failed: ${messageOf(error)}`, {
          cause: error,
        });
    try {
      const result: unknown = this.#onError(reported, operation);
      // An async handler that rejects must not become an unhandled rejection either.
      if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
        (result as PromiseLike<unknown>).then(undefined, () => {});
      }
    } catch {
      // A throwing error handler must not turn a fail-open read into a failure.
    }
  }

  #warn(error: CacheError): void {
    this.#unreportedErrors++;
    const now = Date.now();
    if (now - this.#lastWarning < WARNING_INTERVAL_MS) return;
    this.#lastWarning = now;
    const count = this.#unreportedErrors;
    this.#unreportedErrors = 0;
    process.emitWarning(
      `${count} cache error(s) absorbed (reads served as misses); the last: ${error.message} Pass onError to CacheManager to handle them.`,
      { type: 'CacheWarning', code: 'X_CACHE_ERRORS' },
    );
  }

  #ttlMs(): number {
    const spread = this.#jitter === 0 ? 1 : 1 + this.#jitter * (2 * Math.random() - 1);
    return Math.max(1, Math.round(this.#expireMs * spread));
  }

  #entryKey(schema: ModelSchema, id: string): string {
    return `${this.#prefix}:e:${schema.keyName}:${id}`;
  }

  #generationKey(schema: ModelSchema): string {
    return `${this.#prefix}:g:${schema.keyName}`;
  }
}

function localTierOf(
  option: boolean | LocalTierOptions | undefined,
  expire: number,
  tracked: boolean,
): LocalTier<Uint8Array | LocalEntry> | undefined {
  if (option === undefined || option === false) return undefined;
  if (!tracked) {
    throw new CacheError(
      'LOCAL_TIER_UNAVAILABLE',
      'localTier needs a node-redis client or cluster created with RESP: 3 and clientSideCache, so that Redis reports changed keys.',
    );
  }
  const settings = option === true ? {} : option;
  const maxEntries = settings.maxEntries ?? 10_000;
  const ttl = settings.ttl ?? expire;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1 || !(ttl > 0)) {
    throw new CacheError(
      'INVALID_ARGUMENT',
      'localTier.maxEntries must be a positive integer and localTier.ttl a positive number of seconds.',
    );
  }
  return new LocalTier<Uint8Array | LocalEntry>(maxEntries, ttl * 1000);
}

function flightOf(schema: ModelSchema, values: readonly unknown[]): Flight {
  return {
    leader: instanceFrom(schema, values, true),
    follower: () => instanceFrom(schema, values, true),
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

function isStore(value: unknown): value is CacheStore {
  if (typeof value !== 'object' || value === null) return false;
  const store = value as Record<string, unknown>;
  return ['get', 'set', 'setIfAbsent', 'delete', 'deletePrefix'].every(
    (name) => typeof store[name] === 'function',
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const OPTION_NAMES = new Set(['prefix', 'jitter', 'timeout', 'onError', 'localTier']);

function checkOptionNames(options: object): void {
  if (typeof options !== 'object' || options === null) {
    throw new CacheError('INVALID_ARGUMENT', 'options must be an object.');
  }
  const unknown = Object.keys(options).filter((name) => !OPTION_NAMES.has(name));
  if (unknown.length > 0) {
    throw new CacheError(
      'INVALID_ARGUMENT',
      `Unknown CacheManager option(s) ${unknown.join(', ')}; the options are ${[...OPTION_NAMES].join(', ')}.`,
    );
  }
}
