import { Packr } from 'msgpackr';

/**
 * An entry is `version(1) ‖ fingerprint(8) ‖ generation(8) ‖ MessagePack array of the values`,
 * the values in the order of the model's attributes (the fingerprint fixes that order).
 */
export const FORMAT_VERSION = 1;
const HEADER_BYTES = 17;
export const GENERATION_BYTES = 8;

// Plain MessagePack (no record extension, so entries do not depend on shared structures);
// binary values are copied out of the reply buffer, which the Redis client may reuse.
const packr = new Packr({ useRecords: false, copyBuffers: true, mapsAsObjects: true });

/** Encodes the values of one instance. */
export function encodeEntry(
  fingerprint: Uint8Array,
  generation: Uint8Array,
  values: readonly unknown[],
): Buffer {
  const body = packr.pack(withNegativeZeros(values));
  const entry = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  entry[0] = FORMAT_VERSION;
  entry.set(fingerprint, 1);
  entry.set(generation, 9);
  entry.set(body, HEADER_BYTES);
  return entry;
}

/** What a stored entry turned out to be. */
export type DecodedEntry =
  /** Written by another format version or for another shape of the model: a miss, kept. */
  | { readonly kind: 'foreign' }
  /** Written before the model's last `deleteAll`: a miss. */
  | { readonly kind: 'stale' }
  /** Not an entry (truncated, garbled): a miss, removed. */
  | { readonly kind: 'corrupt'; readonly reason: string }
  | { readonly kind: 'fresh'; readonly values: unknown[] };

const FOREIGN: DecodedEntry = { kind: 'foreign' };
const STALE: DecodedEntry = { kind: 'stale' };

/** Reads an entry, checking version, fingerprint and generation before decoding the values. */
export function decodeEntry(
  entry: Uint8Array,
  fingerprint: Uint8Array,
  generation: Uint8Array | null,
  attributeCount: number,
): DecodedEntry {
  if (entry.length < HEADER_BYTES)
    return { kind: 'corrupt', reason: `entry of ${entry.length} bytes is shorter than its header` };
  if (entry[0] !== FORMAT_VERSION || !equalBytes(entry, 1, fingerprint)) return FOREIGN;
  if (generation === null || !equalBytes(entry, 9, generation)) return STALE;
  let values: unknown;
  try {
    // A Buffer view, so binary values decode as Buffers whatever the store handed back.
    const body = Buffer.from(
      entry.buffer,
      entry.byteOffset + HEADER_BYTES,
      entry.byteLength - HEADER_BYTES,
    );
    values = packr.unpack(body);
  } catch (error) {
    return { kind: 'corrupt', reason: `undecodable values (${(error as Error).message})` };
  }
  if (!Array.isArray(values)) return { kind: 'corrupt', reason: 'values are not a list' };
  if (values.length === attributeCount + 1) {
    const zeros: unknown = values.pop();
    if (!restoreNegativeZeros(values, zeros)) {
      return { kind: 'corrupt', reason: 'bad list of negative zeros' };
    }
  }
  if (values.length !== attributeCount) {
    return { kind: 'corrupt', reason: 'values do not match the model attributes' };
  }
  return { kind: 'fresh', values };
}

/** The generation stamped in an entry, or null when it is not one of ours. */
export function generationOf(entry: Uint8Array): Uint8Array | null {
  return entry.length >= HEADER_BYTES && entry[0] === FORMAT_VERSION
    ? entry.subarray(9, HEADER_BYTES)
    : null;
}

/**
 * MessagePack has one integer zero, so -0 (a FLOAT column, or an element of a FLOAT[] one, can
 * hold it) would come back as 0. When some value is -0, the list gets one more element: the
 * paths (lists of indexes into the values and nested arrays) of its negative zeros.
 */
function withNegativeZeros(values: readonly unknown[]): readonly unknown[] {
  const paths: number[][] = [];
  collectNegativeZeros(values, [], paths);
  return paths.length === 0 ? values : [...values, paths];
}

function collectNegativeZeros(list: readonly unknown[], path: number[], paths: number[][]): void {
  for (let index = 0; index < list.length; index++) {
    const value = list[index];
    if (value === 0 && Object.is(value, -0)) paths.push([...path, index]);
    else if (Array.isArray(value)) collectNegativeZeros(value, [...path, index], paths);
  }
}

function restoreNegativeZeros(values: unknown[], paths: unknown): boolean {
  if (!Array.isArray(paths) || paths.length === 0) return false;
  for (const path of paths) {
    if (!Array.isArray(path) || path.length === 0) return false;
    let list: unknown = values;
    for (let depth = 0; depth < path.length - 1; depth++) {
      const index: unknown = path[depth];
      if (!Array.isArray(list) || !Number.isInteger(index)) return false;
      list = list[index as number];
    }
    const last: unknown = path[path.length - 1];
    if (!Array.isArray(list) || !Number.isInteger(last) || list[last as number] !== 0) return false;
    list[last as number] = -0;
  }
  return true;
}

function equalBytes(entry: Uint8Array, offset: number, expected: Uint8Array): boolean {
  for (let index = 0; index < expected.length; index++) {
    if (entry[offset + index] !== expected[index]) return false;
  }
  return true;
}
