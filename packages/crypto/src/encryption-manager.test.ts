import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { type Charset, ConfigError, type CryptoConfigInput, defineConfig, XError } from '@x/config';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { expectCryptoError, filled, openWithNode, sealWithNode, utf8 } from '../test/helpers.js';
import { CryptoError } from './crypto-error.js';
import { type CryptoSettings, EncryptionManager } from './encryption-manager.js';
import type { KeyInput } from './key-format.js';

const KEY = filled(32, 0x11);
const OLD_KEY = filled(32, 0x22);
const OLDER_KEY = filled(32, 0x33);
const FORMATS = ['v1', 'raw'] as const;

function manager(
  crypto: CryptoConfigInput = {},
  key: KeyInput = KEY,
  previousKeys?: readonly KeyInput[],
): EncryptionManager {
  const config = defineConfig({ crypto });
  return previousKeys === undefined
    ? new EncryptionManager(config, key)
    : new EncryptionManager(config, key, { previousKeys });
}

/** The AES key of `raw` payloads with the default HKDF settings. */
function aeadKeyOf(secret: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, new Uint8Array(0), 'x/crypto aead v1', 32));
}

function fromBase64(text: string): Buffer {
  return Buffer.from(text, 'base64');
}

describe.each(FORMATS)('round trips (%s)', (format) => {
  const crypto = manager({ format, associatedData: 'app' });

  it('bytes, strings, ints and booleans, with and without aad', () => {
    for (const options of [undefined, { aad: 'users.email:42' }, { aad: Buffer.of(0, 1, 2) }]) {
      const bytes = randomBytes(33);
      expect(crypto.decryptBytes(crypto.encryptBytes(bytes, options), options)).toEqual(bytes);
      expect(crypto.decryptStr(crypto.encryptStr('ada@example.com', options), options)).toBe(
        'ada@example.com',
      );
      expect(crypto.decryptInt(crypto.encryptInt(1234, options), options)).toBe(1234);
      expect(crypto.decryptBool(crypto.encryptBool(true, options), options)).toBe(true);
    }
  });

  it('returns standard padded Base64 from the string helpers', () => {
    for (const text of [crypto.encryptStr('x'), crypto.encryptInt(1), crypto.encryptBool(false)]) {
      expect(text).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
      expect(fromBase64(text).toString('base64')).toBe(text);
    }
  });

  it('returns bytes that are a Uint8Array from the byte helpers', () => {
    const payload = crypto.encryptBytes(utf8('x'));
    expect(payload).toBeInstanceOf(Uint8Array);
    expect(crypto.decryptBytes(payload)).toBeInstanceOf(Uint8Array);
    expect(crypto.decryptBytes(new Uint8Array(payload))).toEqual(utf8('x'));
  });

  it('reads a payload from a view into a larger buffer', () => {
    const payload = crypto.encryptBytes(utf8('inside'));
    const backing = new Uint8Array(payload.length + 20).fill(0xee);
    backing.set(payload, 7);
    const view = backing.subarray(7, 7 + payload.length);
    expect(Buffer.from(crypto.decryptBytes(view)).toString()).toBe('inside');
  });

  it('does not change its input', () => {
    const bytes = Buffer.from('unchanged');
    crypto.encryptBytes(bytes);
    expect(bytes.toString()).toBe('unchanged');
    const payload = Buffer.from(crypto.encryptBytes(bytes));
    const copy = Buffer.from(payload);
    crypto.decryptBytes(payload);
    expect(payload).toEqual(copy);
  });
});

describe.each(FORMATS)('edge values (%s)', (format) => {
  const crypto = manager({ format });

  it('empty string and empty bytes', () => {
    expect(crypto.decryptStr(crypto.encryptStr(''))).toBe('');
    expect(crypto.decryptBytes(crypto.encryptBytes(new Uint8Array(0)))).toEqual(Buffer.alloc(0));
  });

  it('16 MiB of bytes and a 16 MiB string', () => {
    const size = 16 * 1024 * 1024;
    const bytes = randomBytes(size);
    const payload = crypto.encryptBytes(bytes);
    expect(payload.length).toBe(size + (format === 'v1' ? 33 : 28));
    expect(Buffer.from(crypto.decryptBytes(payload)).equals(bytes)).toBe(true);

    // 'añ€😀' is 1 + 2 + 3 + 4 UTF-8 bytes; padded to exactly 16 MiB.
    const text = 'añ€😀'.repeat(Math.floor(size / 10)) + 'a'.repeat(size % 10);
    expect(Buffer.byteLength(text, 'utf8')).toBe(size);
    const decrypted = crypto.decryptStr(crypto.encryptStr(text));
    expect(decrypted.length).toBe(text.length);
    expect(decrypted === text).toBe(true);
  });

  it.each([
    ['an emoji', '😀'],
    ['a G clef (U+1D11E)', '𝄞'],
    ['a family (ZWJ sequence)', '👨‍👩‍👧‍👦'],
    ['mixed scripts', 'Ünïcödé – 日本語 – العربية – 𝄞 – 😀'],
    ['a NUL and control characters', 'a\u0000b\u0001\u007f\n'],
    ['a BOM', '\ufeffbom'],
  ])('non-BMP and unusual text: %s', (_what, text) => {
    expect(crypto.decryptStr(crypto.encryptStr(text))).toBe(text);
    expect(crypto.getHash(text)).toBe(crypto.getHash(utf8(text)));
  });

  it.each<[Charset, string, number]>([
    ['utf8', 'é😀𝄞', 2 + 4 + 4],
    ['utf16le', 'é😀𝄞', 2 + 4 + 4],
    ['latin1', 'café ÿ\u0000', 7],
    ['ascii', 'plain text ~\u0000\u007f', 14],
  ])('charset %s round trips %j in %i bytes', (charset, text, bytes) => {
    const withCharset = manager({ format, charset });
    const payload = withCharset.encryptStr(text);
    expect(fromBase64(payload).length).toBe(bytes + (format === 'v1' ? 33 : 28));
    expect(withCharset.decryptStr(payload)).toBe(text);
  });

  it('utf16le keeps a lone surrogate (UTF-16 can hold it)', () => {
    const utf16 = manager({ format, charset: 'utf16le' });
    expect(utf16.decryptStr(utf16.encryptStr('a\ud800b'))).toBe('a\ud800b');
  });

  it.each<[Charset, string]>([
    ['latin1', '€'],
    ['latin1', '😀'],
    ['latin1', 'ok until ā'],
    ['ascii', 'é'],
    ['ascii', 'ÿ'],
    ['ascii', '😀'],
    ['utf8', '\ud800'],
    ['utf8', 'lone low \udc00 surrogate'],
    ['utf8', 'reversed pair \ude00\ud83d'],
  ])('charset %s refuses %j with INVALID_INPUT (encrypt and getHash)', (charset, text) => {
    const withCharset = manager({ format, charset });
    expectCryptoError(() => withCharset.encryptStr(text), 'INVALID_INPUT');
    expectCryptoError(() => withCharset.getHash(text), 'INVALID_INPUT');
  });

  it('refuses bytes that are not text in the charset with INVALID_INPUT', () => {
    const notUtf8 = crypto.encryptBytes(Buffer.of(0x61, 0xff, 0x62));
    expectCryptoError(
      () => crypto.decryptStr(Buffer.from(notUtf8).toString('base64')),
      'INVALID_INPUT',
    );
    const ascii = manager({ format, charset: 'ascii' });
    const high = ascii.encryptBytes(Buffer.of(0x80));
    expectCryptoError(
      () => ascii.decryptStr(Buffer.from(high).toString('base64')),
      'INVALID_INPUT',
    );
    const utf16 = manager({ format, charset: 'utf16le' });
    const odd = utf16.encryptBytes(Buffer.of(0x61, 0x00, 0x62));
    expectCryptoError(() => utf16.decryptStr(Buffer.from(odd).toString('base64')), 'INVALID_INPUT');
  });

  it.each([
    0,
    1,
    -1,
    42,
    -123456789,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 32,
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
  ])('int %i round trips', (value) => {
    expect(crypto.decryptInt(crypto.encryptInt(value))).toBe(value);
  });

  it('int -0 reads back as 0', () => {
    expect(Object.is(crypto.decryptInt(crypto.encryptInt(-0)), 0)).toBe(true);
  });

  it.each<[string, unknown]>([
    ['MAX_SAFE_INTEGER + 1', Number.MAX_SAFE_INTEGER + 1],
    ['MIN_SAFE_INTEGER - 1', Number.MIN_SAFE_INTEGER - 1],
    ['2 ** 63', 2 ** 63],
    ['NaN', Number.NaN],
    ['1.5', 1.5],
    ['-0.1', -0.1],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['a numeric string', '42'],
    ['a bigint', 42n],
    ['a boolean', true],
    ['a Number object', Object(42)],
  ])('encryptInt refuses %s with INVALID_INPUT', (_what, value) => {
    expectCryptoError(() => crypto.encryptInt(value as number), 'INVALID_INPUT');
  });

  it('booleans round trip', () => {
    expect(crypto.decryptBool(crypto.encryptBool(true))).toBe(true);
    expect(crypto.decryptBool(crypto.encryptBool(false))).toBe(false);
  });
});

describe('integers and booleans on the wire', () => {
  it('v1 ints all have the same length, whatever their magnitude', () => {
    const crypto = manager();
    const values = [0, 1, -1, 255, 2 ** 40, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    const lengths = new Set(values.map((value) => crypto.encryptInt(value).length));
    expect(lengths).toEqual(new Set([crypto.encryptInt(0).length]));
    expect(fromBase64(crypto.encryptInt(0)).length).toBe(33 + 8);
  });

  it('raw ints are decimal text, raw booleans 1 and 0 (checked with node:crypto)', () => {
    const crypto = manager({ format: 'raw' });
    const key = aeadKeyOf(KEY);
    const open = (text: string): string => openWithNode(key, fromBase64(text)).toString('latin1');
    expect(open(crypto.encryptInt(0))).toBe('0');
    expect(open(crypto.encryptInt(-1))).toBe('-1');
    expect(open(crypto.encryptInt(Number.MAX_SAFE_INTEGER))).toBe('9007199254740991');
    expect(open(crypto.encryptInt(Number.MIN_SAFE_INTEGER))).toBe('-9007199254740991');
    expect(open(crypto.encryptInt(-0))).toBe('0');
    expect(open(crypto.encryptBool(true))).toBe('1');
    expect(open(crypto.encryptBool(false))).toBe('0');
  });

  it('raw decryptInt reads decimal text written by node:crypto and refuses anything else', () => {
    const crypto = manager({ format: 'raw' });
    const key = aeadKeyOf(KEY);
    const seal = (text: string): string => sealWithNode(key, utf8(text)).toString('base64');
    expect(crypto.decryptInt(seal('123'))).toBe(123);
    expect(crypto.decryptInt(seal('-45'))).toBe(-45);
    expect(crypto.decryptInt(seal('9007199254740991'))).toBe(Number.MAX_SAFE_INTEGER);
    expect(crypto.decryptInt(seal('-9007199254740991'))).toBe(Number.MIN_SAFE_INTEGER);
    for (const bad of [
      '',
      '1.5',
      '1e3',
      ' 1',
      '1 ',
      '+1',
      '0x10',
      'abc',
      '9007199254740992',
      '١٢',
    ]) {
      expectCryptoError(() => crypto.decryptInt(seal(bad)), 'INVALID_INPUT');
    }
  });

  it("raw decryptBool reads 'true', 'false', '1' and '0' written by node:crypto", () => {
    const crypto = manager({ format: 'raw' });
    const key = aeadKeyOf(KEY);
    const seal = (text: string): string => sealWithNode(key, utf8(text)).toString('base64');
    expect(crypto.decryptBool(seal('true'))).toBe(true);
    expect(crypto.decryptBool(seal('false'))).toBe(false);
    expect(crypto.decryptBool(seal('1'))).toBe(true);
    expect(crypto.decryptBool(seal('0'))).toBe(false);
    expect(crypto.decryptBool(seal('TRUE'))).toBe(true);
    expect(crypto.decryptBool(seal('False'))).toBe(false);
    for (const bad of ['', 'yes', 'no', '2', ' true', 't', '00']) {
      expectCryptoError(() => crypto.decryptBool(seal(bad)), 'INVALID_INPUT');
    }
  });

  it('v1 ints and booleans encrypt 8 bytes and 1 byte', () => {
    const crypto = manager();
    expect(fromBase64(crypto.encryptBool(true)).length).toBe(33 + 1);
    expect(fromBase64(crypto.encryptInt(Number.MIN_SAFE_INTEGER)).length).toBe(33 + 8);
  });
});

describe.each(FORMATS)('null and undefined (%s)', (format) => {
  const crypto = manager({ format });

  it('every method returns null for null and for undefined', () => {
    for (const nothing of [null, undefined]) {
      expect(crypto.encryptBytes(nothing)).toBeNull();
      expect(crypto.decryptBytes(nothing)).toBeNull();
      expect(crypto.encryptStr(nothing)).toBeNull();
      expect(crypto.decryptStr(nothing)).toBeNull();
      expect(crypto.encryptInt(nothing)).toBeNull();
      expect(crypto.decryptInt(nothing)).toBeNull();
      expect(crypto.encryptBool(nothing)).toBeNull();
      expect(crypto.decryptBool(nothing)).toBeNull();
      expect(crypto.getHash(nothing)).toBeNull();
      expect(crypto.encryptStr(nothing, { aad: 'x' })).toBeNull();
    }
  });
});

describe.each(FORMATS)('values of the wrong type (%s)', (format) => {
  const crypto = manager({ format });
  const payload = crypto.encryptStr('x');

  it.each<[string, () => unknown]>([
    ['encryptStr(number)', () => crypto.encryptStr(5 as never)],
    ['encryptStr(bytes)', () => crypto.encryptStr(utf8('x') as never)],
    ['encryptStr(object)', () => crypto.encryptStr({ toString: () => 'x' } as never)],
    ['encryptBytes(string)', () => crypto.encryptBytes('x' as never)],
    ['encryptBytes(array)', () => crypto.encryptBytes([1, 2, 3] as never)],
    ['encryptBytes(ArrayBuffer)', () => crypto.encryptBytes(new ArrayBuffer(4) as never)],
    ['encryptInt(string)', () => crypto.encryptInt('1' as never)],
    ['encryptBool(number)', () => crypto.encryptBool(1 as never)],
    ['encryptBool(string)', () => crypto.encryptBool('true' as never)],
    ['decryptStr(bytes)', () => crypto.decryptStr(fromBase64(payload) as never)],
    ['decryptStr(number)', () => crypto.decryptStr(5 as never)],
    ['decryptBytes(string)', () => crypto.decryptBytes(payload as never)],
    ['decryptInt(number)', () => crypto.decryptInt(5 as never)],
    ['decryptBool(boolean)', () => crypto.decryptBool(true as never)],
    ['getHash(number)', () => crypto.getHash(5 as never)],
    ['getHash(array)', () => crypto.getHash([1] as never)],
    ['aad: number', () => crypto.encryptStr('x', { aad: 5 as never })],
    ['aad: array', () => crypto.decryptStr(payload, { aad: [1] as never })],
    ['aad: null', () => crypto.encryptBytes(utf8('x'), { aad: null as never })],
  ])('%s throws INVALID_INPUT', (_call, call) => {
    expectCryptoError(call, 'INVALID_INPUT');
  });
});

describe('misuse by JavaScript callers (no compiler to help)', () => {
  it('options: null to the constructor is no options or an XError, never a bare TypeError', () => {
    let created: EncryptionManager | undefined;
    try {
      created = new EncryptionManager(defineConfig(), KEY, null as never);
    } catch (error) {
      expect(XError.is(error), String(error)).toBe(true);
    }
    if (created !== undefined) expect(created.previousKeyIds).toEqual([]);
  });

  it.each(FORMATS)(
    '%s: a bare string in place of { aad } is refused, not silently dropped',
    (format) => {
      const crypto = manager({ format });
      // encryptStr(value, 'users.email:42') instead of encryptStr(value, { aad: 'users.email:42' })
      expectCryptoError(() => crypto.encryptStr('x', 'users.email:42' as never), 'INVALID_INPUT');
      expectCryptoError(() => crypto.encryptBytes(utf8('x'), 'row 1' as never), 'INVALID_INPUT');
      const unbound = crypto.encryptStr('x');
      expectCryptoError(
        () => crypto.decryptStr(unbound, 'users.email:42' as never),
        'INVALID_INPUT',
      );
    },
  );

  it('options: null and undefined in a call are no options', () => {
    const crypto = manager();
    expect(crypto.decryptStr(crypto.encryptStr('x', undefined), null as never)).toBe('x');
  });
});

describe('getHash', () => {
  const crypto = manager();

  it('is 128 lowercase hex digits, deterministic and equal for equal input', () => {
    const hash = crypto.getHash('ada@example.com');
    expect(hash).toMatch(/^[0-9a-f]{128}$/);
    expect(crypto.getHash('ada@example.com')).toBe(hash);
    expect(manager().getHash('ada@example.com')).toBe(hash);
    expect(manager({ format: 'raw' }).getHash('ada@example.com')).toBe(hash);
    expect(crypto.getHash('ada@example.org')).not.toBe(hash);
    expect(crypto.getHash('')).toMatch(/^[0-9a-f]{128}$/);
  });

  it('differs between keys', () => {
    expect(manager({}, OLD_KEY).getHash('x')).not.toBe(crypto.getHash('x'));
  });

  it('hashes a string as its bytes in the charset', () => {
    expect(crypto.getHash('zoë 😀')).toBe(crypto.getHash(utf8('zoë 😀')));
    const latin1 = manager({ charset: 'latin1' });
    expect(latin1.getHash('zoë')).toBe(latin1.getHash(Buffer.from('zoë', 'latin1')));
    expect(latin1.getHash('zoë')).not.toBe(crypto.getHash('zoë'));
    expect(latin1.getHash(utf8('zoë'))).toBe(crypto.getHash(utf8('zoë')));
  });

  it('is HMAC-SHA-512 under HKDF(secret, empty salt, x/crypto lookup hash v1, 64)', () => {
    const macKey = hkdf(sha256, KEY, new Uint8Array(0), utf8('x/crypto lookup hash v1'), 64);
    for (const value of ['', 'ada@example.com', '😀']) {
      expect(crypto.getHash(value)).toBe(createHmac('sha512', macKey).update(value).digest('hex'));
    }
    const bytes = randomBytes(100);
    expect(crypto.getHash(bytes)).toBe(createHmac('sha512', macKey).update(bytes).digest('hex'));
  });

  it('does not depend on hkdf, hkdfInfo, associatedData or format', () => {
    const hash = crypto.getHash('x');
    for (const settings of [
      { hkdf: false },
      { hkdfInfo: 'other' },
      { associatedData: 'app' },
      { format: 'raw' as const },
    ]) {
      expect(manager(settings).getHash('x')).toBe(hash);
    }
  });

  it('uses the primary key after a rotation (hashes change with the key)', () => {
    const rotated = manager({}, OLD_KEY, [KEY]);
    expect(rotated.getHash('x')).toBe(manager({}, OLD_KEY).getHash('x'));
    expect(rotated.getHash('x')).not.toBe(crypto.getHash('x'));
  });

  it('getHashes gives the hash under the primary key, then under each previous key', () => {
    const rotated = manager({}, OLD_KEY, [KEY]);
    expect(rotated.getHashes('x')).toEqual([
      manager({}, OLD_KEY).getHash('x'),
      crypto.getHash('x'),
    ]);
    expect(crypto.getHashes('x')).toEqual([crypto.getHash('x')]);
    expect(crypto.getHashes(null)).toBeNull();
    expect(crypto.getHashes(undefined)).toBeNull();
  });
});

describe.each(FORMATS)('key rotation (%s)', (format) => {
  const before = manager({ format }, OLD_KEY);
  const old = {
    str: before.encryptStr('old secret', { aad: 'row 1' }),
    bytes: before.encryptBytes(utf8('old bytes')),
    int: before.encryptInt(-42),
    bool: before.encryptBool(true),
  };

  it('decrypts data of the old key with previousKeys', () => {
    const after = manager({ format }, KEY, [OLD_KEY]);
    expect(after.decryptStr(old.str, { aad: 'row 1' })).toBe('old secret');
    expect(Buffer.from(after.decryptBytes(old.bytes)).toString()).toBe('old bytes');
    expect(after.decryptInt(old.int)).toBe(-42);
    expect(after.decryptBool(old.bool)).toBe(true);
  });

  it('decrypts data of any previous key, whatever its place in the list', () => {
    const after = manager({ format }, KEY, [OLDER_KEY, OLD_KEY]);
    expect(after.decryptStr(old.str, { aad: 'row 1' })).toBe('old secret');
    const older = manager({ format }, OLDER_KEY).encryptStr('older');
    expect(after.decryptStr(older)).toBe('older');
    expect(after.decryptStr(after.encryptStr('new'))).toBe('new');
  });

  it('encrypts new data with the new key only', () => {
    const after = manager({ format }, KEY, [OLD_KEY]);
    const fresh = after.encryptStr('new');
    expect(manager({ format }, KEY).decryptStr(fresh)).toBe('new');
    expectCryptoError(() => manager({ format }, OLD_KEY).decryptStr(fresh), 'DECRYPT_FAILED');
  });

  it('refuses data of the old key without it: DECRYPT_FAILED', () => {
    const after = manager({ format }, KEY);
    expectCryptoError(() => after.decryptStr(old.str, { aad: 'row 1' }), 'DECRYPT_FAILED');
    expectCryptoError(() => after.decryptInt(old.int), 'DECRYPT_FAILED');
  });

  it('still checks the aad of old data', () => {
    const after = manager({ format }, KEY, [OLD_KEY]);
    expectCryptoError(() => after.decryptStr(old.str, { aad: 'row 2' }), 'DECRYPT_FAILED');
  });

  it('exposes keyId and previousKeyIds in the order given', () => {
    const after = manager({ format }, KEY, [OLDER_KEY, OLD_KEY]);
    expect(after.keyId).toBe(manager({}, KEY).keyId);
    expect(after.previousKeyIds).toEqual([manager({}, OLDER_KEY).keyId, before.keyId]);
    expect(manager({ format }).previousKeyIds).toEqual([]);
    expect(manager({ format }, KEY, []).previousKeyIds).toEqual([]);
  });

  it.each<[string, KeyInput, KeyInput[]]>([
    ['the primary key again', KEY, [OLD_KEY, KEY]],
    ['one previous key twice', KEY, [OLD_KEY, OLD_KEY]],
    ['one key as bytes and as hex', KEY, [OLD_KEY, Buffer.from(OLD_KEY).toString('hex')]],
  ])('refuses %s with INVALID_KEY', (_what, key, previousKeys) => {
    const { message } = expectCryptoError(
      () => manager({ format }, key, previousKeys),
      'INVALID_KEY',
    );
    expect(message).toMatch(/previousKeys\[\d\] has the id [0-9a-f]{8}/);
    expect(message).not.toContain(Buffer.from(OLD_KEY).toString('hex'));
    expect(message).not.toContain(Buffer.from(KEY).toString('hex'));
  });
});

describe('key rotation specifics', () => {
  it('v1: new payloads carry the new key id in bytes 1 to 4', () => {
    const after = manager({}, KEY, [OLD_KEY]);
    const payload = Buffer.from(after.encryptBytes(utf8('x')));
    expect(payload.subarray(1, 5).toString('hex')).toBe(after.keyId);
    expect(fromBase64(after.encryptStr('x')).subarray(1, 5).toString('hex')).toBe(after.keyId);
    expect(after.keyId).not.toBe(manager({}, OLD_KEY).keyId);
  });

  it('v1: without the old key, the message names the missing key id', () => {
    const oldId = manager({}, OLD_KEY).keyId;
    const payload = manager({}, OLD_KEY).encryptStr('x');
    const after = manager({}, KEY, [OLDER_KEY]);
    const { message } = expectCryptoError(() => after.decryptStr(payload), 'DECRYPT_FAILED');
    expect(message).toContain(oldId);
    expect(message).toContain('previousKeys');
  });

  it('raw: tries the primary key, then each previous key (node:crypto data of an old key)', () => {
    const after = manager({ format: 'raw' }, KEY, [OLDER_KEY, OLD_KEY]);
    const fromOld = sealWithNode(aeadKeyOf(OLD_KEY), utf8('from the old service'));
    expect(Buffer.from(after.decryptBytes(fromOld)).toString()).toBe('from the old service');
    const { message } = expectCryptoError(
      () => manager({ format: 'raw' }, KEY, [OLDER_KEY]).decryptBytes(fromOld),
      'DECRYPT_FAILED',
    );
    expect(message).toContain('2 key(s)');
  });

  it('raw with hkdf off: a previous key of another AES size', () => {
    const config = { format: 'raw', hkdf: false } as const;
    const oldKey = filled(16, 0x77);
    const fromOld = sealWithNode(oldKey, utf8('aes-128 data'));
    const after = manager(config, KEY, [oldKey]);
    expect(Buffer.from(after.decryptBytes(fromOld)).toString()).toBe('aes-128 data');
    expect(openWithNode(KEY, after.encryptBytes(utf8('now aes-256'))).toString()).toBe(
      'now aes-256',
    );
  });
});

describe('configuration misuse', () => {
  it('refuses a config without a crypto section with a ConfigError', () => {
    for (const config of [{}, null, undefined, { crypto: null }, { crypto: 'v1' }]) {
      let error: unknown;
      try {
        new EncryptionManager(config as unknown as CryptoSettings, KEY);
      } catch (caught) {
        error = caught;
      }
      expect(ConfigError.is(error)).toBe(true);
      expect(XError.is(error)).toBe(true);
      expect(CryptoError.is(error)).toBe(false);
      const issues = (error as ConfigError).issues;
      expect(issues.map((issue) => issue.path)).toEqual(['crypto']);
      expect((error as ConfigError).message).toContain('defineConfig');
    }
  });

  it("refuses format 'v2' with a ConfigError listing crypto.format", () => {
    const create = (config: unknown) => () => new EncryptionManager(config as CryptoSettings, KEY);
    expect(create({ crypto: { format: 'v2' } })).toThrow(ConfigError);
    try {
      create({ crypto: { ...defineConfig().crypto, format: 'v2' } })();
      expect.fail('accepted format v2');
    } catch (error) {
      expect(ConfigError.is(error)).toBe(true);
      const { issues, message } = error as ConfigError;
      expect(issues.map((issue) => issue.path)).toEqual(['crypto.format']);
      expect(message).toContain('crypto.format');
      expect(message).toContain("'v1' or 'raw'");
    }
  });

  it('lists every invalid field of a hand-made crypto section', () => {
    try {
      new EncryptionManager(
        {
          crypto: { format: 'v2', hkdf: 'yes', hkdfInfo: '', charset: 'utf-8' },
        } as unknown as CryptoSettings,
        KEY,
      );
      expect.fail('accepted an invalid crypto section');
    } catch (error) {
      expect(ConfigError.is(error)).toBe(true);
      expect((error as ConfigError).issues.map((issue) => issue.path)).toEqual([
        'crypto.hkdf',
        'crypto.hkdfInfo',
        'crypto.associatedData',
        'crypto.charset',
        'crypto.format',
      ]);
    }
  });

  it("defineConfig itself refuses format 'v2'", () => {
    expect(() => defineConfig({ crypto: { format: 'v2' } } as never)).toThrow(ConfigError);
    try {
      defineConfig({ crypto: { format: 'v2' } } as never);
    } catch (error) {
      expect((error as ConfigError).issues.map((issue) => issue.path)).toContain('crypto.format');
    }
  });

  it('checks the config before the key', () => {
    expect(() => new EncryptionManager({} as CryptoSettings, 'not a key')).toThrow(ConfigError);
  });
});

describe('types', () => {
  const crypto = manager();
  const maybeText = 'x' as string | null;

  it('maps a value to its payload type and null to null', () => {
    expectTypeOf(crypto.encryptStr('x')).toEqualTypeOf<string>();
    expectTypeOf(crypto.encryptStr(null)).toEqualTypeOf<null>();
    expectTypeOf(crypto.encryptStr(undefined)).toEqualTypeOf<null>();
    expectTypeOf(crypto.encryptStr(maybeText)).toEqualTypeOf<string | null>();
    expectTypeOf(crypto.decryptStr(crypto.encryptStr('x'))).toEqualTypeOf<string>();
    expectTypeOf(crypto.decryptStr(null)).toEqualTypeOf<null>();
    expectTypeOf(crypto.encryptBytes(utf8('x'))).toEqualTypeOf<Uint8Array>();
    expectTypeOf(crypto.encryptBytes(null)).toEqualTypeOf<null>();
    expectTypeOf(crypto.decryptBytes(crypto.encryptBytes(utf8('x')))).toEqualTypeOf<Uint8Array>();
    expectTypeOf(crypto.encryptInt(1)).toEqualTypeOf<string>();
    expectTypeOf(crypto.encryptInt(null)).toEqualTypeOf<null>();
    expectTypeOf(crypto.decryptInt(crypto.encryptInt(1))).toEqualTypeOf<number>();
    expectTypeOf(crypto.decryptInt(undefined)).toEqualTypeOf<null>();
    expectTypeOf(crypto.encryptBool(true)).toEqualTypeOf<string>();
    expectTypeOf(crypto.decryptBool(crypto.encryptBool(true))).toEqualTypeOf<boolean>();
    expectTypeOf(crypto.decryptBool(null)).toEqualTypeOf<null>();
    expectTypeOf(crypto.getHash('x')).toEqualTypeOf<string>();
    expectTypeOf(crypto.getHash(utf8('x'))).toEqualTypeOf<string>();
    expectTypeOf(crypto.getHash(null)).toEqualTypeOf<null>();
    expectTypeOf(crypto.keyId).toEqualTypeOf<string>();
    expectTypeOf(crypto.previousKeyIds).toEqualTypeOf<readonly string[]>();
  });

  it('rejects wrong argument types at compile time', () => {
    // Never called: the checks are the @ts-expect-error lines, verified by tsc.
    const compileOnly = (): void => {
      // @ts-expect-error a number is not a string
      crypto.encryptStr(5);
      // @ts-expect-error a string is not bytes
      crypto.encryptBytes('x');
      // @ts-expect-error a string is not an int
      crypto.encryptInt('5');
      // @ts-expect-error a number is not a boolean
      crypto.encryptBool(1);
      // @ts-expect-error decryptStr takes Base64 text
      crypto.decryptStr(utf8('x'));
      // @ts-expect-error aad is a string or bytes
      crypto.encryptStr('x', { aad: 5 });
      // @ts-expect-error the config is the result of defineConfig()
      new EncryptionManager({}, KEY);
      // @ts-expect-error a key is bytes or text
      new EncryptionManager(defineConfig(), 42);
    };
    expect(typeof compileOnly).toBe('function');
  });
});

describe('hardening found in review', () => {
  it('returns payloads that own their memory (not slices of the shared buffer pool)', () => {
    for (const format of FORMATS) {
      const crypto = manager({ format });
      crypto.encryptStr('an earlier secret value');
      const payload = crypto.encryptBytes(utf8('x'));
      expect(payload.buffer.byteLength).toBe(payload.byteLength);
    }
  });

  it('refuses options that are not { previousKeys }', () => {
    for (const options of [[OLD_KEY], { previousKey: [OLD_KEY] }, 'x']) {
      expectCryptoError(
        () => new EncryptionManager(defineConfig(), KEY, options as never),
        'INVALID_INPUT',
      );
    }
    expect(new EncryptionManager(defineConfig(), KEY, null).previousKeyIds).toEqual([]);
  });

  it('refuses an aad string with a lone surrogate (it would bind like U+FFFD)', () => {
    const crypto = manager();
    expectCryptoError(() => crypto.encryptStr('v', { aad: 'users.name:\uD800' }), 'INVALID_INPUT');
    expectCryptoError(
      () => crypto.decryptStr(crypto.encryptStr('v'), { aad: '\uDBFF' }),
      'INVALID_INPUT',
    );
  });

  it('refuses an hkdfInfo equal to the info of the key id or the MAC key', () => {
    for (const hkdfInfo of ['x/crypto key id v1', 'x/crypto lookup hash v1']) {
      let error: unknown;
      try {
        new EncryptionManager(defineConfig({ crypto: { hkdfInfo } }), KEY);
      } catch (caught) {
        error = caught;
      }
      expect(ConfigError.is(error)).toBe(true);
      expect((error as ConfigError).issues.map((issue) => issue.path)).toEqual(['crypto.hkdfInfo']);
    }
  });
});
