import { isAbsolute, resolve } from 'node:path';
import type { Charset } from './types.js';

/** Why a value was rejected: optionally a sub-path (`[1]`), the offending value and the accepted form. */
export interface Failure {
  readonly at?: string;
  readonly value?: unknown;
  readonly expected?: string;
}

/** The outcome of checking (or parsing) one value. */
export type Checked<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly failures: readonly Failure[] };

/** Checks an untrusted value and returns it normalised. */
export type Check<T> = (value: unknown) => Checked<T>;

/** Accepts `value`. */
export function ok<T>(value: T): Checked<T> {
  return { ok: true, value };
}

/** Rejects the value as a whole. */
export const fail: Checked<never> = Object.freeze({ ok: false, failures: Object.freeze([{}]) });

/** A boolean. */
export const isBoolean: Check<boolean> = (value) => (typeof value === 'boolean' ? ok(value) : fail);

/** A string; with `nonEmpty`, not `''`; with `noWhitespace`, without any whitespace. */
export function isString(
  options: { nonEmpty?: boolean; noWhitespace?: boolean } = {},
): Check<string> {
  return (value) => {
    if (typeof value !== 'string') return fail;
    if (options.nonEmpty === true && value === '') return fail;
    if (options.noWhitespace === true && /\s/.test(value)) return fail;
    return ok(value);
  };
}

/** One of `values`, compared exactly. */
export function isOneOf<const T extends string>(values: readonly T[]): Check<T> {
  return (value) =>
    typeof value === 'string' && (values as readonly string[]).includes(value)
      ? ok(value as T)
      : fail;
}

const CHARSETS: ReadonlyMap<string, Charset> = new Map<string, Charset>([
  ['utf8', 'utf8'],
  ['utf-8', 'utf8'],
  ['utf16le', 'utf16le'],
  ['utf-16le', 'utf16le'],
  ['ucs2', 'utf16le'],
  ['ucs-2', 'utf16le'],
  ['latin1', 'latin1'],
  ['binary', 'latin1'],
  ['ascii', 'ascii'],
]);

/** A charset name or alias, any case, normalised to its canonical {@link Charset}. */
export const isCharset: Check<Charset> = (value) => {
  const charset = typeof value === 'string' ? CHARSETS.get(value.toLowerCase()) : undefined;
  return charset === undefined ? fail : ok(charset);
};

/** A safe integer from `min` to `max`, inclusive. */
export function isInteger(min: number, max: number = Number.MAX_SAFE_INTEGER): Check<number> {
  return (value) =>
    typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max
      ? ok(value)
      : fail;
}

/**
 * A URL (as `new URL` parses it) with one of `protocols` (e.g. `'redis:'`) followed by `//`;
 * with `requireHost`, naming a host. Kept as written.
 */
export function isUrl(
  protocols: readonly string[],
  options: { requireHost?: boolean } = {},
): Check<string> {
  return (value) => {
    if (typeof value !== 'string') return fail;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return fail;
    }
    if (!protocols.includes(url.protocol)) return fail;
    if (!value.slice(url.protocol.length).startsWith('//')) return fail;
    if (options.requireHost === true && url.hostname === '') return fail;
    return ok(value);
  };
}

/** An array whose every item passes `item`; each bad item is reported at its index. */
export function isArrayOf<T>(item: Check<T>, itemExpected: string): Check<readonly T[]> {
  return (value) => {
    if (!Array.isArray(value)) return fail;
    const items: T[] = [];
    const failures: Failure[] = [];
    // A plain loop, not forEach: holes of sparse arrays are checked (as undefined) too.
    for (let index = 0; index < value.length; index++) {
      const element: unknown = value[index];
      const checked = item(element);
      if (checked.ok) items.push(checked.value);
      else failures.push({ at: `[${index}]`, value: element, expected: itemExpected });
    }
    return failures.length === 0 ? ok(items) : { ok: false, failures };
  };
}

/** An absolute path without NUL bytes, normalised with `path.resolve`. */
export const isAbsolutePath: Check<string> = (value) =>
  typeof value === 'string' && isAbsolute(value) && !value.includes('\0')
    ? ok(resolve(value))
    : fail;

/** Parses an environment variable's raw string into the value a {@link Check} then checks. */
export type EnvParse = (raw: string) => Checked<unknown>;

const BOOLEANS: ReadonlyMap<string, boolean> = new Map([
  ['true', true],
  ['1', true],
  ['yes', true],
  ['false', false],
  ['0', false],
  ['no', false],
]);

/** `true`, `false`, `1`, `0`, `yes`, `no`, any case. */
export const parseBoolean: EnvParse = (raw) => {
  const value = BOOLEANS.get(raw.toLowerCase());
  return value === undefined ? fail : ok(value);
};

const DECIMAL = /^-?(?:0|[1-9][0-9]*)$/;

/** An integer in plain decimal digits (optional `-`): no spaces, signs, exponents, hex or units. */
export const parseInteger: EnvParse = (raw) => (DECIMAL.test(raw) ? ok(Number(raw)) : fail);

const UNITS: ReadonlyMap<string, number> = new Map([
  ['', 1],
  ['KiB', 1024],
  ['MiB', 1024 * 1024],
]);

/** A byte count: plain decimal digits, optionally followed by `KiB` or `MiB` (no space). */
export const parseBytes: EnvParse = (raw) => {
  const match = /^(0|[1-9][0-9]*)(KiB|MiB)?$/.exec(raw);
  if (match === null) return fail;
  return ok(Number(match[1]) * (UNITS.get(match[2] ?? '') ?? 1));
};

/** A comma-separated list; items are trimmed and none may be empty. */
export const parseList: EnvParse = (raw) => {
  const items = raw.split(',').map((item) => item.trim());
  return items.includes('') ? fail : ok(items);
};
