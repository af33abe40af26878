import type { Attributes, Model } from 'sequelize';
import type { Lookup, TextLookup } from './lookups.js';
import type { Subquery } from './subquery.js';

/** The attribute names of a model, as strings. */
export type FieldName<M extends Model> = Extract<keyof Attributes<M>, string>;

/** The value a lookup takes on an attribute whose (non-null) value type is `V`. */
export type LookupValue<V, L extends Lookup> = L extends 'exact' | 'ne'
  ? V | null
  : L extends TextLookup
    ? [V] extends [string]
      ? string
      : never
    : L extends 'lt' | 'lte' | 'gt' | 'gte'
      ? V
      : L extends 'in' | 'notin'
        ? readonly V[] | Subquery<V>
        : L extends 'isnull'
          ? boolean
          : L extends 'range'
            ? readonly [V, V]
            : never;

/** A field in an ordering: `'name'` ascending, `'-name'` descending. */
export type OrderField<M extends Model> = FieldName<M> | `-${FieldName<M>}`;

/** Ordering and pagination, next to the filters. */
export interface QueryOptions<M extends Model> {
  /** One field or several; `'-field'` sorts descending. */
  readonly orderBy?: OrderField<M> | readonly OrderField<M>[];
  /** At most this many rows. */
  readonly limit?: number;
  /** Skip this many rows first (use with `orderBy` for a stable page). */
  readonly offset?: number;
}

type ExactFilters<M extends Model> = {
  readonly [K in FieldName<M>]?: Attributes<M>[K] | null;
};

type LookupFilters<M extends Model> = {
  readonly [P in `${FieldName<M>}__${Lookup}`]?: P extends `${infer K extends FieldName<M>}__${infer L extends Lookup}`
    ? LookupValue<NonNullable<Attributes<M>[K]>, L>
    : never;
};

/**
 * Filters on a model: `{ field: value }` or `{ field__lookup: value }`, all of them ANDed,
 * plus `orderBy`, `limit` and `offset`. Keys and value types come from the model's attributes,
 * so a misspelt field or a value of the wrong type does not compile.
 *
 * @example
 * const filters: Filters<Track> = { name__icontains: 'love', milliseconds__gte: 180_000, orderBy: '-unitPrice', limit: 50 };
 */
export type Filters<M extends Model> = ExactFilters<M> & LookupFilters<M> & QueryOptions<M>;

/** Filters without ordering or pagination (for counts, sums, deletes and subqueries). */
export type WhereFilters<M extends Model> = ExactFilters<M> & LookupFilters<M>;
