/**
 * The storage a {@link CacheManager} needs: bytes under string keys, with expiry. The package
 * adapts node-redis clients and clusters to it and ships {@link MemoryStore}; implement it to put
 * the cache on something else. Every method may reject; the manager turns a rejected read into
 * a miss and a rejected write or delete into an error for its caller.
 */
export interface CacheStore {
  /** The values of `keys`, in order, `null` where a key is absent or expired. */
  get(keys: readonly string[]): Promise<(Uint8Array | null)[]>;
  /** Stores each value under its key, expiring after `ttlMs` milliseconds (0: never). */
  set(entries: readonly StoreEntry[]): Promise<void>;
  /**
   * Stores `value` under `key` (never expiring) unless the key exists, and returns what the key
   * holds afterwards: `value`, or the value that was already there.
   */
  setIfAbsent(key: string, value: Uint8Array): Promise<Uint8Array>;
  /** Removes `keys`; resolves once the removal is confirmed. */
  delete(keys: readonly string[]): Promise<void>;
  /** Removes every key that starts with `prefix`, and nothing else; resolves with the count. */
  deletePrefix(prefix: string): Promise<number>;
}

/** One value to store, with its time to live in milliseconds (0: never expires). */
export interface StoreEntry {
  readonly key: string;
  readonly value: Uint8Array;
  readonly ttlMs: number;
}
