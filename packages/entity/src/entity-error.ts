import { XError } from '@x/config';

/**
 * What went wrong, for a caller to act on:
 * - `INVALID_FILTER`: an unknown field or lookup, or a value of the wrong shape for its lookup;
 *   raised before any SQL runs, with the valid fields or lookups in the message.
 * - `INVALID_ARGUMENT`: a bad option, model, id, column or SQL argument.
 * - `INVALID_STATE`: a unit-of-work call that does not fit its state: `commit()` or `flush()`
 *   with nothing open, any call after the manager was disposed.
 * - `UNSAFE_INTEGER`: an integer result beyond `Number.MAX_SAFE_INTEGER` that a `number` cannot
 *   hold exactly.
 * - `CONSTRAINT`: the database refused a write (unique, foreign key, not null, check); the
 *   Sequelize error is the `cause`.
 * - `QUERY_FAILED`: any other database error; the Sequelize error is the `cause`.
 */
export type EntityErrorCode =
  | 'INVALID_FILTER'
  | 'INVALID_ARGUMENT'
  | 'INVALID_STATE'
  | 'UNSAFE_INTEGER'
  | 'CONSTRAINT'
  | 'QUERY_FAILED';

/**
 * The error of every `@x/entity` failure. Check it with `EntityError.is(error)`, which also holds
 * across two installed copies of the package, and switch on `code`.
 */
export class EntityError extends XError<EntityErrorCode> {
  static override readonly brand: symbol = Symbol.for('@x/entity/EntityError');
}
