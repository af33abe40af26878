import { describe, expect, it } from 'vitest';
import { deepFreeze } from './deep-freeze.js';

describe('deepFreeze', () => {
  it('freezes nested objects and arrays and returns the same object', () => {
    const value = { a: { b: [1, { c: 2 }] }, d: 'x' };
    expect(deepFreeze(value)).toBe(value);
    expect(Object.isFrozen(value)).toBe(true);
    expect(Object.isFrozen(value.a)).toBe(true);
    expect(Object.isFrozen(value.a.b)).toBe(true);
    expect(Object.isFrozen(value.a.b[1])).toBe(true);
  });

  it('goes into objects that are already frozen', () => {
    const inner = { x: 1 };
    const value = Object.freeze({ inner });
    deepFreeze(value);
    expect(Object.isFrozen(inner)).toBe(true);
  });

  it('copes with cycles', () => {
    const value: Record<string, unknown> = {};
    value.self = value;
    expect(() => deepFreeze(value)).not.toThrow();
    expect(Object.isFrozen(value)).toBe(true);
  });

  it('returns primitives as they are', () => {
    expect(deepFreeze(1)).toBe(1);
    expect(deepFreeze(undefined)).toBeUndefined();
    expect(deepFreeze(null)).toBeNull();
  });
});
