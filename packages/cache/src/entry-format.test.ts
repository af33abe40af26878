import { describe, expect, it } from 'vitest';
import {
  type DecodedEntry,
  decodeEntry,
  encodeEntry,
  FORMAT_VERSION,
  GENERATION_BYTES,
  generationOf,
} from './entry-format.js';

const FINGERPRINT = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
const GENERATION = Uint8Array.from([9, 10, 11, 12, 13, 14, 15, 16]);
const HEADER = 1 + 8 + GENERATION_BYTES;

function fresh(decoded: DecodedEntry): unknown[] {
  if (decoded.kind !== 'fresh') throw new Error(`expected a fresh entry, got ${decoded.kind}`);
  return decoded.values;
}

function roundTrip(values: unknown[]): unknown[] {
  return fresh(
    decodeEntry(
      encodeEntry(FINGERPRINT, GENERATION, values),
      FINGERPRINT,
      GENERATION,
      values.length,
    ),
  );
}

/** A small deterministic generator, so a failure names a reproducible case. */
function generator(seed: number): (limit: number) => number {
  let state = seed >>> 0;
  return (limit) => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state % limit;
  };
}

const SAMPLE: unknown[] = [
  42,
  'Ann',
  new Date('2024-02-29T12:34:56.789Z'),
  Buffer.from([0, 255, 1]),
  null,
  9007199254740993n,
  [1, ['two', [3.5, null]]],
  { nested: { list: [1, 2] } },
  true,
  undefined,
];

describe('entry layout', () => {
  it('starts with the version, the fingerprint and the generation', () => {
    const entry = encodeEntry(FINGERPRINT, GENERATION, [1]);
    expect(Buffer.isBuffer(entry)).toBe(true);
    expect(entry[0]).toBe(FORMAT_VERSION);
    expect([...entry.subarray(1, 9)]).toEqual([...FINGERPRINT]);
    expect([...entry.subarray(9, HEADER)]).toEqual([...GENERATION]);
    expect(entry.length).toBeGreaterThan(HEADER);
  });

  it('generationOf reads the stamp of an entry and nothing else', () => {
    const entry = encodeEntry(FINGERPRINT, GENERATION, [1]);
    expect([...(generationOf(entry) as Uint8Array)]).toEqual([...GENERATION]);
    expect(generationOf(entry.subarray(0, HEADER - 1))).toBeNull();
    const other = Buffer.from(entry);
    other[0] = FORMAT_VERSION + 1;
    expect(generationOf(other)).toBeNull();
  });
});

describe('round trip', () => {
  it('gives back every value with its JS type', () => {
    const values = roundTrip(SAMPLE);
    expect(values).toHaveLength(SAMPLE.length);
    expect(values[0]).toBe(42);
    expect(values[1]).toBe('Ann');
    expect(values[2]).toBeInstanceOf(Date);
    expect((values[2] as Date).toISOString()).toBe('2024-02-29T12:34:56.789Z');
    expect(Buffer.isBuffer(values[3])).toBe(true);
    expect([...(values[3] as Buffer)]).toEqual([0, 255, 1]);
    expect(values[4]).toBeNull();
    expect(values[5]).toBe(9007199254740993n);
    expect(values[6]).toEqual([1, ['two', [3.5, null]]]);
    expect(values[7]).toEqual({ nested: { list: [1, 2] } });
    expect(values[8]).toBe(true);
    expect(values[9]).toBeUndefined();
    expect(9 in values).toBe(true);
  });

  it.each([
    ['zero', 0],
    ['2**53 - 1', 2 ** 53 - 1],
    ['-(2**53 - 1)', -(2 ** 53 - 1)],
    ['2**32', 2 ** 32],
    ['1.5', 1.5],
    ['0.1', 0.1],
    ['a tiny fraction', 5e-324],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
  ])('keeps the number %s exactly', (_name, value) => {
    const [decoded] = roundTrip([value]);
    expect(typeof decoded).toBe('number');
    expect(Object.is(decoded, value)).toBe(true);
  });

  it('keeps the sign of negative zero (a REAL column can hold -0)', () => {
    const [decoded] = roundTrip([-0]);
    expect(Object.is(decoded, -0)).toBe(true);
  });

  it.each([
    ['0n', 0n],
    ['small', 7n],
    ['negative', -3n],
    ['int64 max', 2n ** 63n - 1n],
    ['int64 min', -(2n ** 63n)],
    ['uint64 max', 2n ** 64n - 1n],
  ])('keeps the bigint %s as a bigint', (_name, value) => {
    const [decoded] = roundTrip([value]);
    expect(typeof decoded).toBe('bigint');
    expect(decoded).toBe(value);
  });

  it('keeps Dates to the millisecond, including before 1970 and far ahead', () => {
    const dates = [
      new Date(0),
      new Date(-1),
      new Date('1900-01-01T00:00:00.001Z'),
      new Date(8.64e15),
    ];
    const decoded = roundTrip(dates) as Date[];
    expect(decoded.map((date) => date.getTime())).toEqual(dates.map((date) => date.getTime()));
    expect(decoded.every((date) => date instanceof Date)).toBe(true);
  });

  it('keeps null, undefined, empty strings and empty arrays apart', () => {
    const values = roundTrip([null, undefined, '', [], [null, undefined]]);
    expect(values[0]).toBeNull();
    expect(values[1]).toBeUndefined();
    expect(values[2]).toBe('');
    expect(values[3]).toEqual([]);
    expect(values[4]).toEqual([null, undefined]);
    expect((values[4] as unknown[])[1]).toBeUndefined();
  });

  it('keeps long and non-ASCII strings', () => {
    const long = 'x'.repeat(70_000);
    const unicode = 'Zoë 🎉 東京 \u0000 end';
    expect(roundTrip([long, unicode])).toEqual([long, unicode]);
  });

  it('decodes Buffers from a plain Uint8Array entry, and from an entry at an offset', () => {
    const entry = encodeEntry(FINGERPRINT, GENERATION, [
      Buffer.from([5, 6, 7]),
      [Buffer.from([8])],
    ]);
    const plain = new Uint8Array(entry);
    const values = fresh(decodeEntry(plain, FINGERPRINT, GENERATION, 2));
    expect(Buffer.isBuffer(values[0])).toBe(true);
    expect([...(values[0] as Buffer)]).toEqual([5, 6, 7]);
    const inner = (values[1] as unknown[])[0];
    expect(Buffer.isBuffer(inner)).toBe(true);

    const padded = new Uint8Array(entry.length + 11);
    padded.set(entry, 7);
    const view = padded.subarray(7, 7 + entry.length);
    const fromView = fresh(decodeEntry(view, FINGERPRINT, GENERATION, 2));
    expect(Buffer.isBuffer(fromView[0])).toBe(true);
    expect([...(fromView[0] as Buffer)]).toEqual([5, 6, 7]);
  });

  it('decodes Buffers as copies: later changes to the entry bytes do not reach them', () => {
    const entry = encodeEntry(FINGERPRINT, GENERATION, [Buffer.from([1, 2, 3, 4])]);
    const values = fresh(decodeEntry(entry, FINGERPRINT, GENERATION, 1));
    const plain = new Uint8Array(entry);
    const fromPlain = fresh(decodeEntry(plain, FINGERPRINT, GENERATION, 1));
    entry.fill(0, HEADER);
    plain.fill(0, HEADER);
    expect([...(values[0] as Buffer)]).toEqual([1, 2, 3, 4]);
    expect([...(fromPlain[0] as Buffer)]).toEqual([1, 2, 3, 4]);
  });

  it('copies the values into the entry: later changes to the input do not reach it', () => {
    const buffer = Buffer.from([1, 2]);
    const entry = encodeEntry(FINGERPRINT, GENERATION, [buffer]);
    buffer.fill(9);
    expect([...(fresh(decodeEntry(entry, FINGERPRINT, GENERATION, 1))[0] as Buffer)]).toEqual([
      1, 2,
    ]);
  });

  it('round-trips an empty value list', () => {
    expect(roundTrip([])).toEqual([]);
  });
});

describe('entries that are not fresh', () => {
  const entry = encodeEntry(FINGERPRINT, GENERATION, SAMPLE);

  it('reports an entry shorter than its header as corrupt', () => {
    for (const length of [0, 1, HEADER - 1]) {
      const decoded = decodeEntry(entry.subarray(0, length), FINGERPRINT, GENERATION, 10);
      expect(decoded.kind).toBe('corrupt');
    }
  });

  it('reports an entry of another format version as foreign', () => {
    const other = Buffer.from(entry);
    other[0] = FORMAT_VERSION + 1;
    expect(decodeEntry(other, FINGERPRINT, GENERATION, 10)).toEqual({ kind: 'foreign' });
    other[0] = 0;
    expect(decodeEntry(other, FINGERPRINT, GENERATION, 10)).toEqual({ kind: 'foreign' });
  });

  it('reports an entry of another fingerprint as foreign, whichever byte differs', () => {
    for (let index = 0; index < FINGERPRINT.length; index++) {
      const fingerprint = Uint8Array.from(FINGERPRINT);
      fingerprint[index] = (fingerprint[index] as number) ^ 0x80;
      expect(decodeEntry(entry, fingerprint, GENERATION, 10)).toEqual({ kind: 'foreign' });
    }
  });

  it('reports an entry of another generation, or with no current generation, as stale', () => {
    for (let index = 0; index < GENERATION.length; index++) {
      const generation = Uint8Array.from(GENERATION);
      generation[index] = (generation[index] as number) ^ 0x01;
      expect(decodeEntry(entry, FINGERPRINT, generation, 10)).toEqual({ kind: 'stale' });
    }
    expect(decodeEntry(entry, FINGERPRINT, null, 10)).toEqual({ kind: 'stale' });
  });

  it('checks the fingerprint before the generation', () => {
    const fingerprint = Uint8Array.from(FINGERPRINT).fill(0);
    expect(decodeEntry(entry, fingerprint, null, 10)).toEqual({ kind: 'foreign' });
  });

  it('reports a garbage body as corrupt', () => {
    const header = entry.subarray(0, HEADER);
    for (const body of [[0xc1], [0x93, 0x01], [0xdc, 0xff, 0xff], [0xa5, 0x61], [0xff, 0xff]]) {
      const decoded = decodeEntry(
        Buffer.concat([header, Buffer.from(body)]),
        FINGERPRINT,
        GENERATION,
        10,
      );
      expect(decoded.kind).toBe('corrupt');
    }
    expect(decodeEntry(header, FINGERPRINT, GENERATION, 10).kind).toBe('corrupt');
  });

  it('reports a body with trailing bytes as corrupt', () => {
    const decoded = decodeEntry(
      Buffer.concat([entry, Buffer.from([0x01])]),
      FINGERPRINT,
      GENERATION,
      10,
    );
    expect(decoded.kind).toBe('corrupt');
  });

  it('reports a body that is not an array of the attribute count as corrupt', () => {
    expect(decodeEntry(entry, FINGERPRINT, GENERATION, 9).kind).toBe('corrupt');
    expect(decodeEntry(entry, FINGERPRINT, GENERATION, 11).kind).toBe('corrupt');
    const notArray = Buffer.concat([entry.subarray(0, HEADER), Buffer.from([0x2a])]);
    expect(decodeEntry(notArray, FINGERPRINT, GENERATION, 1).kind).toBe('corrupt');
    const map = Buffer.concat([entry.subarray(0, HEADER), Buffer.from([0x81, 0xa1, 0x61, 0x01])]);
    expect(decodeEntry(map, FINGERPRINT, GENERATION, 1).kind).toBe('corrupt');
  });

  it('never reports a truncated entry as fresh', () => {
    for (let length = 0; length < entry.length; length++) {
      const decoded = decodeEntry(entry.subarray(0, length), FINGERPRINT, GENERATION, 10);
      expect(decoded.kind, `truncated to ${length} bytes`).not.toBe('fresh');
      expect(decoded.kind, `truncated to ${length} bytes`).toBe('corrupt');
    }
  });

  it('never reports an entry with one byte removed as fresh', () => {
    for (let index = 0; index < entry.length; index++) {
      const damaged = Buffer.concat([entry.subarray(0, index), entry.subarray(index + 1)]);
      const decoded = decodeEntry(damaged, FINGERPRINT, GENERATION, 10);
      expect(decoded.kind, `byte ${index} removed`).not.toBe('fresh');
    }
  });

  it('never throws on random byte flips in the body', () => {
    const random = generator(0x5eed);
    const kinds = new Set<string>();
    for (let round = 0; round < 5000; round++) {
      const damaged = Buffer.from(entry);
      const flips = 1 + random(4);
      for (let flip = 0; flip < flips; flip++) {
        const index = HEADER + random(damaged.length - HEADER);
        damaged[index] = (damaged[index] as number) ^ (1 + random(255));
      }
      let decoded: DecodedEntry | undefined;
      expect(() => {
        decoded = decodeEntry(damaged, FINGERPRINT, GENERATION, 10);
      }, `round ${round}`).not.toThrow();
      kinds.add(decoded?.kind ?? 'none');
    }
    expect(kinds.has('corrupt')).toBe(true);
    expect([...kinds].every((kind) => kind === 'corrupt' || kind === 'fresh')).toBe(true);
  });

  it('never throws on random bytes of any length', () => {
    const random = generator(42);
    for (let round = 0; round < 2000; round++) {
      const garbage = Buffer.alloc(random(64));
      for (let index = 0; index < garbage.length; index++) garbage[index] = random(256);
      // Keep a valid header half of the time, so the body decoder sees the garbage.
      if (round % 2 === 0 && garbage.length >= HEADER) entry.copy(garbage, 0, 0, HEADER);
      expect(() => decodeEntry(garbage, FINGERPRINT, GENERATION, 10)).not.toThrow();
    }
  });
});
