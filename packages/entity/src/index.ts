export { EntityError, type EntityErrorCode } from './entity-error.js';
export {
  EntityManager,
  type EntityManagerOptions,
  type Identifier,
  type SumOf,
  type WriteOptions,
} from './entity-manager.js';
export type {
  FieldName,
  Filters,
  LookupValue,
  OrderField,
  QueryOptions,
  WhereFilters,
} from './filters.js';
export { LOOKUPS, type Lookup } from './lookups.js';
export { Subquery } from './subquery.js';
