import {
  type Check,
  type EnvParse,
  isAbsolutePath,
  isArrayOf,
  isBoolean,
  isCharset,
  isInteger,
  isOneOf,
  isString,
  isUrl,
  parseBoolean,
  parseBytes,
  parseInteger,
  parseList,
} from './checks.js';
import type { Config } from './types.js';

/** How one field is defaulted, checked and read from the environment. */
export interface FieldSpec<T> {
  readonly default: T;
  /** The accepted form, as shown in issues. */
  readonly expected: string;
  readonly check: Check<T>;
  /** The environment variable the field is read from. */
  readonly env: string;
  /** A second variable read when `env` is unset or empty. */
  readonly envFallback?: string;
  /** Turns the variable's string into the value `check` takes (default: the string itself). */
  readonly parseEnv?: EnvParse;
  /** The accepted form of the variable, when it differs from `expected`. */
  readonly envExpected?: string;
}

/** The name of a section of {@link Config}. */
export type SectionName = keyof Config;

/** Every field of every section. */
export type Schema = {
  readonly [S in SectionName]: { readonly [F in keyof Config[S]]-?: FieldSpec<Config[S][F]> };
};

const BOOLEAN = 'a boolean (true or false)';
const ENV_BOOLEAN = 'a boolean: true, false, yes, no, 1 or 0 (any case)';
const DECIMAL = 'written in decimal digits';
const REDIS = ['redis:', 'rediss:'];
const REDIS_URL = 'a redis:// or rediss:// URL';

/** Smallest and largest `files.chunkSize`: 4 KiB and 256 MiB. */
export const CHUNK_SIZE_MIN: number = 4 * 1024;
export const CHUNK_SIZE_MAX: number = 256 * 1024 * 1024;
/** Largest `files.shredPasses` (the 35 passes of Gutmann's method). */
export const SHRED_PASSES_MAX: number = 35;

const TTL = 'an integer number of seconds >= 1';
const CHUNK_SIZE = `an integer number of bytes from ${CHUNK_SIZE_MIN} (4 KiB) to ${CHUNK_SIZE_MAX} (256 MiB)`;
const SHRED_PASSES = `an integer from 1 to ${SHRED_PASSES_MAX}`;

/** The configuration schema: defaults, checks and environment variables. */
export const schema: Schema = {
  crypto: {
    hkdf: {
      default: true,
      expected: BOOLEAN,
      check: isBoolean,
      env: 'X_CRYPTO_HKDF',
      parseEnv: parseBoolean,
      envExpected: ENV_BOOLEAN,
    },
    hkdfInfo: {
      default: 'x/crypto aead v1',
      expected: 'a non-empty string',
      check: isString({ nonEmpty: true }),
      env: 'X_CRYPTO_HKDF_INFO',
    },
    associatedData: {
      default: '',
      expected: 'a string',
      check: isString(),
      env: 'X_CRYPTO_ASSOCIATED_DATA',
    },
    charset: {
      default: 'utf8',
      expected:
        'one of utf8, utf16le, latin1, ascii (or the aliases utf-8, utf-16le, ucs2, ucs-2, binary; any case)',
      check: isCharset,
      env: 'X_CRYPTO_CHARSET',
    },
    format: {
      default: 'v1',
      expected: 'one of v1, raw',
      check: isOneOf(['v1', 'raw']),
      env: 'X_CRYPTO_FORMAT',
    },
  },
  cache: {
    url: {
      default: 'redis://127.0.0.1:6379',
      expected: REDIS_URL,
      check: isUrl(REDIS, { requireHost: true }),
      env: 'X_CACHE_URL',
      envFallback: 'REDIS_URL',
    },
    ttl: {
      default: 300,
      expected: TTL,
      check: isInteger(1),
      env: 'X_CACHE_TTL',
      parseEnv: parseInteger,
      envExpected: `${TTL}, ${DECIMAL}`,
    },
    prefix: {
      default: 'x',
      expected: 'a non-empty string without whitespace',
      check: isString({ nonEmpty: true, noWhitespace: true }),
      env: 'X_CACHE_PREFIX',
    },
    cluster: {
      default: [],
      expected: 'an array of redis:// or rediss:// URLs',
      check: isArrayOf(isUrl(REDIS, { requireHost: true }), REDIS_URL),
      env: 'X_CACHE_CLUSTER',
      parseEnv: parseList,
      envExpected: 'a comma-separated list of redis:// or rediss:// URLs, none empty',
    },
  },
  database: {
    url: {
      default: undefined,
      expected: 'a postgres://, postgresql://, mariadb:// or mysql:// URL',
      check: isUrl(['postgres:', 'postgresql:', 'mariadb:', 'mysql:']),
      env: 'X_DATABASE_URL',
      envFallback: 'DATABASE_URL',
    },
  },
  files: {
    root: {
      default: undefined,
      expected: 'an absolute path',
      check: isAbsolutePath,
      env: 'X_FILES_ROOT',
    },
    chunkSize: {
      default: 1024 * 1024,
      expected: CHUNK_SIZE,
      check: isInteger(CHUNK_SIZE_MIN, CHUNK_SIZE_MAX),
      env: 'X_FILES_CHUNK_SIZE',
      parseEnv: parseBytes,
      envExpected: `${CHUNK_SIZE}, ${DECIMAL}, optionally with a KiB or MiB suffix (64KiB, 1MiB)`,
    },
    shredPasses: {
      default: 3,
      expected: SHRED_PASSES,
      check: isInteger(1, SHRED_PASSES_MAX),
      env: 'X_FILES_SHRED_PASSES',
      parseEnv: parseInteger,
      envExpected: `${SHRED_PASSES}, ${DECIMAL}`,
    },
    durable: {
      default: false,
      expected: BOOLEAN,
      check: isBoolean,
      env: 'X_FILES_DURABLE',
      parseEnv: parseBoolean,
      envExpected: ENV_BOOLEAN,
    },
    shred: {
      default: 'require',
      expected: 'one of require, fallback',
      check: isOneOf(['require', 'fallback']),
      env: 'X_FILES_SHRED',
    },
  },
};

/** The section names, in order. */
export const sectionNames: readonly SectionName[] = ['crypto', 'cache', 'database', 'files'];
