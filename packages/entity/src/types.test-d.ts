import {
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
} from 'sequelize';
import { describe, expectTypeOf, it } from 'vitest';
import type { EntityManager, Filters, Subquery, WhereFilters } from './index.js';

// Types only: nothing here runs, so the models are never initialised.
class Person extends Model<InferAttributes<Person>, InferCreationAttributes<Person>> {
  declare id: CreationOptional<number>;
  declare name: string;
  declare title: string | null;
  declare age: number | null;
  declare score: number;
  /** DECIMAL, read as exact text. */
  declare balance: string;
  declare born: Date | null;
}

class Pet extends Model<InferAttributes<Pet>, InferCreationAttributes<Pet>> {
  declare id: CreationOptional<number>;
  declare ownerId: number;
  declare kind: string;
}

declare const em: EntityManager;

describe('filters', () => {
  it('accept fields, lookups and values of the right types', () => {
    expectTypeOf({
      name: 'Ann',
      title__icontains: 'dr',
      age__gte: 18,
      age__lt: 65,
      age__in: [20, 30],
      age__notin: [],
      age: null,
      score__range: [1, 10],
      title__isnull: false,
      born__lt: new Date(),
      name__regex: '^A',
      balance__gte: '10.00',
      id__ne: 5,
      orderBy: ['-age', 'name'],
      limit: 10,
      offset: 20,
    } as const).toExtend<Filters<Person>>();
    expectTypeOf({ orderBy: '-born' } as const).toExtend<Filters<Person>>();
    expectTypeOf({ title__ne: null, age__exact: null } as const).toExtend<WhereFilters<Person>>();
    void em.selectAll(Person, { name__startswith: 'A', age__isnull: true, orderBy: 'score' });
    void em.countAll(Person, { score__lte: 5 });
  });

  it('refuse a misspelt field', () => {
    // @ts-expect-error: Person has no field titel
    void em.selectAll(Person, { titel__icontains: 'x' });
    // @ts-expect-error: nor without a lookup
    void em.countAll(Person, { titel: 'x' });
  });

  it('refuse values of the wrong type for the lookup', () => {
    // @ts-expect-error: __in takes an array or a subquery, not a string
    void em.selectAll(Person, { age__in: 'x' });
    // @ts-expect-error: __in takes numbers for a number field
    void em.selectAll(Person, { age__in: ['x'] });
    // @ts-expect-error: text lookups are for text fields only
    void em.selectAll(Person, { age__contains: 'x' });
    // @ts-expect-error: name is text: compare it with text
    void em.selectAll(Person, { name__lt: 5 });
    // @ts-expect-error: exact takes the field's type
    void em.selectAll(Person, { score: '5' });
    // @ts-expect-error: isnull takes a boolean
    void em.selectAll(Person, { age__isnull: 'yes' });
    // @ts-expect-error: range takes two values
    void em.selectAll(Person, { age__range: [1, 2, 3] });
  });

  it('refuse unknown lookups and ordering by an unknown field', () => {
    // @ts-expect-error: no such lookup
    void em.selectAll(Person, { name__resembles: 'x' });
    // @ts-expect-error: Person has no field nope
    void em.selectAll(Person, { orderBy: '-nope' });
    // @ts-expect-error: nor in a list
    void em.selectAll(Person, { orderBy: ['name', 'nope'] });
  });

  it('refuse ordering and pagination where only filters make sense', () => {
    // @ts-expect-error: a count has no order
    void em.countAll(Person, { orderBy: 'name' });
    // @ts-expect-error: deleteAll takes no limit (batchSize does that)
    void em.deleteAll(Person, { limit: 5 });
  });
});

describe('results', () => {
  it('select, selectBy and selectAll return the model instance type', () => {
    expectTypeOf(em.select(Person, 1)).resolves.toEqualTypeOf<Person | null>();
    expectTypeOf(em.selectBy(Person, { name: 'Ann' })).resolves.toEqualTypeOf<Person | null>();
    expectTypeOf(em.selectAll(Person)).resolves.toEqualTypeOf<Person[]>();
    expectTypeOf(em.selectAll(Pet, { kind: 'cat' })).resolves.toEqualTypeOf<Pet[]>();
  });

  it('exists and countAll return a boolean and a number', () => {
    expectTypeOf(em.exists(Person)).resolves.toEqualTypeOf<boolean>();
    expectTypeOf(em.countAll(Person)).resolves.toEqualTypeOf<number>();
  });

  it('sumAll returns a number for a number column, text for a DECIMAL read as text', () => {
    expectTypeOf(em.sumAll(Person, 'score')).resolves.toEqualTypeOf<number>();
    expectTypeOf(em.sumAll(Person, 'age')).resolves.toEqualTypeOf<number>();
    expectTypeOf(em.sumAll(Person, 'id')).resolves.toEqualTypeOf<number>();
    expectTypeOf(em.sumAll(Person, 'balance')).resolves.toEqualTypeOf<string>();
    // @ts-expect-error: Person has no column nope
    void em.sumAll(Person, 'nope');
  });

  it('writes return what they were given', () => {
    expectTypeOf(em.insert({} as Person)).resolves.toEqualTypeOf<Person>();
    expectTypeOf(em.update({} as Pet)).resolves.toEqualTypeOf<Pet>();
    expectTypeOf(em.delete({} as Pet)).resolves.toEqualTypeOf<void>();
    expectTypeOf(em.deleteAll(Pet, { kind: 'cat' })).resolves.toEqualTypeOf<number>();
  });
});

describe('subqueries', () => {
  it('carry the type of the selected column, without null', () => {
    expectTypeOf(em.subquery(Pet, 'ownerId')).toEqualTypeOf<Subquery<number>>();
    expectTypeOf(em.subquery(Person, 'title')).toEqualTypeOf<Subquery<string>>();
  });

  it('fit an __in or __notin of a field of the same type', () => {
    void em.selectAll(Person, { id__in: em.subquery(Pet, 'ownerId', { kind: 'cat' }) });
    void em.selectAll(Person, { age__notin: em.subquery(Pet, 'ownerId') });
    void em.selectAll(Pet, { ownerId__in: em.subquery(Person, 'id', { age__gte: 18 }) });
    void em.selectAll(Pet, { kind__in: em.subquery(Person, 'name') });
  });

  it('do not fit a field of another type', () => {
    // @ts-expect-error: names are strings, ages are numbers
    void em.selectAll(Person, { age__in: em.subquery(Person, 'name') });
    // @ts-expect-error: numbers for a text field
    void em.selectAll(Pet, { kind__notin: em.subquery(Pet, 'ownerId') });
    // @ts-expect-error: a subquery is for __in and __notin only
    void em.selectAll(Person, { age: em.subquery(Pet, 'ownerId') });
  });

  it('refuse an unknown column or a filter of the inner model', () => {
    // @ts-expect-error: Pet has no column owner
    void em.subquery(Pet, 'owner');
    // @ts-expect-error: the filters are the inner model's
    void em.subquery(Pet, 'ownerId', { name: 'Ann' });
  });
});
