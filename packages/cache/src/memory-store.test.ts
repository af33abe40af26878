import { describe, expect, it } from 'vitest';
import { CacheError } from './cache-error.js';
import { MemoryStore, type MemoryStoreOptions } from './memory-store.js';

function bytes(...values: number[]): Buffer {
  return Buffer.from(values);
}

function text(value: Uint8Array | null | undefined): string | null {
  return value == null ? null : Buffer.from(value).toString();
}

/** A store on a clock the test moves by hand. */
function clocked(options: Omit<MemoryStoreOptions, 'now'> = {}): {
  store: MemoryStore;
  advance: (ms: number) => void;
} {
  let now = 1_000_000;
  return {
    store: new MemoryStore({ ...options, now: () => now }),
    advance: (ms) => {
      now += ms;
    },
  };
}

function expectInvalidArgument(create: () => unknown, name: string): void {
  let thrown: unknown;
  try {
    create();
  } catch (error) {
    thrown = error;
  }
  expect(CacheError.is(thrown)).toBe(true);
  expect((thrown as CacheError).code).toBe('INVALID_ARGUMENT');
  expect((thrown as CacheError).message).toContain(name);
}

describe('MemoryStore basics', () => {
  it('returns null for absent keys and the values of present ones, in order', async () => {
    const store = new MemoryStore();
    await store.set([
      { key: 'a', value: Buffer.from('A'), ttlMs: 0 },
      { key: 'b', value: Buffer.from('B'), ttlMs: 0 },
    ]);
    const values = await store.get(['b', 'missing', 'a', 'b']);
    expect(values.map(text)).toEqual(['B', null, 'A', 'B']);
    expect(await store.get([])).toEqual([]);
  });

  it('overwrites a key with the latest value', async () => {
    const store = new MemoryStore();
    await store.set([{ key: 'k', value: Buffer.from('old'), ttlMs: 0 }]);
    await store.set([{ key: 'k', value: Buffer.from('newer'), ttlMs: 0 }]);
    expect(text((await store.get(['k']))[0])).toBe('newer');
    expect(store.size).toBe(1);
    expect(store.bytes).toBe(5);
  });

  it('deletes the given keys only, ignoring absent ones', async () => {
    const store = new MemoryStore();
    await store.set(['a', 'b', 'c'].map((key) => ({ key, value: bytes(1), ttlMs: 0 })));
    await store.delete(['a', 'c', 'nope']);
    expect((await store.get(['a', 'b', 'c'])).map((value) => value !== null)).toEqual([
      false,
      true,
      false,
    ]);
    expect(store.size).toBe(1);
    expect(store.bytes).toBe(1);
  });

  it('deletePrefix removes exactly the keys starting with the prefix and counts them', async () => {
    const store = new MemoryStore();
    const keys = ['app:e:1', 'app:e:2', 'app:g:t', 'apple:e:1', 'xapp:e:1', 'app'];
    await store.set(keys.map((key) => ({ key, value: Buffer.from(key), ttlMs: 0 })));
    expect(await store.deletePrefix('app:')).toBe(3);
    const left = await store.get(keys);
    expect(left.map(text)).toEqual([null, null, null, 'apple:e:1', 'xapp:e:1', 'app']);
    expect(await store.deletePrefix('app:')).toBe(0);
    expect(store.size).toBe(3);
    expect(store.bytes).toBe('apple:e:1'.length + 'xapp:e:1'.length + 'app'.length);
  });

  it('deletePrefix counts only keys that are still alive (an expired key is already gone)', async () => {
    const { store, advance } = clocked();
    await store.set([
      { key: 'p:short', value: bytes(1), ttlMs: 10 },
      { key: 'p:long', value: bytes(2), ttlMs: 0 },
    ]);
    advance(10);
    // Redis does not return logically expired keys from SCAN, so erase() counts live keys only.
    expect(await store.deletePrefix('p:')).toBe(1);
    expect(store.size).toBe(0);
    expect(store.bytes).toBe(0);
  });

  it('returns stored values as Buffers, also when given a plain Uint8Array', async () => {
    const store = new MemoryStore();
    await store.set([{ key: 'k', value: new Uint8Array([7, 8, 9]), ttlMs: 0 }]);
    const [value] = await store.get(['k']);
    expect(Buffer.isBuffer(value)).toBe(true);
    expect([...(value as Uint8Array)]).toEqual([7, 8, 9]);
  });

  it('copies values in, so the caller may reuse its buffer', async () => {
    const store = new MemoryStore();
    const buffer = bytes(1, 2, 3);
    await store.set([{ key: 'k', value: buffer, ttlMs: 0 }]);
    buffer.fill(0);
    const view = new Uint8Array(new ArrayBuffer(16), 4, 3);
    view.set([4, 5, 6]);
    await store.set([{ key: 'view', value: view, ttlMs: 0 }]);
    view.fill(0);
    const [first, second] = await store.get(['k', 'view']);
    expect([...(first as Uint8Array)]).toEqual([1, 2, 3]);
    expect([...(second as Uint8Array)]).toEqual([4, 5, 6]);
    expect(store.bytes).toBe(6);
  });

  it('copies the value of setIfAbsent in as well', async () => {
    const store = new MemoryStore();
    const buffer = bytes(1, 2);
    await store.setIfAbsent('g', buffer);
    buffer.fill(9);
    expect([...((await store.get(['g']))[0] as Uint8Array)]).toEqual([1, 2]);
  });

  it('setIfAbsent stores and returns the new value when the key is absent', async () => {
    const store = new MemoryStore();
    const returned = await store.setIfAbsent('g', bytes(1));
    expect([...returned]).toEqual([1]);
    expect([...((await store.get(['g']))[0] as Uint8Array)]).toEqual([1]);
  });

  it('setIfAbsent keeps and returns the existing value when the key is present', async () => {
    const store = new MemoryStore();
    await store.set([{ key: 'g', value: bytes(1), ttlMs: 0 }]);
    const returned = await store.setIfAbsent('g', bytes(2));
    expect([...returned]).toEqual([1]);
    expect([...((await store.get(['g']))[0] as Uint8Array)]).toEqual([1]);
    expect(store.size).toBe(1);
    expect(store.bytes).toBe(1);
  });

  it('setIfAbsent replaces an expired value, and the new one never expires', async () => {
    const { store, advance } = clocked();
    await store.set([{ key: 'g', value: bytes(1), ttlMs: 5 }]);
    advance(5);
    expect([...(await store.setIfAbsent('g', bytes(2)))]).toEqual([2]);
    advance(365 * 24 * 3600 * 1000);
    expect([...((await store.get(['g']))[0] as Uint8Array)]).toEqual([2]);
    expect(store.bytes).toBe(1);
  });
});

describe('MemoryStore expiry', () => {
  it('serves a value until its ttl has passed, then null', async () => {
    const { store, advance } = clocked();
    await store.set([{ key: 'k', value: bytes(1), ttlMs: 100 }]);
    advance(99);
    expect((await store.get(['k']))[0]).not.toBeNull();
    advance(1);
    expect((await store.get(['k']))[0]).toBeNull();
    // The expired slot is dropped when read.
    expect(store.size).toBe(0);
    expect(store.bytes).toBe(0);
  });

  it('never expires a value stored with ttlMs 0', async () => {
    const { store, advance } = clocked();
    await store.set([{ key: 'k', value: bytes(1), ttlMs: 0 }]);
    advance(10 * 365 * 24 * 3600 * 1000);
    expect((await store.get(['k']))[0]).not.toBeNull();
  });

  it('restarts the ttl when a key is overwritten', async () => {
    const { store, advance } = clocked();
    await store.set([{ key: 'k', value: bytes(1), ttlMs: 100 }]);
    advance(80);
    await store.set([{ key: 'k', value: bytes(2), ttlMs: 100 }]);
    advance(80);
    expect([...((await store.get(['k']))[0] as Uint8Array)]).toEqual([2]);
    advance(20);
    expect((await store.get(['k']))[0]).toBeNull();
  });

  it('gives each entry of one set call its own ttl', async () => {
    const { store, advance } = clocked();
    await store.set([
      { key: 'short', value: bytes(1), ttlMs: 10 },
      { key: 'long', value: bytes(2), ttlMs: 1000 },
      { key: 'never', value: bytes(3), ttlMs: 0 },
    ]);
    advance(500);
    expect((await store.get(['short', 'long', 'never'])).map((value) => value !== null)).toEqual([
      false,
      true,
      true,
    ]);
  });
});

describe('MemoryStore bounds', () => {
  it('evicts the least recently used key beyond maxEntries; a read makes a key recent', async () => {
    const store = new MemoryStore({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c']) await store.set([{ key, value: bytes(1), ttlMs: 0 }]);
    await store.get(['a']);
    await store.set([{ key: 'd', value: bytes(1), ttlMs: 0 }]);
    const present = await store.get(['a', 'b', 'c', 'd']);
    expect(present.map((value) => value !== null)).toEqual([true, false, true, true]);
    expect(store.size).toBe(3);
    expect(store.bytes).toBe(3);
  });

  it('counts an overwrite as a use', async () => {
    const store = new MemoryStore({ maxEntries: 2 });
    await store.set([{ key: 'a', value: bytes(1), ttlMs: 0 }]);
    await store.set([{ key: 'b', value: bytes(1), ttlMs: 0 }]);
    await store.set([{ key: 'a', value: bytes(2), ttlMs: 0 }]);
    await store.set([{ key: 'c', value: bytes(3), ttlMs: 0 }]);
    expect((await store.get(['a', 'b', 'c'])).map((value) => value !== null)).toEqual([
      true,
      false,
      true,
    ]);
  });

  it('evicts least recently used values beyond maxBytes; the one read last survives', async () => {
    const store = new MemoryStore({ maxBytes: 30 });
    for (const key of ['a', 'b', 'c']) {
      await store.set([{ key, value: Buffer.alloc(10, key), ttlMs: 0 }]);
    }
    expect(store.bytes).toBe(30);
    await store.get(['b']);
    await store.get(['a']);
    await store.set([{ key: 'd', value: Buffer.alloc(15, 'd'), ttlMs: 0 }]);
    // 45 bytes: c (least recent) then b go, a (read last) and d stay.
    const present = await store.get(['a', 'b', 'c', 'd']);
    expect(present.map((value) => value !== null)).toEqual([true, false, false, true]);
    expect(store.bytes).toBe(25);
    expect(store.size).toBe(2);
  });

  it('stores a value of exactly maxBytes, evicting everything else', async () => {
    const store = new MemoryStore({ maxBytes: 8 });
    await store.set([{ key: 'a', value: Buffer.alloc(4), ttlMs: 0 }]);
    await store.set([{ key: 'big', value: Buffer.alloc(8), ttlMs: 0 }]);
    expect((await store.get(['a', 'big'])).map((value) => value !== null)).toEqual([false, true]);
    expect(store.bytes).toBe(8);
  });

  it('does not store a value larger than maxBytes and keeps the others', async () => {
    const store = new MemoryStore({ maxBytes: 8 });
    await store.set([{ key: 'a', value: Buffer.alloc(4), ttlMs: 0 }]);
    await store.set([{ key: 'huge', value: Buffer.alloc(9), ttlMs: 0 }]);
    expect((await store.get(['a', 'huge'])).map((value) => value !== null)).toEqual([true, false]);
    expect(store.size).toBe(1);
    expect(store.bytes).toBe(4);
    // setIfAbsent reports what the key holds afterwards; a value that cannot be kept is not held.
    await store.setIfAbsent('g', Buffer.alloc(9));
    expect((await store.get(['g']))[0]).toBeNull();
    expect(store.bytes).toBe(4);
  });

  it('drops the old value of a key overwritten with one larger than maxBytes', async () => {
    const store = new MemoryStore({ maxBytes: 8 });
    await store.set([{ key: 'k', value: Buffer.alloc(4), ttlMs: 0 }]);
    await store.set([{ key: 'k', value: Buffer.alloc(9), ttlMs: 0 }]);
    expect((await store.get(['k']))[0]).toBeNull();
    expect(store.size).toBe(0);
    expect(store.bytes).toBe(0);
  });

  it('evicts within one set call too', async () => {
    const store = new MemoryStore({ maxEntries: 2 });
    await store.set(['a', 'b', 'c', 'd'].map((key) => ({ key, value: bytes(1), ttlMs: 0 })));
    expect((await store.get(['a', 'b', 'c', 'd'])).map((value) => value !== null)).toEqual([
      false,
      false,
      true,
      true,
    ]);
  });
});

describe('MemoryStore accounting', () => {
  it('keeps size and bytes exact through overwrites, deletes, expiry and evictions', async () => {
    const { store, advance } = clocked({ maxEntries: 50, maxBytes: 400 });
    let seed = 12345;
    const random = (limit: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % limit;
    };
    for (let step = 0; step < 2000; step++) {
      const key = `k${random(80)}`;
      const action = random(10);
      if (action < 5) {
        const length = random(40);
        const ttlMs = random(3) === 0 ? 0 : 1 + random(50);
        await store.set([{ key, value: Buffer.alloc(length, 1), ttlMs }]);
      } else if (action < 7) {
        await store.delete([key]);
      } else if (action < 9) {
        await store.get([key]);
      } else {
        advance(random(20));
      }
      // Whatever the store holds is bounded and adds up.
      expect(store.size).toBeLessThanOrEqual(50);
      expect(store.bytes).toBeLessThanOrEqual(400);
      expect(store.bytes).toBeGreaterThanOrEqual(0);
    }
    // Read every key: expired ones drop, and what is left is exactly what get returns.
    const keys = Array.from({ length: 80 }, (_, index) => `k${index}`);
    const values = await store.get(keys);
    const present = values.filter((value) => value !== null) as Uint8Array[];
    expect(store.size).toBe(present.length);
    expect(store.bytes).toBe(present.reduce((sum, value) => sum + value.byteLength, 0));
    await store.delete(keys);
    expect(store.size).toBe(0);
    expect(store.bytes).toBe(0);
  });

  it('subtracts an expired value once, whether it is read or deleted afterwards', async () => {
    const { store, advance } = clocked();
    await store.set([{ key: 'k', value: Buffer.alloc(7), ttlMs: 1 }]);
    await store.set([{ key: 'other', value: Buffer.alloc(3), ttlMs: 0 }]);
    advance(1);
    await store.get(['k']);
    await store.delete(['k']);
    await store.get(['k']);
    expect(store.bytes).toBe(3);
    expect(store.size).toBe(1);
  });
});

describe('MemoryStore options', () => {
  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses maxEntries %s with INVALID_ARGUMENT',
    (value) => {
      expectInvalidArgument(() => new MemoryStore({ maxEntries: value }), 'maxEntries');
    },
  );

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses maxBytes %s with INVALID_ARGUMENT',
    (value) => {
      expectInvalidArgument(() => new MemoryStore({ maxBytes: value }), 'maxBytes');
    },
  );

  it('accepts 1 as the smallest bound', async () => {
    const store = new MemoryStore({ maxEntries: 1, maxBytes: 1 });
    await store.set([{ key: 'a', value: bytes(1), ttlMs: 0 }]);
    await store.set([{ key: 'b', value: bytes(2), ttlMs: 0 }]);
    expect((await store.get(['a', 'b'])).map((value) => value !== null)).toEqual([false, true]);
  });
});
