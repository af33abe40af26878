export { CacheError, type CacheErrorCode } from './cache-error.js';
export {
  CacheManager,
  type CacheManagerOptions,
  type CacheOperation,
  type CacheStats,
} from './cache-manager.js';
export type { CacheStore, StoreEntry } from './cache-store.js';
export type { LocalTierOptions } from './local-tier.js';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export type { Identifier } from './model-schema.js';
export type { EventSourceLike, RedisClientLike, RedisClusterLike } from './redis-store.js';
