import { describe, expect, it } from 'vitest';
import { ConfigError, configIssue } from './config-error.js';
import { XError } from './x-error.js';

type ConfigErrorModule = typeof import('./config-error.js');

const issues = [
  configIssue('cache.ttl', -1, 'an integer number of seconds >= 1'),
  configIssue('X_FILES_SHRED', 'maybe', 'one of require, fallback'),
];

describe('configIssue', () => {
  it('builds a one-line message with the path, the value received and the expected form', () => {
    expect(
      configIssue('cache.prefix', 'a b', 'a non-empty string without whitespace'),
    ).toStrictEqual({
      path: 'cache.prefix',
      value: 'a b',
      expected: 'a non-empty string without whitespace',
      message: 'cache.prefix: received "a b"; expected a non-empty string without whitespace',
    });
  });
});

describe('ConfigError', () => {
  it('is an XError with code INVALID_CONFIG, named ConfigError', () => {
    const error = new ConfigError(issues);
    expect(error).toBeInstanceOf(XError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.name).toBe('ConfigError');
  });

  it('lists every issue in the message, one per line', () => {
    expect(new ConfigError(issues).message).toBe(
      [
        'Invalid configuration (2 issues):',
        '  - cache.ttl: received -1; expected an integer number of seconds >= 1',
        '  - X_FILES_SHRED: received "maybe"; expected one of require, fallback',
      ].join('\n'),
    );
  });

  it('says "1 issue" for a single one', () => {
    expect(new ConfigError(issues.slice(0, 1)).message).toMatch(
      /^Invalid configuration \(1 issue\):\n/,
    );
  });

  it('keeps a frozen copy of the issues', () => {
    const given = [...issues];
    const error = new ConfigError(given);
    given.pop();
    expect(error.issues).toStrictEqual(issues);
    expect(Object.isFrozen(error.issues)).toBe(true);
    expect(error.issues.every((issue) => Object.isFrozen(issue))).toBe(true);
  });

  it('masks the password of a URL in the message but keeps the raw value in the issue', () => {
    const url = 'http://app:s3cret@db.internal/app';
    const error = new ConfigError([configIssue('database.url', url, 'a postgres:// URL')]);
    expect(error.message).toContain('"http://app:***@db.internal/app"');
    expect(error.message).not.toContain('s3cret');
    expect(error.issues[0]?.value).toBe(url);
  });

  it('serialises with toJSON, message included', () => {
    expect(new ConfigError(issues).toJSON()).toStrictEqual({
      name: 'ConfigError',
      code: 'INVALID_CONFIG',
      message: new ConfigError(issues).message,
    });
  });

  it('is recognised by ConfigError.is and XError.is, and a plain XError is not a ConfigError', () => {
    const error = new ConfigError(issues);
    expect(ConfigError.is(error)).toBe(true);
    expect(XError.is(error)).toBe(true);
    expect(ConfigError.is(new XError('INVALID_CONFIG', 'x'))).toBe(false);
    expect(ConfigError.is({ code: 'INVALID_CONFIG', issues: [] })).toBe(false);
  });

  it('is recognised across two copies of the module', async () => {
    const specifier = './config-error.js?copy=2';
    const { ConfigError: Copy } = (await import(specifier)) as ConfigErrorModule;
    expect(Copy).not.toBe(ConfigError);
    expect(new Copy(issues)).not.toBeInstanceOf(ConfigError);
    expect(ConfigError.is(new Copy(issues))).toBe(true);
    expect(Copy.is(new ConfigError(issues))).toBe(true);
  });
});
