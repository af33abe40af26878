import { describe, expect, it } from 'vitest';
import { LocalTier } from './local-tier.js';

const T0 = 1_000_000;

describe('LocalTier storage', () => {
  it('gives back what was put, and undefined for other keys', () => {
    const tier = new LocalTier<string>(10, 1000);
    tier.put('a', 'A', tier.begin(), T0);
    expect(tier.get('a', T0)).toBe('A');
    expect(tier.get('b', T0)).toBeUndefined();
    expect(tier.size).toBe(1);
  });

  it('replaces the value of a key put again', () => {
    const tier = new LocalTier<string>(10, 1000);
    tier.put('a', 'old', tier.begin(), T0);
    tier.put('a', 'new', tier.begin(), T0);
    expect(tier.get('a', T0)).toBe('new');
    expect(tier.size).toBe(1);
  });

  it('drops a value once its ttl has passed', () => {
    const tier = new LocalTier<string>(10, 500);
    tier.put('a', 'A', tier.begin(), T0);
    expect(tier.get('a', T0 + 499)).toBe('A');
    expect(tier.get('a', T0 + 500)).toBeUndefined();
    expect(tier.size).toBe(0);
  });

  it('restarts the ttl when a key is put again', () => {
    const tier = new LocalTier<string>(10, 500);
    tier.put('a', 'A', tier.begin(), T0);
    tier.put('a', 'A2', tier.begin(), T0 + 400);
    expect(tier.get('a', T0 + 800)).toBe('A2');
    expect(tier.get('a', T0 + 900)).toBeUndefined();
  });

  it('holds at most maxEntries keys, dropping the oldest put first', () => {
    const tier = new LocalTier<number>(3, 1000);
    for (const [index, key] of ['a', 'b', 'c', 'd', 'e'].entries()) {
      tier.put(key, index, tier.begin(), T0);
    }
    expect(tier.size).toBe(3);
    expect(['a', 'b', 'c', 'd', 'e'].map((key) => tier.get(key, T0))).toEqual([
      undefined,
      undefined,
      2,
      3,
      4,
    ]);
  });

  it('counts a put again as a use when evicting', () => {
    const tier = new LocalTier<number>(2, 1000);
    tier.put('a', 1, tier.begin(), T0);
    tier.put('b', 2, tier.begin(), T0);
    tier.put('a', 3, tier.begin(), T0);
    tier.put('c', 4, tier.begin(), T0);
    expect([tier.get('a', T0), tier.get('b', T0), tier.get('c', T0)]).toEqual([3, undefined, 4]);
  });

  it('evicts the least recently used key: a key read since keeps its place', () => {
    // maxEntries is documented as "least recently used dropped first", so a hit counts as a use.
    const tier = new LocalTier<number>(2, 1000);
    tier.put('a', 1, tier.begin(), T0);
    tier.put('b', 2, tier.begin(), T0);
    expect(tier.get('a', T0)).toBe(1);
    tier.put('c', 3, tier.begin(), T0);
    expect([tier.get('a', T0), tier.get('b', T0), tier.get('c', T0)]).toEqual([1, undefined, 3]);
  });
});

describe('LocalTier invalidation', () => {
  it('invalidate(key) drops that key only', () => {
    const tier = new LocalTier<string>(10, 1000);
    tier.put('a', 'A', tier.begin(), T0);
    tier.put('b', 'B', tier.begin(), T0);
    tier.invalidate('a');
    expect(tier.get('a', T0)).toBeUndefined();
    expect(tier.get('b', T0)).toBe('B');
    expect(tier.size).toBe(1);
  });

  it('refuses a value read before an invalidation of its key', () => {
    const tier = new LocalTier<string>(10, 1000);
    const ticket = tier.begin();
    tier.invalidate('a');
    tier.put('a', 'stale', ticket, T0);
    expect(tier.get('a', T0)).toBeUndefined();
    expect(tier.size).toBe(0);
  });

  it('accepts a value read after the invalidation of its key', () => {
    const tier = new LocalTier<string>(10, 1000);
    tier.invalidate('a');
    const ticket = tier.begin();
    tier.put('a', 'fresh', ticket, T0);
    expect(tier.get('a', T0)).toBe('fresh');
  });

  it('accepts a value whose read crossed only invalidations of other keys', () => {
    const tier = new LocalTier<string>(10, 1000);
    const ticket = tier.begin();
    tier.invalidate('b');
    tier.invalidate('c');
    tier.put('a', 'A', ticket, T0);
    expect(tier.get('a', T0)).toBe('A');
  });

  it('refuses a read that crossed a second invalidation of a key invalidated before it started', () => {
    const tier = new LocalTier<string>(10, 1000);
    tier.invalidate('a');
    const ticket = tier.begin();
    tier.invalidate('other');
    tier.invalidate('a');
    tier.put('a', 'stale', ticket, T0);
    expect(tier.get('a', T0)).toBeUndefined();
  });

  it('invalidate(null) clears everything and refuses every read in flight', () => {
    const tier = new LocalTier<string>(10, 1000);
    tier.put('a', 'A', tier.begin(), T0);
    tier.put('b', 'B', tier.begin(), T0);
    const ticket = tier.begin();
    tier.invalidate(null);
    expect(tier.size).toBe(0);
    expect(tier.get('a', T0)).toBeUndefined();
    tier.put('c', 'C', ticket, T0);
    tier.put('a', 'A', ticket, T0);
    expect(tier.size).toBe(0);
    // Reads started after the clear are kept again.
    tier.put('c', 'C', tier.begin(), T0);
    expect(tier.get('c', T0)).toBe('C');
  });

  it('keeps refusing reads in flight before a key invalidation that came before a full clear', () => {
    const tier = new LocalTier<string>(10, 1000);
    const early = tier.begin();
    tier.invalidate('a');
    const middle = tier.begin();
    tier.invalidate(null);
    tier.put('a', 'A', early, T0);
    tier.put('b', 'B', middle, T0);
    expect(tier.size).toBe(0);
  });

  it('after more than 4096 distinct invalidations refuses reads in flight but keeps other entries', () => {
    const tier = new LocalTier<string>(10, 1000);
    tier.put('keep', 'K', tier.begin(), T0);
    const ticket = tier.begin();
    for (let index = 0; index <= 4096; index++) tier.invalidate(`gone:${index}`);
    // Neither an invalidated key nor one never invalidated may come from a read that crossed them.
    tier.put('gone:0', 'stale', ticket, T0);
    tier.put('unrelated', 'U', ticket, T0);
    expect(tier.get('gone:0', T0)).toBeUndefined();
    expect(tier.get('unrelated', T0)).toBeUndefined();
    expect(tier.get('keep', T0)).toBe('K');
    expect(tier.size).toBe(1);
    // The per-key list starts over: reads started now are judged by key again.
    const fresh = tier.begin();
    tier.put('unrelated', 'U', fresh, T0);
    expect(tier.get('unrelated', T0)).toBe('U');
    tier.invalidate('gone:4096');
    tier.put('gone:4096', 'stale', fresh, T0);
    expect(tier.get('gone:4096', T0)).toBeUndefined();
  });

  it('still refuses a read crossing the invalidation that overflowed the list', () => {
    const tier = new LocalTier<string>(10, 1000);
    for (let index = 0; index < 4096; index++) tier.invalidate(`k:${index}`);
    const ticket = tier.begin();
    tier.invalidate('last');
    tier.put('last', 'stale', ticket, T0);
    expect(tier.get('last', T0)).toBeUndefined();
    tier.put('k:1', 'K1', tier.begin(), T0);
    expect(tier.get('k:1', T0)).toBe('K1');
  });

  it('repeated invalidations of one key do not fill the list', () => {
    const tier = new LocalTier<string>(10, 1000);
    tier.invalidate('hot');
    const ticket = tier.begin();
    for (let index = 0; index < 10_000; index++) tier.invalidate('hot');
    tier.put('cold', 'C', ticket, T0);
    expect(tier.get('cold', T0)).toBe('C');
  });
});
