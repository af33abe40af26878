import { describe, expect, it } from 'vitest';
import { testRedisPrefix } from './redis-prefix.js';
import { DEFAULT_SERVICE_URLS, serviceUrls } from './service-urls.js';
import { sanitiseLabel, uniqueIdentifier } from './unique-name.js';
import { isLoopbackUrl, redactUrl, withDatabase } from './url.js';

describe('serviceUrls', () => {
  it('uses the local defaults when no variable is set', () => {
    expect(serviceUrls({})).toEqual({
      postgres: 'postgres://postgres@127.0.0.1:5432/test',
      mariadb: 'mariadb://root@127.0.0.1:3306/test',
      redis: 'redis://127.0.0.1:6379',
    });
    expect(serviceUrls({})).toEqual(DEFAULT_SERVICE_URLS);
  });

  it('reads DATABASE_URL, MARIADB_URL and REDIS_URL', () => {
    expect(
      serviceUrls({
        DATABASE_URL: 'postgres://app:pw@db.internal:6543/app',
        MARIADB_URL: 'mariadb://app@maria.internal:3307/app',
        REDIS_URL: 'redis://cache.internal:6380',
      }),
    ).toEqual({
      postgres: 'postgres://app:pw@db.internal:6543/app',
      mariadb: 'mariadb://app@maria.internal:3307/app',
      redis: 'redis://cache.internal:6380',
    });
  });

  it('ignores empty variables and overrides one service alone', () => {
    const urls = serviceUrls({ DATABASE_URL: '  ', REDIS_URL: 'redis://127.0.0.1:7000' });
    expect(urls.postgres).toBe(DEFAULT_SERVICE_URLS.postgres);
    expect(urls.mariadb).toBe(DEFAULT_SERVICE_URLS.mariadb);
    expect(urls.redis).toBe('redis://127.0.0.1:7000');
  });

  it('reads process.env by default', () => {
    expect(serviceUrls()).toEqual(serviceUrls(process.env));
  });
});

describe('URL helpers', () => {
  it('removes the password and nothing else', () => {
    expect(redactUrl('postgres://app:s3cret@db:5432/app?sslmode=require')).toBe(
      'postgres://app@db:5432/app?sslmode=require',
    );
    expect(redactUrl('redis://:s3cret@127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });

  it('tells loopback hosts from others', () => {
    for (const url of [
      'redis://127.0.0.1:6379',
      'redis://127.1.2.3',
      'redis://localhost:6379',
      'redis://[::1]:6379',
      'postgres:///test',
    ]) {
      expect(isLoopbackUrl(url), url).toBe(true);
    }
    for (const url of ['redis://10.0.0.1:6379', 'postgres://db.internal/test', 'not a url']) {
      expect(isLoopbackUrl(url), url).toBe(false);
    }
  });

  it('points a URL at another database', () => {
    expect(withDatabase('postgres://u:p@h:1/test?x=1', 'other')).toBe(
      'postgres://u:p@h:1/other?x=1',
    );
  });
});

describe('unique names', () => {
  it('builds xtest_<label>_<pid>_<random>, lowercase, at most 63 characters', () => {
    const name = uniqueIdentifier('My Cache: Tests!');
    expect(name).toMatch(new RegExp(`^xtest_my_cache_tests_${process.pid}_[0-9a-f]{8}$`));
    const long = uniqueIdentifier('x'.repeat(200));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^xtest_x+_\d+_[0-9a-f]{8}$/);
    expect(uniqueIdentifier()).toMatch(/^xtest_test_\d+_[0-9a-f]{8}$/);
    expect(uniqueIdentifier('a')).not.toBe(uniqueIdentifier('a'));
  });

  it('sanitises labels', () => {
    expect(sanitiseLabel('  Ünïcode -- Label  ')).toBe('n_code_label');
    expect(sanitiseLabel('___')).toBe('test');
    expect(sanitiseLabel(undefined, 'fallback')).toBe('fallback');
  });

  it('makes a unique Redis key prefix', () => {
    const prefix = testRedisPrefix('Session Store');
    expect(prefix).toMatch(new RegExp(`^xtest:session_store:${process.pid}:[0-9a-f]{8}:$`));
    expect(testRedisPrefix('Session Store')).not.toBe(prefix);
    expect(testRedisPrefix()).toMatch(/^xtest:test:\d+:[0-9a-f]{8}:$/);
  });
});
