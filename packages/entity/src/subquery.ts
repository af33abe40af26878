import type { Model, ModelStatic } from 'sequelize';

const SUBQUERY = Symbol.for('@x/entity/Subquery');

/**
 * `SELECT <foreignKey> FROM <model> WHERE <filters>`, as the value of another filter's `__in` or
 * `__notin`. Made by `EntityManager#subquery`; compiled with the outer query, so its values are
 * bound parameters of the same statement. `V` is the type of the selected column.
 */
export class Subquery<V = unknown> {
  readonly model: ModelStatic<Model>;
  readonly column: string;
  readonly filters: Readonly<Record<string, unknown>>;
  /** The type of the selected values, for type checking only. */
  declare readonly valueType?: V;

  constructor(
    model: ModelStatic<Model>,
    column: string,
    filters: Readonly<Record<string, unknown>>,
  ) {
    this.model = model;
    this.column = column;
    this.filters = filters;
    Object.defineProperty(this, SUBQUERY, { value: true });
  }

  /** Whether `value` is a subquery (from any copy of the package). */
  static is(value: unknown): value is Subquery {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[SUBQUERY] === true
    );
  }
}
