/** Settings of the in-process tier (see {@link CacheManagerOptions.localTier}). */
export interface LocalTierOptions {
  /** At most this many keys in process memory, least recently used dropped first. Default 10 000. */
  readonly maxEntries?: number;
  /** Seconds a local copy lives at most, even without an invalidation. Default: the cache's `expire`. */
  readonly ttl?: number;
}

interface LocalItem<T> {
  readonly value: T;
  readonly expiresAt: number;
}

/** Above this many remembered invalidations the list is dropped and reads in flight are refused. */
const MAX_REMEMBERED_INVALIDATIONS = 4096;

/**
 * Copies of Redis values in process memory, dropped when Redis reports the key changed.
 *
 * A read from Redis and the invalidation of its key can cross: the reply is in flight when the
 * invalidation arrives. So a value is kept only when no invalidation of its key (and no loss of
 * the connection) came after the read started: `begin()` before the read, `put(..., ticket)`
 * after it.
 */
export class LocalTier<T> {
  readonly #items = new Map<string, LocalItem<T>>();
  readonly #maxEntries: number;
  readonly #ttlMs: number;
  /** Counts invalidations; a read's ticket is its value when the read started. */
  #sequence = 0;
  /** Reads that started before this are refused (set on a full clear). */
  #floor = 0;
  readonly #invalidatedAt = new Map<string, number>();

  constructor(maxEntries: number, ttlMs: number) {
    this.#maxEntries = maxEntries;
    this.#ttlMs = ttlMs;
  }

  get size(): number {
    return this.#items.size;
  }

  /** A ticket to pass to {@link put} for a read that starts now. */
  begin(): number {
    return this.#sequence;
  }

  get(key: string, now: number): T | undefined {
    const item = this.#items.get(key);
    if (item === undefined) return undefined;
    this.#items.delete(key);
    if (item.expiresAt <= now) return undefined;
    this.#items.set(key, item); // most recently used last: eviction takes the first
    return item.value;
  }

  /** Keeps `value` unless `key` was invalidated since the ticket was taken. */
  put(key: string, value: T, ticket: number, now: number): void {
    if (ticket < this.#floor || (this.#invalidatedAt.get(key) ?? -1) > ticket) return;
    this.#items.delete(key);
    this.#items.set(key, { value, expiresAt: now + this.#ttlMs });
    if (this.#items.size > this.#maxEntries) {
      const oldest = this.#items.keys().next().value as string;
      this.#items.delete(oldest);
    }
  }

  /** Drops `key` (null: everything), and refuses the values of reads already in flight for it. */
  invalidate(key: string | null): void {
    this.#sequence++;
    if (key === null) this.#items.clear();
    else this.#items.delete(key);
    if (key === null || this.#invalidatedAt.size >= MAX_REMEMBERED_INVALIDATIONS) {
      // Forget the per-key list; every read in flight is refused instead (rare, and safe).
      this.#invalidatedAt.clear();
      this.#floor = this.#sequence;
    }
    if (key !== null) this.#invalidatedAt.set(key, this.#sequence);
  }
}
