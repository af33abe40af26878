import { ConfigError, defineConfig, XError } from '@x/config';
import { describe, expect, it } from 'vitest';
import { expectCryptoError, filled } from '../test/helpers.js';
import { CryptoError, type CryptoErrorCode } from './crypto-error.js';
import { EncryptionManager } from './encryption-manager.js';

type CryptoErrorModule = typeof import('./crypto-error.js');

/** Loads crypto-error.ts again as a separate module instance: a second installed copy. */
async function importCopy(): Promise<CryptoErrorModule> {
  const specifier = './crypto-error.js?copy=1';
  return (await import(specifier)) as CryptoErrorModule;
}

const KEY = filled(32, 0x11);
const OTHER_KEY = filled(32, 0x22);
const config = defineConfig();
const crypto = new EncryptionManager(config, KEY);

/** One real failure of the manager for each code. */
const failures: Readonly<Record<CryptoErrorCode, () => unknown>> = {
  INVALID_KEY: () => new EncryptionManager(config, filled(15, 1)),
  MALFORMED: () => crypto.decryptStr('not base64!'),
  DECRYPT_FAILED: () => new EncryptionManager(config, OTHER_KEY).decryptStr(crypto.encryptStr('x')),
  INVALID_INPUT: () => crypto.encryptInt(1.5),
};

describe('CryptoError', () => {
  it.each(Object.entries(failures))('%s: thrown as a CryptoError and an XError', (code, action) => {
    const error = expectCryptoError(action, code as CryptoErrorCode);
    expect(CryptoError.is(error)).toBe(true);
    expect(XError.is(error)).toBe(true);
    expect(error).toBeInstanceOf(CryptoError);
    expect(error).toBeInstanceOf(XError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('CryptoError');
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(20);
    expect(error.toJSON()).toEqual({ name: 'CryptoError', code, message: error.message });
    expect(ConfigError.is(error)).toBe(false);
  });

  it('is recognised by the XError and CryptoError checks of catch blocks', () => {
    let caught: unknown;
    try {
      crypto.decryptStr('AAAA');
    } catch (error) {
      caught = error;
    }
    expect(CryptoError.is(caught)).toBe(true);
    expect(XError.is(caught)).toBe(true);
    if (CryptoError.is(caught)) expect(caught.code).toBe('MALFORMED');
  });

  it('is recognised across two copies of the package', async () => {
    const copy = await importCopy();
    expect(copy.CryptoError).not.toBe(CryptoError);
    const fromCopy = new copy.CryptoError('DECRYPT_FAILED', 'from the other copy');
    expect(fromCopy).not.toBeInstanceOf(CryptoError);
    expect(CryptoError.is(fromCopy)).toBe(true);
    expect(copy.CryptoError.is(expectCryptoError(failures.MALFORMED, 'MALFORMED'))).toBe(true);
  });

  it('is not claimed for other errors', () => {
    expect(CryptoError.is(new Error('x'))).toBe(false);
    expect(CryptoError.is(new XError('DECRYPT_FAILED', 'x'))).toBe(false);
    expect(CryptoError.is(new ConfigError([]))).toBe(false);
    expect(CryptoError.is(null)).toBe(false);
    expect(CryptoError.is({ code: 'DECRYPT_FAILED', name: 'CryptoError' })).toBe(false);
  });

  it('keeps a cause when given one', () => {
    const cause = new Error('inner');
    const error = new CryptoError('DECRYPT_FAILED', 'outer', { cause });
    expect(error.cause).toBe(cause);
    expect(error.toJSON().cause).toBe('inner');
  });
});
