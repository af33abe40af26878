import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { configErrorOf, DEFAULTS, defaultsWith } from '../test/helpers.js';
import { ConfigError } from './config-error.js';
import { loadConfig } from './load-config.js';
import { schema } from './schema.js';
import type { Config, ConfigInput } from './types.js';

describe('loadConfig: defaults', () => {
  it('returns every default for an empty environment', () => {
    expect(loadConfig({})).toStrictEqual(DEFAULTS);
  });

  it('ignores variables it does not know', () => {
    expect(loadConfig({ PATH: '/usr/bin', X_OTHER: '1', X_CACHE_TLL: '5' })).toStrictEqual(
      DEFAULTS,
    );
  });

  it('counts an empty string as unset', () => {
    const env: Record<string, string> = { REDIS_URL: '', DATABASE_URL: '' };
    for (const section of Object.values(schema)) {
      for (const field of Object.values(section)) env[field.env] = '';
    }
    expect(Object.keys(env)).toHaveLength(17);
    expect(loadConfig(env)).toStrictEqual(DEFAULTS);
  });

  it('counts an undefined value as unset', () => {
    expect(loadConfig({ X_CACHE_TTL: undefined, REDIS_URL: undefined })).toStrictEqual(DEFAULTS);
  });
});

describe('loadConfig: variables', () => {
  it.each<[name: string, raw: string, section: keyof Config, field: string, value: unknown]>([
    ['X_CRYPTO_HKDF', 'false', 'crypto', 'hkdf', false],
    ['X_CRYPTO_HKDF', 'FALSE', 'crypto', 'hkdf', false],
    ['X_CRYPTO_HKDF', '0', 'crypto', 'hkdf', false],
    ['X_CRYPTO_HKDF', 'no', 'crypto', 'hkdf', false],
    ['X_CRYPTO_HKDF', 'No', 'crypto', 'hkdf', false],
    ['X_CRYPTO_HKDF', 'true', 'crypto', 'hkdf', true],
    ['X_CRYPTO_HKDF', '1', 'crypto', 'hkdf', true],
    ['X_CRYPTO_HKDF', 'YES', 'crypto', 'hkdf', true],
    ['X_CRYPTO_HKDF_INFO', 'app aead v2', 'crypto', 'hkdfInfo', 'app aead v2'],
    ['X_CRYPTO_ASSOCIATED_DATA', 'tenant-1', 'crypto', 'associatedData', 'tenant-1'],
    ['X_CRYPTO_CHARSET', 'utf16le', 'crypto', 'charset', 'utf16le'],
    ['X_CRYPTO_CHARSET', 'UTF-8', 'crypto', 'charset', 'utf8'],
    ['X_CRYPTO_CHARSET', 'ucs2', 'crypto', 'charset', 'utf16le'],
    ['X_CRYPTO_CHARSET', 'UTF-16LE', 'crypto', 'charset', 'utf16le'],
    ['X_CRYPTO_CHARSET', 'binary', 'crypto', 'charset', 'latin1'],
    ['X_CRYPTO_CHARSET', 'ASCII', 'crypto', 'charset', 'ascii'],
    ['X_CRYPTO_FORMAT', 'raw', 'crypto', 'format', 'raw'],
    [
      'X_CACHE_URL',
      'rediss://cache.internal:6380/1',
      'cache',
      'url',
      'rediss://cache.internal:6380/1',
    ],
    ['X_CACHE_TTL', '60', 'cache', 'ttl', 60],
    ['X_CACHE_TTL', '1', 'cache', 'ttl', 1],
    ['X_CACHE_PREFIX', 'app', 'cache', 'prefix', 'app'],
    ['X_CACHE_CLUSTER', 'redis://a:7000', 'cache', 'cluster', ['redis://a:7000']],
    [
      'X_CACHE_CLUSTER',
      'redis://a:7000, redis://b:7001 ,\trediss://c:7002',
      'cache',
      'cluster',
      ['redis://a:7000', 'redis://b:7001', 'rediss://c:7002'],
    ],
    [
      'X_DATABASE_URL',
      'postgres://app@db:5432/app',
      'database',
      'url',
      'postgres://app@db:5432/app',
    ],
    ['X_DATABASE_URL', 'mysql://db/app', 'database', 'url', 'mysql://db/app'],
    ['X_FILES_ROOT', '/srv/files', 'files', 'root', '/srv/files'],
    ['X_FILES_ROOT', '/srv/files/../data/', 'files', 'root', '/srv/data'],
    ['X_FILES_CHUNK_SIZE', '65536', 'files', 'chunkSize', 65536],
    ['X_FILES_CHUNK_SIZE', '4096', 'files', 'chunkSize', 4096],
    ['X_FILES_CHUNK_SIZE', '64KiB', 'files', 'chunkSize', 65536],
    ['X_FILES_CHUNK_SIZE', '4KiB', 'files', 'chunkSize', 4096],
    ['X_FILES_CHUNK_SIZE', '1MiB', 'files', 'chunkSize', 1048576],
    ['X_FILES_CHUNK_SIZE', '256MiB', 'files', 'chunkSize', 268435456],
    ['X_FILES_SHRED_PASSES', '7', 'files', 'shredPasses', 7],
    ['X_FILES_SHRED_PASSES', '35', 'files', 'shredPasses', 35],
    ['X_FILES_DURABLE', 'yes', 'files', 'durable', true],
    ['X_FILES_DURABLE', 'True', 'files', 'durable', true],
    ['X_FILES_SHRED', 'fallback', 'files', 'shred', 'fallback'],
  ])('%s=%s sets %s.%s', (name, raw, section, field, value) => {
    expect(loadConfig({ [name]: raw })).toStrictEqual(defaultsWith(section, field, value));
  });

  it('reads every variable at once', () => {
    expect(
      loadConfig({
        X_CRYPTO_HKDF: 'no',
        X_CRYPTO_HKDF_INFO: 'info',
        X_CRYPTO_ASSOCIATED_DATA: 'ad',
        X_CRYPTO_CHARSET: 'latin1',
        X_CRYPTO_FORMAT: 'raw',
        X_CACHE_URL: 'redis://cache:6379',
        X_CACHE_TTL: '10',
        X_CACHE_PREFIX: 'p',
        X_CACHE_CLUSTER: 'redis://a:1,redis://b:2',
        X_DATABASE_URL: 'mariadb://db/app',
        X_FILES_ROOT: '/data',
        X_FILES_CHUNK_SIZE: '8KiB',
        X_FILES_SHRED_PASSES: '2',
        X_FILES_DURABLE: '1',
        X_FILES_SHRED: 'fallback',
      }),
    ).toStrictEqual({
      crypto: {
        hkdf: false,
        hkdfInfo: 'info',
        associatedData: 'ad',
        charset: 'latin1',
        format: 'raw',
      },
      cache: {
        url: 'redis://cache:6379',
        ttl: 10,
        prefix: 'p',
        cluster: ['redis://a:1', 'redis://b:2'],
      },
      database: { url: 'mariadb://db/app' },
      files: { root: '/data', chunkSize: 8192, shredPasses: 2, durable: true, shred: 'fallback' },
    });
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig({ X_CACHE_CLUSTER: 'redis://a:1' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.cache)).toBe(true);
    expect(Object.isFrozen(config.cache.cluster)).toBe(true);
    expect(() => {
      (config.files as { durable: boolean }).durable = true;
    }).toThrow(TypeError);
  });

  it('does not modify the environment', () => {
    const env = { X_CACHE_TTL: '60', REDIS_URL: 'redis://r:1' };
    loadConfig(env, { cache: { prefix: 'p' } });
    expect(env).toStrictEqual({ X_CACHE_TTL: '60', REDIS_URL: 'redis://r:1' });
  });
});

describe('loadConfig: fallback variables', () => {
  it.each([
    ['REDIS_URL', 'X_CACHE_URL', 'redis://fallback:6379', 'redis://primary:6379', 'cache', 'url'],
    [
      'DATABASE_URL',
      'X_DATABASE_URL',
      'postgres://fallback/app',
      'postgres://primary/app',
      'database',
      'url',
    ],
  ] as const)(
    '%s is read when %s is unset',
    (fallback, primary, fallbackValue, primaryValue, section, field) => {
      expect(loadConfig({ [fallback]: fallbackValue })).toStrictEqual(
        defaultsWith(section, field, fallbackValue),
      );
      expect(loadConfig({ [fallback]: fallbackValue, [primary]: '' })).toStrictEqual(
        defaultsWith(section, field, fallbackValue),
      );
      expect(loadConfig({ [fallback]: fallbackValue, [primary]: primaryValue })).toStrictEqual(
        defaultsWith(section, field, primaryValue),
      );
      expect(loadConfig({ [primary]: primaryValue, [fallback]: '' })).toStrictEqual(
        defaultsWith(section, field, primaryValue),
      );
    },
  );

  it('is not read, nor checked, when the X_ variable is set', () => {
    expect(loadConfig({ X_CACHE_URL: 'redis://a:1', REDIS_URL: 'not a url' }).cache.url).toBe(
      'redis://a:1',
    );
    expect(loadConfig({ X_DATABASE_URL: 'mysql://db', DATABASE_URL: 'nope' }).database.url).toBe(
      'mysql://db',
    );
  });

  it('is named in the issue when its value is invalid', () => {
    const error = configErrorOf(() =>
      loadConfig({ REDIS_URL: 'http://r:1', DATABASE_URL: 'sqlite:///app.db' }),
    );
    expect(error.issues.map((issue) => [issue.path, issue.value])).toEqual([
      ['REDIS_URL', 'http://r:1'],
      ['DATABASE_URL', 'sqlite:///app.db'],
    ]);
  });
});

describe('loadConfig: invalid variables', () => {
  const TTL = 'an integer number of seconds >= 1, written in decimal digits';
  const CHUNK =
    'an integer number of bytes from 4096 (4 KiB) to 268435456 (256 MiB), written in decimal digits, optionally with a KiB or MiB suffix (64KiB, 1MiB)';
  const PASSES = 'an integer from 1 to 35, written in decimal digits';
  const BOOLEAN = 'a boolean: true, false, yes, no, 1 or 0 (any case)';
  const CLUSTER = 'a comma-separated list of redis:// or rediss:// URLs, none empty';

  it.each<[name: string, raw: string, expected: string]>([
    ['X_CACHE_TTL', '30s', TTL],
    ['X_CACHE_TTL', '1e3', TTL],
    ['X_CACHE_TTL', ' 5', TTL],
    ['X_CACHE_TTL', '5 ', TTL],
    ['X_CACHE_TTL', '0x10', TTL],
    ['X_CACHE_TTL', '+5', TTL],
    ['X_CACHE_TTL', '05', TTL],
    ['X_CACHE_TTL', '1.5', TTL],
    ['X_CACHE_TTL', '1_000', TTL],
    ['X_CACHE_TTL', 'Infinity', TTL],
    ['X_CACHE_TTL', '0', TTL],
    ['X_CACHE_TTL', '-1', TTL],
    ['X_CACHE_TTL', '9007199254740993', TTL],
    ['X_CACHE_TTL', ' ', TTL],
    ['X_FILES_CHUNK_SIZE', '64 KiB', CHUNK],
    ['X_FILES_CHUNK_SIZE', '64kib', CHUNK],
    ['X_FILES_CHUNK_SIZE', '64KB', CHUNK],
    ['X_FILES_CHUNK_SIZE', '1GiB', CHUNK],
    ['X_FILES_CHUNK_SIZE', 'KiB', CHUNK],
    ['X_FILES_CHUNK_SIZE', '1.5MiB', CHUNK],
    ['X_FILES_CHUNK_SIZE', '4095', CHUNK],
    ['X_FILES_CHUNK_SIZE', '3KiB', CHUNK],
    ['X_FILES_CHUNK_SIZE', '257MiB', CHUNK],
    ['X_FILES_CHUNK_SIZE', '1e6', CHUNK],
    ['X_FILES_SHRED_PASSES', '0', PASSES],
    ['X_FILES_SHRED_PASSES', '36', PASSES],
    ['X_FILES_SHRED_PASSES', 'three', PASSES],
    ['X_CRYPTO_HKDF', 'on', BOOLEAN],
    ['X_CRYPTO_HKDF', 'y', BOOLEAN],
    ['X_CRYPTO_HKDF', ' true', BOOLEAN],
    ['X_FILES_DURABLE', 'maybe', BOOLEAN],
    ['X_FILES_DURABLE', '2', BOOLEAN],
    ['X_CACHE_CLUSTER', 'redis://a:1,,redis://b:2', CLUSTER],
    ['X_CACHE_CLUSTER', 'redis://a:1,', CLUSTER],
    ['X_CACHE_CLUSTER', ' ', CLUSTER],
    ['X_CACHE_CLUSTER', 'redis://a:1,http://b:2', CLUSTER],
    ['X_CACHE_CLUSTER', 'redis://a:1 redis://b:2', CLUSTER],
    ['X_CACHE_URL', 'localhost:6379', 'a redis:// or rediss:// URL'],
    ['X_CACHE_PREFIX', 'my app', 'a non-empty string without whitespace'],
    ['X_CRYPTO_CHARSET', 'utf32', 'one of utf8, utf16le, latin1, ascii'],
    ['X_CRYPTO_FORMAT', 'V1', 'one of v1, raw'],
    [
      'X_DATABASE_URL',
      'mongodb://db/app',
      'a postgres://, postgresql://, mariadb:// or mysql:// URL',
    ],
    ['X_FILES_ROOT', 'srv/files', 'an absolute path'],
    ['X_FILES_SHRED', 'never', 'one of require, fallback'],
  ])('rejects %s=%j', (name, raw, expected) => {
    const error = configErrorOf(() => loadConfig({ [name]: raw }));
    expect(error.issues).toEqual([
      {
        path: name,
        value: raw,
        expected: expect.stringContaining(expected),
        message: expect.any(String),
      },
    ]);
    expect(error.message).toContain(`${name}: received ${JSON.stringify(raw)}; expected `);
  });

  it('reports every invalid variable in one ConfigError, in the message too', () => {
    const error = configErrorOf(() =>
      loadConfig({
        X_CRYPTO_HKDF: 'maybe',
        X_CACHE_TTL: '30s',
        X_CACHE_CLUSTER: 'redis://a:1,,',
        REDIS_URL: 'http://cache',
        X_FILES_CHUNK_SIZE: '1GiB',
      }),
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.issues.map((issue) => [issue.path, issue.value])).toEqual([
      ['X_CRYPTO_HKDF', 'maybe'],
      ['REDIS_URL', 'http://cache'],
      ['X_CACHE_TTL', '30s'],
      ['X_CACHE_CLUSTER', 'redis://a:1,,'],
      ['X_FILES_CHUNK_SIZE', '1GiB'],
    ]);
    expect(error.message.split('\n')).toEqual([
      'Invalid configuration (5 issues):',
      ...error.issues.map((issue) => `  - ${issue.message}`),
    ]);
    expect(error.message).toContain(
      'X_CACHE_TTL: received "30s"; expected an integer number of seconds >= 1, written in decimal digits',
    );
  });
});

describe('loadConfig: overrides', () => {
  it('lets code win over the environment', () => {
    const config = loadConfig(
      { X_CACHE_TTL: '60', X_CACHE_PREFIX: 'env', REDIS_URL: 'redis://env:1' },
      { cache: { ttl: 5, url: 'redis://code:1' } },
    );
    expect(config.cache).toStrictEqual({
      url: 'redis://code:1',
      ttl: 5,
      prefix: 'env',
      cluster: [],
    });
  });

  it('keeps the environment value where an override is undefined', () => {
    const config = loadConfig({ X_CACHE_TTL: '60' }, { cache: { ttl: undefined } });
    expect(config.cache.ttl).toBe(60);
  });

  it('ignores an invalid variable that an override replaces', () => {
    expect(loadConfig({ X_CACHE_TTL: '30s' }, { cache: { ttl: 30 } }).cache.ttl).toBe(30);
  });

  it('checks overrides like defineConfig does, naming the field path', () => {
    const error = configErrorOf(() =>
      loadConfig({ X_FILES_SHRED: 'never' }, {
        cache: { ttl: -1, tll: 5 },
        files: { chunkSize: 1 },
      } as ConfigInput),
    );
    expect(error.issues.map((issue) => [issue.path, issue.value])).toEqual([
      ['cache.tll', 5],
      ['cache.ttl', -1],
      ['files.chunkSize', 1],
      ['X_FILES_SHRED', 'never'],
    ]);
  });

  it('rejects overrides that are not an object', () => {
    const error = configErrorOf(() => loadConfig({}, 'cache.ttl=5' as ConfigInput));
    expect(error.issues.map((issue) => issue.path)).toEqual(['(root)']);
  });

  it('shares no array with the overrides', () => {
    const cluster = ['redis://a:1'];
    const config = loadConfig({ X_CACHE_CLUSTER: 'redis://env:1' }, { cache: { cluster } });
    expect(config.cache.cluster).toEqual(['redis://a:1']);
    expect(config.cache.cluster).not.toBe(cluster);
  });
});

describe('loadConfig: process.env', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('reads process.env when no environment is given', () => {
    vi.stubEnv('X_CACHE_TTL', '42');
    vi.stubEnv('X_FILES_DURABLE', 'yes');
    const config = loadConfig();
    expect(config.cache.ttl).toBe(42);
    expect(config.files.durable).toBe(true);
  });

  it('reads process.env when the environment is undefined and overrides are given', () => {
    vi.stubEnv('X_CACHE_TTL', '42');
    const config = loadConfig(undefined, { cache: { prefix: 'code' } });
    expect(config.cache.ttl).toBe(42);
    expect(config.cache.prefix).toBe('code');
  });
});

describe('README', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

  it('documents every variable in the table', () => {
    for (const [section, fields] of Object.entries(schema)) {
      for (const [field, spec] of Object.entries(fields)) {
        expect(readme).toMatch(
          new RegExp(`\\| \`${spec.env}\` +\\| \`${section}\\.${field}\` +\\|`),
        );
        if (spec.envFallback !== undefined) expect(readme).toContain(`\`${spec.envFallback}\``);
      }
    }
  });
});
