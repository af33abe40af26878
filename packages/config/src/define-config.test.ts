import { describe, expect, it } from 'vitest';
import { configErrorOf, DEFAULTS, defaultsWith } from '../test/helpers.js';
import { ConfigError } from './config-error.js';
import { defineConfig } from './define-config.js';
import type { Config, ConfigInput } from './types.js';
import { XError } from './x-error.js';

/** defineConfig on an untyped value, as a JavaScript caller could pass. */
function define(input: unknown): Config {
  return defineConfig(input as ConfigInput);
}

describe('defineConfig: defaults', () => {
  it('returns every default when called without input', () => {
    expect(defineConfig()).toStrictEqual(DEFAULTS);
  });

  it('returns every default for an empty object and for empty sections', () => {
    expect(defineConfig({})).toStrictEqual(DEFAULTS);
    expect(defineConfig({ crypto: {}, cache: {}, database: {}, files: {} })).toStrictEqual(
      DEFAULTS,
    );
  });

  it('treats undefined sections and fields as not given', () => {
    expect(
      defineConfig({
        crypto: undefined,
        cache: { ttl: undefined, url: undefined },
        database: { url: undefined },
        files: { root: undefined },
      }),
    ).toStrictEqual(DEFAULTS);
  });

  it('keeps the fields with no default present, as undefined', () => {
    const config = defineConfig();
    expect(Object.hasOwn(config.database, 'url')).toBe(true);
    expect(Object.hasOwn(config.files, 'root')).toBe(true);
  });
});

describe('defineConfig: valid input', () => {
  it.each<[string, ConfigInput, keyof Config, string, unknown]>([
    ['crypto.hkdf false', { crypto: { hkdf: false } }, 'crypto', 'hkdf', false],
    ['crypto.hkdfInfo', { crypto: { hkdfInfo: 'app v2' } }, 'crypto', 'hkdfInfo', 'app v2'],
    [
      'crypto.associatedData',
      { crypto: { associatedData: 'tenant' } },
      'crypto',
      'associatedData',
      'tenant',
    ],
    ['crypto.charset utf16le', { crypto: { charset: 'utf16le' } }, 'crypto', 'charset', 'utf16le'],
    ['crypto.charset latin1', { crypto: { charset: 'latin1' } }, 'crypto', 'charset', 'latin1'],
    ['crypto.charset ascii', { crypto: { charset: 'ascii' } }, 'crypto', 'charset', 'ascii'],
    ['crypto.charset utf-8 (alias)', { crypto: { charset: 'utf-8' } }, 'crypto', 'charset', 'utf8'],
    [
      'crypto.charset utf-16le (alias)',
      { crypto: { charset: 'utf-16le' } },
      'crypto',
      'charset',
      'utf16le',
    ],
    [
      'crypto.charset ucs2 (alias)',
      { crypto: { charset: 'ucs2' } },
      'crypto',
      'charset',
      'utf16le',
    ],
    [
      'crypto.charset ucs-2 (alias)',
      { crypto: { charset: 'ucs-2' } },
      'crypto',
      'charset',
      'utf16le',
    ],
    [
      'crypto.charset binary (alias)',
      { crypto: { charset: 'binary' } },
      'crypto',
      'charset',
      'latin1',
    ],
    ['crypto.format raw', { crypto: { format: 'raw' } }, 'crypto', 'format', 'raw'],
    [
      'cache.url rediss',
      { cache: { url: 'rediss://cache:6380/2' } },
      'cache',
      'url',
      'rediss://cache:6380/2',
    ],
    ['cache.ttl 1', { cache: { ttl: 1 } }, 'cache', 'ttl', 1],
    ['cache.ttl a day', { cache: { ttl: 86400 } }, 'cache', 'ttl', 86400],
    ['cache.prefix', { cache: { prefix: 'app:v2' } }, 'cache', 'prefix', 'app:v2'],
    [
      'cache.cluster',
      { cache: { cluster: ['redis://a:7000', 'rediss://b:7001'] } },
      'cache',
      'cluster',
      ['redis://a:7000', 'rediss://b:7001'],
    ],
    [
      'database.url postgres',
      { database: { url: 'postgres://db/app' } },
      'database',
      'url',
      'postgres://db/app',
    ],
    [
      'database.url postgresql',
      { database: { url: 'postgresql://u:p@db:5432/app' } },
      'database',
      'url',
      'postgresql://u:p@db:5432/app',
    ],
    [
      'database.url mariadb',
      { database: { url: 'mariadb://db/app' } },
      'database',
      'url',
      'mariadb://db/app',
    ],
    [
      'database.url mysql',
      { database: { url: 'mysql://db/app' } },
      'database',
      'url',
      'mysql://db/app',
    ],
    ['files.root', { files: { root: '/srv/files' } }, 'files', 'root', '/srv/files'],
    [
      'files.root, normalised',
      { files: { root: '/srv/./tmp/../files/' } },
      'files',
      'root',
      '/srv/files',
    ],
    ['files.chunkSize min', { files: { chunkSize: 4096 } }, 'files', 'chunkSize', 4096],
    ['files.chunkSize max', { files: { chunkSize: 268435456 } }, 'files', 'chunkSize', 268435456],
    ['files.shredPasses min', { files: { shredPasses: 1 } }, 'files', 'shredPasses', 1],
    ['files.shredPasses max', { files: { shredPasses: 35 } }, 'files', 'shredPasses', 35],
    ['files.durable', { files: { durable: true } }, 'files', 'durable', true],
    ['files.shred fallback', { files: { shred: 'fallback' } }, 'files', 'shred', 'fallback'],
  ])('accepts %s', (_label, input, section, field, value) => {
    expect(defineConfig(input)).toStrictEqual(defaultsWith(section, field, value));
  });

  it('matches charset names in any case', () => {
    expect(define({ crypto: { charset: 'UTF-8' } }).crypto.charset).toBe('utf8');
    expect(define({ crypto: { charset: 'Latin1' } }).crypto.charset).toBe('latin1');
  });

  it('accepts a Config as input and returns an equal, distinct one', () => {
    const config = defineConfig({ cache: { cluster: ['redis://a:1'] }, files: { root: '/srv' } });
    const again = defineConfig(config);
    expect(again).toStrictEqual(config);
    expect(again).not.toBe(config);
    expect(again.cache.cluster).not.toBe(config.cache.cluster);
  });
});

describe('defineConfig: invalid input', () => {
  const TTL = 'an integer number of seconds >= 1';
  const REDIS_URL = 'a redis:// or rediss:// URL';
  const DATABASE_URL = 'a postgres://, postgresql://, mariadb:// or mysql:// URL';
  const CHUNK = 'an integer number of bytes from 4096 (4 KiB) to 268435456 (256 MiB)';
  const BOOLEAN = 'a boolean (true or false)';
  const CHARSET = 'one of utf8, utf16le, latin1, ascii';

  it.each<[input: unknown, path: string, value: unknown, expected: string]>([
    [{ crypto: { hkdf: 'yes' } }, 'crypto.hkdf', 'yes', BOOLEAN],
    [{ crypto: { hkdf: 1 } }, 'crypto.hkdf', 1, BOOLEAN],
    [{ crypto: { hkdf: null } }, 'crypto.hkdf', null, BOOLEAN],
    [{ crypto: { hkdfInfo: '' } }, 'crypto.hkdfInfo', '', 'a non-empty string'],
    [{ crypto: { hkdfInfo: 42 } }, 'crypto.hkdfInfo', 42, 'a non-empty string'],
    [{ crypto: { associatedData: 7 } }, 'crypto.associatedData', 7, 'a string'],
    [{ crypto: { charset: 'utf-32' } }, 'crypto.charset', 'utf-32', CHARSET],
    [{ crypto: { charset: 'utf8 ' } }, 'crypto.charset', 'utf8 ', CHARSET],
    [{ crypto: { charset: 'hex' } }, 'crypto.charset', 'hex', CHARSET],
    [{ crypto: { format: 'V1' } }, 'crypto.format', 'V1', 'one of v1, raw'],
    [{ crypto: { format: 'v2' } }, 'crypto.format', 'v2', 'one of v1, raw'],
    [{ cache: { url: 'http://cache:6379' } }, 'cache.url', 'http://cache:6379', REDIS_URL],
    [{ cache: { url: 'cache:6379' } }, 'cache.url', 'cache:6379', REDIS_URL],
    [{ cache: { url: 'not a url' } }, 'cache.url', 'not a url', REDIS_URL],
    [{ cache: { url: 'redis://' } }, 'cache.url', 'redis://', REDIS_URL],
    [{ cache: { url: 'redis:cache' } }, 'cache.url', 'redis:cache', REDIS_URL],
    [{ cache: { url: 6379 } }, 'cache.url', 6379, REDIS_URL],
    [{ cache: { ttl: 0 } }, 'cache.ttl', 0, TTL],
    [{ cache: { ttl: -1 } }, 'cache.ttl', -1, TTL],
    [{ cache: { ttl: 1.5 } }, 'cache.ttl', 1.5, TTL],
    [{ cache: { ttl: '300' } }, 'cache.ttl', '300', TTL],
    [{ cache: { ttl: Number.NaN } }, 'cache.ttl', Number.NaN, TTL],
    [{ cache: { ttl: Number.POSITIVE_INFINITY } }, 'cache.ttl', Number.POSITIVE_INFINITY, TTL],
    [{ cache: { ttl: 2 ** 53 } }, 'cache.ttl', 2 ** 53, TTL],
    [{ cache: { ttl: 300n } }, 'cache.ttl', 300n, TTL],
    [{ cache: { prefix: '' } }, 'cache.prefix', '', 'a non-empty string without whitespace'],
    [
      { cache: { prefix: 'my app' } },
      'cache.prefix',
      'my app',
      'a non-empty string without whitespace',
    ],
    [
      { cache: { prefix: 'app\t' } },
      'cache.prefix',
      'app\t',
      'a non-empty string without whitespace',
    ],
    [
      { cache: { cluster: 'redis://a:1' } },
      'cache.cluster',
      'redis://a:1',
      'an array of redis:// or rediss:// URLs',
    ],
    [
      { cache: { cluster: ['redis://a:1', 'http://b:2'] } },
      'cache.cluster[1]',
      'http://b:2',
      REDIS_URL,
    ],
    [{ cache: { cluster: [''] } }, 'cache.cluster[0]', '', REDIS_URL],
    [{ database: { url: 'http://db/app' } }, 'database.url', 'http://db/app', DATABASE_URL],
    [
      { database: { url: 'sqlite:///tmp/app.db' } },
      'database.url',
      'sqlite:///tmp/app.db',
      DATABASE_URL,
    ],
    [{ database: { url: 'postgres:app' } }, 'database.url', 'postgres:app', DATABASE_URL],
    [{ database: { url: '' } }, 'database.url', '', DATABASE_URL],
    [{ database: { url: null } }, 'database.url', null, DATABASE_URL],
    [{ files: { root: 'srv/files' } }, 'files.root', 'srv/files', 'an absolute path'],
    [{ files: { root: './files' } }, 'files.root', './files', 'an absolute path'],
    [{ files: { root: '' } }, 'files.root', '', 'an absolute path'],
    [{ files: { root: '/srv/\0files' } }, 'files.root', '/srv/\0files', 'an absolute path'],
    [{ files: { root: 1 } }, 'files.root', 1, 'an absolute path'],
    [{ files: { chunkSize: 4095 } }, 'files.chunkSize', 4095, CHUNK],
    [{ files: { chunkSize: 268435457 } }, 'files.chunkSize', 268435457, CHUNK],
    [{ files: { chunkSize: 65536.5 } }, 'files.chunkSize', 65536.5, CHUNK],
    [{ files: { chunkSize: '1MiB' } }, 'files.chunkSize', '1MiB', CHUNK],
    [{ files: { shredPasses: 0 } }, 'files.shredPasses', 0, 'an integer from 1 to 35'],
    [{ files: { shredPasses: 36 } }, 'files.shredPasses', 36, 'an integer from 1 to 35'],
    [{ files: { shredPasses: 2.5 } }, 'files.shredPasses', 2.5, 'an integer from 1 to 35'],
    [{ files: { durable: 'false' } }, 'files.durable', 'false', BOOLEAN],
    [{ files: { durable: 0 } }, 'files.durable', 0, BOOLEAN],
    [{ files: { shred: 'Require' } }, 'files.shred', 'Require', 'one of require, fallback'],
    [{ files: { shred: 'best-effort' } }, 'files.shred', 'best-effort', 'one of require, fallback'],
    [
      { cache: 'redis://cache:6379' },
      'cache',
      'redis://cache:6379',
      'an object (the cache section)',
    ],
    [{ files: [] }, 'files', [], 'an object (the files section)'],
    [{ crypto: null }, 'crypto', null, 'an object (the crypto section)'],
    [42, '(root)', 42, 'an object with the sections crypto, cache, database, files'],
    [null, '(root)', null, 'an object with the sections crypto, cache, database, files'],
    [
      'cache.ttl=5',
      '(root)',
      'cache.ttl=5',
      'an object with the sections crypto, cache, database, files',
    ],
    [[], '(root)', [], 'an object with the sections crypto, cache, database, files'],
  ])('rejects %o at %s', (input, path, value, expected) => {
    const error = configErrorOf(() => define(input));
    expect(error.issues).toEqual([
      { path, value, expected: expect.stringContaining(expected), message: expect.any(String) },
    ]);
    const [issue] = error.issues;
    expect(issue?.message).toMatch(
      new RegExp(`^${escapeRegExp(path)}: received .+; expected ${escapeRegExp(expected)}`),
    );
    expect(error.message).toContain(`  - ${issue?.message}`);
  });

  it('reports every invalid field in one ConfigError, in order, and in the message', () => {
    const error = configErrorOf(() =>
      define({
        crypto: { charset: 'utf32', format: 'v2' },
        cache: { ttl: 0, cluster: ['redis://a:1', 'tcp://b:2', 'redis://c:3', 'c:4'] },
        database: { url: 'oracle://db' },
        files: { root: 'relative', shredPasses: 100 },
      }),
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(XError.is(error)).toBe(true);
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.issues.map((issue) => [issue.path, issue.value])).toEqual([
      ['crypto.charset', 'utf32'],
      ['crypto.format', 'v2'],
      ['cache.ttl', 0],
      ['cache.cluster[1]', 'tcp://b:2'],
      ['cache.cluster[3]', 'c:4'],
      ['database.url', 'oracle://db'],
      ['files.root', 'relative'],
      ['files.shredPasses', 100],
    ]);
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('Invalid configuration (8 issues):');
    expect(lines.slice(1)).toEqual(error.issues.map((issue) => `  - ${issue.message}`));
    expect(error.message).toContain(
      'cache.ttl: received 0; expected an integer number of seconds >= 1',
    );
    expect(error.message).toContain(
      'cache.cluster[3]: received "c:4"; expected a redis:// or rediss:// URL',
    );
  });
});

describe('defineConfig: unknown keys', () => {
  it('rejects a misspelt key, naming the known ones', () => {
    const error = configErrorOf(() => define({ cache: { tll: 60 } }));
    expect(error.issues).toEqual([
      {
        path: 'cache.tll',
        value: 60,
        expected: 'one of the known keys: url, ttl, prefix, cluster',
        message: 'cache.tll: unknown key; known keys: url, ttl, prefix, cluster',
      },
    ]);
  });

  it('rejects an unknown section, naming the known ones', () => {
    const error = configErrorOf(() => define({ caches: { ttl: 60 } }));
    expect(error.issues).toEqual([
      {
        path: 'caches',
        value: { ttl: 60 },
        expected: 'one of the known sections: crypto, cache, database, files',
        message: 'caches: unknown section; known sections: crypto, cache, database, files',
      },
    ]);
  });

  it('rejects an unknown key even when its value is undefined', () => {
    const error = configErrorOf(() => define({ files: { chunksize: undefined } }));
    expect(error.issues.map((issue) => issue.path)).toEqual(['files.chunksize']);
  });

  it('names the known keys of each section', () => {
    const error = configErrorOf(() =>
      define({ crypto: { key: 'k' }, database: { host: 'db' }, files: { dir: '/srv' } }),
    );
    expect(error.issues.map((issue) => issue.message)).toEqual([
      'crypto.key: unknown key; known keys: hkdf, hkdfInfo, associatedData, charset, format',
      'database.host: unknown key; known keys: url',
      'files.dir: unknown key; known keys: root, chunkSize, shredPasses, durable, shred',
    ]);
  });

  it('reports unknown keys together with invalid values', () => {
    const error = configErrorOf(() => define({ redis: {}, cache: { tll: 60, ttl: -5 } }));
    expect(error.issues.map((issue) => issue.path)).toEqual(['redis', 'cache.tll', 'cache.ttl']);
  });
});

describe('defineConfig: immutability', () => {
  it('returns a deeply frozen object: assigning throws', () => {
    const config = defineConfig({ cache: { cluster: ['redis://a:1'] } });
    expect(Object.isFrozen(config)).toBe(true);
    for (const section of Object.values(config)) expect(Object.isFrozen(section)).toBe(true);
    expect(Object.isFrozen(config.cache.cluster)).toBe(true);
    expect(() => {
      (config as { cache: unknown }).cache = {};
    }).toThrow(TypeError);
    expect(() => {
      (config.cache as { ttl: number }).ttl = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.cache.cluster as string[]).push('redis://b:2');
    }).toThrow(TypeError);
    expect(() => {
      (config.cache.cluster as string[])[0] = 'redis://b:2';
    }).toThrow(TypeError);
    expect(() => {
      delete (config.files as { root?: string }).root;
    }).toThrow(TypeError);
  });

  it('freezes the default cluster array too', () => {
    expect(Object.isFrozen(defineConfig().cache.cluster)).toBe(true);
  });

  it('does not mutate the input nor freeze it', () => {
    const input = {
      crypto: { charset: 'UTF-8' as const },
      cache: { cluster: ['redis://a:1', 'redis://b:2'] },
      files: { root: '/srv/./files/' },
    };
    const before = structuredClone(input);
    defineConfig(input);
    expect(input).toStrictEqual(before);
    expect(Object.isFrozen(input)).toBe(false);
    expect(Object.isFrozen(input.cache)).toBe(false);
    expect(Object.isFrozen(input.cache.cluster)).toBe(false);
  });

  it('shares no array with the input', () => {
    const cluster = ['redis://a:1'];
    const config = defineConfig({ cache: { cluster } });
    expect(config.cache.cluster).not.toBe(cluster);
    cluster.push('redis://b:2');
    expect(config.cache.cluster).toEqual(['redis://a:1']);
  });

  it('accepts a frozen input', () => {
    const input = Object.freeze({
      cache: Object.freeze({ cluster: Object.freeze(['redis://a:1']) }),
    });
    expect(defineConfig(input).cache.cluster).toEqual(['redis://a:1']);
  });

  it('returns fresh objects on every call', () => {
    const a = defineConfig();
    const b = defineConfig();
    expect(a).not.toBe(b);
    expect(a.cache).not.toBe(b.cache);
    expect(a.cache.cluster).not.toBe(b.cache.cluster);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
