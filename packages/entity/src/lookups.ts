/** The lookups a filter key may end with (`field__lookup`); a bare `field` means `exact`. */
export const LOOKUPS = [
  'exact',
  'iexact',
  'ne',
  'lt',
  'lte',
  'gt',
  'gte',
  'in',
  'notin',
  'contains',
  'icontains',
  'startswith',
  'istartswith',
  'endswith',
  'iendswith',
  'like',
  'ilike',
  'isnull',
  'range',
  'regex',
  'iregex',
] as const;

/** One of {@link LOOKUPS}. */
export type Lookup = (typeof LOOKUPS)[number];

/** Lookups that take a string: pattern and case-insensitive matches. */
export type TextLookup =
  | 'iexact'
  | 'contains'
  | 'icontains'
  | 'startswith'
  | 'istartswith'
  | 'endswith'
  | 'iendswith'
  | 'like'
  | 'ilike'
  | 'regex'
  | 'iregex';

export const TEXT_LOOKUPS: ReadonlySet<string> = new Set<TextLookup>([
  'iexact',
  'contains',
  'icontains',
  'startswith',
  'istartswith',
  'endswith',
  'iendswith',
  'like',
  'ilike',
  'regex',
  'iregex',
]);

export const LOOKUP_SET: ReadonlySet<string> = new Set<string>(LOOKUPS);

/** Keys of a filter object that are options, not fields. */
export const OPTION_KEYS: ReadonlySet<string> = new Set(['orderBy', 'limit', 'offset']);
