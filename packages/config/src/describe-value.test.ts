import { describe, expect, it } from 'vitest';
import { describeValue } from './describe-value.js';

describe('describeValue', () => {
  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;

  it.each([
    ['a string, quoted', 'redis://x', '"redis://x"'],
    ['an empty string', '', '""'],
    ['a string with a newline, escaped', 'a\nb', '"a\\nb"'],
    ['an integer', 300, '300'],
    ['a fraction', 1.5, '1.5'],
    ['negative zero', -0, '-0'],
    ['NaN', Number.NaN, 'NaN'],
    ['Infinity', Number.POSITIVE_INFINITY, 'Infinity'],
    ['a bigint', 10n, '10n'],
    ['true', true, 'true'],
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
    ['a symbol', Symbol('s'), 'Symbol(s)'],
    ['a function', () => 1, 'a function'],
    ['an array, as JSON', ['redis://a', 1], '["redis://a",1]'],
    ['an object, as JSON', { ttl: 5 }, '{"ttl":5}'],
    ['a circular object, as its tag', circular, '[object Object]'],
    ['a Map, as JSON', new Map([[1, 2]]), '{}'],
  ])('renders %s', (_label, value, expected) => {
    expect(describeValue(value)).toBe(expected);
  });

  it('cuts long renderings to 120 characters', () => {
    const text = describeValue('x'.repeat(500));
    expect(text).toHaveLength(120);
    expect(text.endsWith('…')).toBe(true);
  });

  it.each([
    ['postgres://app:s3cret@db/app', '"postgres://app:***@db/app"'],
    ['redis://:s3cret@cache:6379', '"redis://:***@cache:6379"'],
    ['redis://a:1,redis://u:pw@b:2', '"redis://a:1,redis://u:***@b:2"'],
    ['postgres://app@db/app', '"postgres://app@db/app"'],
    ['redis://cache:6379', '"redis://cache:6379"'],
  ])('masks the password in %s', (value, expected) => {
    expect(describeValue(value)).toBe(expected);
  });
});
