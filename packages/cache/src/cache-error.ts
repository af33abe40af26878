import { XError } from '@x/config';

/**
 * What went wrong, for a caller to act on:
 * - `INVALID_ARGUMENT`: a bad constructor option, a model that is not a Sequelize model, or an
 *   id of the wrong shape.
 * - `INVALID_ENTITY`: an instance that cannot be cached as it is: unsaved (`isNewRecord`),
 *   without a primary key value, or loaded with only some of its attributes.
 * - `UNAVAILABLE`: the store did not confirm an invalidation (`delete`, `deleteAll`, `erase`)
 *   in time or failed it; the entries may still be there, so retry or treat the cache as stale.
 * - `LOCAL_TIER_UNAVAILABLE`: `localTier` was asked for on a client without client-side caching.
 */
export type CacheErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_ENTITY'
  | 'UNAVAILABLE'
  | 'LOCAL_TIER_UNAVAILABLE';

/**
 * The error of every `@x/cache` failure a caller can act on. Check it with `CacheError.is(error)`,
 * which also holds across two installed copies of the package, and switch on `code`.
 */
export class CacheError extends XError<CacheErrorCode> {
  static override readonly brand: symbol = Symbol.for('@x/cache/CacheError');
}
