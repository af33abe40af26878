import { CacheError } from './cache-error.js';
import type { CacheStore, StoreEntry } from './cache-store.js';
import { withDeadline } from './deadline.js';

/** The options node-redis takes per command; the store sets a timeout and binary replies. */
interface CommandOptionsLike {
  readonly timeout?: number;
  readonly typeMapping?: Readonly<Record<number, unknown>>;
}

type Argument = string | Buffer;

/** An event source (node-redis clients, clusters and client-side caches are EventEmitters). */
export interface EventSourceLike {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

/**
 * The part of a node-redis v6 client (`createClient()`) that the cache uses. Any connected
 * client fits, with or without modules; pass it as it is.
 */
export interface RedisClientLike extends EventSourceLike {
  sendCommand(args: readonly Argument[], options?: CommandOptionsLike): Promise<unknown>;
  readonly isReady: boolean;
  readonly clientSideCache?: EventSourceLike | undefined;
}

/** The part of a node-redis v6 cluster (`createCluster()`) that the cache uses. */
export interface RedisClusterLike extends EventSourceLike {
  sendCommand(
    firstKey: Argument | undefined,
    isReadonly: boolean | undefined,
    args: Argument[],
    options?: CommandOptionsLike,
  ): Promise<unknown>;
  readonly isReady: boolean;
  readonly masters: readonly unknown[];
  nodeClient(node: never): Promise<RedisClientLike>;
  readonly clientSideCache?: EventSourceLike | undefined;
}

/** RESP3's blob string type (`$`), mapped to Buffer so that values stay bytes. */
const BLOB_STRING = 36;

const SCAN_COUNT = '1000';

/** Whether `value` looks like a node-redis cluster rather than a single client. */
export function isRedisCluster(value: unknown): value is RedisClusterLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    'masters' in value &&
    typeof (value as { nodeClient?: unknown }).nodeClient === 'function'
  );
}

/** Whether `value` looks like a node-redis client or cluster. */
export function isRedisClientOrCluster(
  value: unknown,
): value is RedisClientLike | RedisClusterLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { sendCommand?: unknown }).sendCommand === 'function' &&
    'isReady' in value &&
    typeof (value as { on?: unknown }).on === 'function'
  );
}

/** What the local tier listens to: keys Redis says changed, and connection losses. */
export interface InvalidationSource {
  /** Calls `listener(key)` for each key Redis invalidates, `listener(null)` for all of them. */
  subscribe(listener: (key: string | null) => void): () => void;
}

/**
 * A {@link CacheStore} on a node-redis client or cluster. The manager bounds each call with its
 * timeout; while the connection is down, calls fail at once instead of queueing.
 */
export class RedisStore implements CacheStore {
  readonly #client: RedisClientLike | undefined;
  readonly #cluster: RedisClusterLike | undefined;
  readonly #options: CommandOptionsLike;
  readonly #textOptions: CommandOptionsLike;
  readonly #timeoutMs: number;

  constructor(client: RedisClientLike | RedisClusterLike, timeoutMs: number) {
    if (isRedisCluster(client)) this.#cluster = client;
    else this.#client = client;
    this.#timeoutMs = timeoutMs;
    // timeout 0: node-redis's own per-command timer (an AbortSignal per command, 5 s by default)
    // covers only the wait to be written, not a reply that never comes, and costs more than the
    // call it guards. Each step here is bounded by one timer of the store's own instead.
    this.#options = { timeout: 0, typeMapping: { [BLOB_STRING]: Buffer } };
    this.#textOptions = { timeout: 0 };
  }

  async get(keys: readonly string[]): Promise<(Uint8Array | null)[]> {
    this.#assertReady();
    const client = this.#client;
    if (client !== undefined) {
      const reply =
        keys.length === 1
          ? [await this.#bound(() => client.sendCommand(['GET', keys[0] as string], this.#options))]
          : await this.#bound(() => client.sendCommand(['MGET', ...keys], this.#options));
      return (reply as unknown[]).map(asBytes);
    }
    const cluster = this.#cluster as RedisClusterLike;
    // One GET per key: the keys of one call live in different slots, so MGET would be refused.
    // Read from masters (isReadonly false): a replica may not have an acknowledged invalidation yet.
    const replies = await this.#bound(() =>
      Promise.all(keys.map((key) => cluster.sendCommand(key, false, ['GET', key], this.#options))),
    );
    return replies.map(asBytes);
  }

  async set(entries: readonly StoreEntry[]): Promise<void> {
    this.#assertReady();
    await this.#bound(() =>
      Promise.all(
        entries.map(({ key, value, ttlMs }) => this.#send(key, setArgs(key, value, ttlMs))),
      ),
    );
  }

  async setIfAbsent(key: string, value: Uint8Array): Promise<Uint8Array> {
    this.#assertReady();
    const bytes = toBuffer(value);
    // SET NX GET needs Redis 7; SET NX then GET works on every version and is as safe here:
    // the key is only ever replaced by a new random value, never deleted back to an old one.
    await this.#bound(() => this.#send(key, ['SET', key, bytes, 'NX']));
    const current = asBytes(await this.#bound(() => this.#send(key, ['GET', key])));
    return current ?? bytes;
  }

  async delete(keys: readonly string[]): Promise<void> {
    this.#assertReady();
    const client = this.#client;
    if (client !== undefined) {
      if (keys.length > 0) {
        await this.#bound(() => client.sendCommand(['UNLINK', ...keys], this.#textOptions));
      }
      return;
    }
    await this.#bound(() =>
      Promise.all(keys.map((key) => this.#send(key, ['UNLINK', key], this.#textOptions))),
    );
  }

  async deletePrefix(prefix: string): Promise<number> {
    this.#assertReady();
    const pattern = `${escapeGlob(prefix)}*`;
    const bound = <T>(operation: () => Promise<T>) => this.#bound(operation);
    if (this.#client !== undefined) {
      return deleteMatching(this.#client, pattern, this.#textOptions, true, bound);
    }
    const cluster = this.#cluster as RedisClusterLike;
    const nodes = await this.#bound(() =>
      Promise.all(cluster.masters.map((master) => cluster.nodeClient(master as never))),
    );
    // A node holds many slots, so its keys are removed one by one (pipelined), never together.
    const counts = await Promise.all(
      nodes.map((node) => deleteMatching(node, pattern, this.#textOptions, false, bound)),
    );
    return counts.reduce((sum, count) => sum + count, 0);
  }

  /** The source of invalidations when the client tracks keys (client-side caching), else undefined. */
  invalidations(): InvalidationSource | undefined {
    const client = (this.#client ?? this.#cluster) as RedisClientLike | RedisClusterLike;
    const cache = client.clientSideCache;
    if (cache === undefined) return undefined;
    const lostEvents =
      this.#cluster !== undefined
        ? ['node-error', 'node-reconnecting', 'node-disconnect', 'disconnect']
        : ['error', 'reconnecting', 'end'];
    return {
      subscribe(listener) {
        const onInvalidate = (key: unknown) => listener(key == null ? null : String(key));
        const onLost = () => listener(null);
        cache.on('invalidate', onInvalidate);
        for (const event of lostEvents) client.on(event, onLost);
        return () => {
          cache.off('invalidate', onInvalidate);
          for (const event of lostEvents) client.off(event, onLost);
        };
      },
    };
  }

  /** One step (a command, or one pipelined group), bounded by the timeout. */
  #bound<T>(operation: () => Promise<T>): Promise<T> {
    return withDeadline(operation, this.#timeoutMs, 'Redis');
  }

  #send(
    key: string,
    args: Argument[],
    options: CommandOptionsLike = this.#options,
  ): Promise<unknown> {
    if (this.#client !== undefined) return this.#client.sendCommand(args, options);
    return (this.#cluster as RedisClusterLike).sendCommand(key, false, args, options);
  }

  #assertReady(): void {
    const client = this.#client ?? this.#cluster;
    if (client?.isReady === false) {
      throw new CacheError('UNAVAILABLE', 'Redis is not connected (the client is not ready).');
    }
  }
}

/** SCANs `client` for `pattern` and UNLINKs what it finds; each step has its own deadline. */
async function deleteMatching(
  client: RedisClientLike,
  pattern: string,
  options: CommandOptionsLike,
  together: boolean,
  bound: <T>(operation: () => Promise<T>) => Promise<T>,
): Promise<number> {
  let cursor = '0';
  let count = 0;
  do {
    const reply = (await bound(() =>
      client.sendCommand(['SCAN', cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT], options),
    )) as [unknown, unknown[]];
    cursor = String(reply[0]);
    const keys = reply[1].map(String);
    if (keys.length === 0) continue;
    // Count what UNLINK removed: SCAN may return a key twice while Redis rehashes.
    const removed = together
      ? [await bound(() => client.sendCommand(['UNLINK', ...keys], options))]
      : await bound(() =>
          Promise.all(keys.map((key) => client.sendCommand(['UNLINK', key], options))),
        );
    for (const reply of removed) count += Number(reply);
  } while (cursor !== '0');
  return count;
}

function setArgs(key: string, value: Uint8Array, ttlMs: number): Argument[] {
  const bytes = toBuffer(value);
  return ttlMs > 0 ? ['SET', key, bytes, 'PX', String(ttlMs)] : ['SET', key, bytes];
}

function toBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value)
    ? value
    : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

function asBytes(reply: unknown): Uint8Array | null {
  if (reply == null) return null;
  if (reply instanceof Uint8Array) return reply;
  throw new TypeError(
    `Redis replied with ${typeof reply} where bytes were expected; the client must accept per-command type mappings (node-redis v6).`,
  );
}

/** `prefix` as a literal in a Redis glob pattern. */
export function escapeGlob(prefix: string): string {
  return prefix.replace(/[*?[\]\\]/g, '\\$&');
}
