import { CacheError } from './cache-error.js';
import type { CacheStore, StoreEntry } from './cache-store.js';

/** Bounds of a {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** At most this many keys; the least recently used go first. Default 10 000. */
  readonly maxEntries?: number;
  /** At most this many bytes of values; the least recently used go first. Default 64 MiB. */
  readonly maxBytes?: number;
  /** The clock, in milliseconds; for tests. Default `Date.now`. */
  readonly now?: () => number;
}

interface Slot {
  readonly value: Uint8Array;
  /** Milliseconds since the epoch after which the slot is gone; `Infinity` for never. */
  readonly expiresAt: number;
}

/**
 * A {@link CacheStore} in process memory, bounded by entry count and bytes (least recently
 * used evicted first) and aware of each entry's time to live. For embedded use (one process,
 * no Redis) and for tests of applications. Values are copied in, so a caller may reuse its
 * buffers.
 *
 * @example
 * const cache = new CacheManager(new MemoryStore({ maxEntries: 50_000 }), 300);
 */
export class MemoryStore implements CacheStore {
  readonly #slots = new Map<string, Slot>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #now: () => number;
  #bytes = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.#maxEntries = positiveInteger(options.maxEntries ?? 10_000, 'maxEntries');
    this.#maxBytes = positiveInteger(options.maxBytes ?? 64 * 1024 * 1024, 'maxBytes');
    this.#now = options.now ?? Date.now;
  }

  /** How many keys the store holds now, expired ones not yet dropped included. */
  get size(): number {
    return this.#slots.size;
  }

  /** How many bytes of values the store holds now. */
  get bytes(): number {
    return this.#bytes;
  }

  async get(keys: readonly string[]): Promise<(Uint8Array | null)[]> {
    const now = this.#now();
    return keys.map((key) => {
      const slot = this.#slots.get(key);
      if (slot === undefined) return null;
      this.#slots.delete(key);
      if (slot.expiresAt <= now) {
        this.#bytes -= slot.value.byteLength;
        return null;
      }
      this.#slots.set(key, slot); // most recently used last
      return slot.value;
    });
  }

  async set(entries: readonly StoreEntry[]): Promise<void> {
    const now = this.#now();
    for (const { key, value, ttlMs } of entries) {
      this.#put(key, value, ttlMs > 0 ? now + ttlMs : Number.POSITIVE_INFINITY);
    }
  }

  async setIfAbsent(key: string, value: Uint8Array): Promise<Uint8Array> {
    // Check and write with no await in between: concurrent callers must agree on one value.
    const slot = this.#slots.get(key);
    if (slot !== undefined && slot.expiresAt > this.#now()) return slot.value;
    this.#put(key, value, Number.POSITIVE_INFINITY);
    return value;
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.#remove(key);
  }

  async deletePrefix(prefix: string): Promise<number> {
    const now = this.#now();
    let count = 0;
    for (const [key, slot] of [...this.#slots]) {
      if (!key.startsWith(prefix)) continue;
      this.#remove(key);
      if (slot.expiresAt > now) count++; // expired keys are gone already, as in Redis
    }
    return count;
  }

  #put(key: string, value: Uint8Array, expiresAt: number): void {
    this.#remove(key);
    if (value.byteLength > this.#maxBytes) return; // never fits: storing it would evict everything
    this.#slots.set(key, { value: Buffer.from(value), expiresAt });
    this.#bytes += value.byteLength;
    this.#evict();
  }

  #remove(key: string): void {
    const slot = this.#slots.get(key);
    if (slot === undefined) return;
    this.#slots.delete(key);
    this.#bytes -= slot.value.byteLength;
  }

  #evict(): void {
    // Least recently used first (the Map's order); an expired slot is dropped when read or here.
    for (const key of this.#slots.keys()) {
      if (this.#slots.size <= this.#maxEntries && this.#bytes <= this.#maxBytes) break;
      this.#remove(key);
    }
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new CacheError(
      'INVALID_ARGUMENT',
      `MemoryStore option ${name} must be a positive integer, got ${String(value)}.`,
    );
  }
  return value;
}
