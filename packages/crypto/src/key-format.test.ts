import { defineConfig } from '@x/config';
import { describe, expect, it } from 'vitest';
import { expectCryptoError, filled, hex } from '../test/helpers.js';
import { EncryptionManager } from './encryption-manager.js';
import { type KeyInput, parseKey } from './key-format.js';

/** gocryptfs prints a master key like this when it creates a file system. */
const GOCRYPTFS_PRINTED =
  'b4d8b25c-324dd6ea-a328c990-6e8a2a3c-\n6038552a-042ced43-26cfff21-0c62957a';
const GOCRYPTFS_HEX = 'b4d8b25c324dd6eaa328c9906e8a2a3c6038552a042ced4326cfff210c62957a';

/** Key text used in refusals: must not appear in any message (unlike the documented example). */
const SECRET_HEX = '5ec7e75ec7e75ec7e75ec7e75ec7e75e';

function keyHex(key: KeyInput): string {
  return Buffer.from(parseKey(key)).toString('hex');
}

describe('parseKey', () => {
  it.each([16, 24, 32])('accepts %i bytes and returns a copy', (length) => {
    const key = Uint8Array.from({ length }, (_, i) => i + 1);
    const parsed = parseKey(key);
    expect(parsed).toEqual(key);
    expect(parsed).not.toBe(key);
    parsed.fill(0);
    expect(key[0]).toBe(1);
  });

  it('accepts a Buffer and a Uint8Array view into a larger buffer', () => {
    expect(keyHex(hex(GOCRYPTFS_HEX))).toBe(GOCRYPTFS_HEX);
    const backing = new Uint8Array(64).fill(0xaa);
    backing.set(hex(GOCRYPTFS_HEX), 16);
    expect(keyHex(backing.subarray(16, 48))).toBe(GOCRYPTFS_HEX);
  });

  it.each([
    ['on two lines, as printed', GOCRYPTFS_PRINTED],
    ['on one line', GOCRYPTFS_PRINTED.replace('\n', '')],
    ['in upper case', GOCRYPTFS_PRINTED.toUpperCase()],
    ['with extra spaces', `  ${GOCRYPTFS_PRINTED.replaceAll('-', ' - ')}  `],
    ['with CRLF and a trailing newline', `${GOCRYPTFS_PRINTED.replace('\n', '\r\n')}\n`],
    ['with tabs and no trailing dash', GOCRYPTFS_PRINTED.replace('-\n', '\t\n\t')],
    ['as plain lower-case hex', GOCRYPTFS_HEX],
    ['as plain upper-case hex', GOCRYPTFS_HEX.toUpperCase()],
  ])("reads gocryptfs's master key %s", (_form, text) => {
    expect(keyHex(text)).toBe(GOCRYPTFS_HEX);
  });

  it.each([32, 48, 64])('reads %i hex digits', (digits) => {
    const text = 'a1'.repeat(digits / 2);
    expect(keyHex(text)).toBe(text);
  });

  it.each<[string, unknown]>([
    ['15 bytes', filled(15, 7)],
    ['33 bytes', filled(33, 7)],
    ['0 bytes', new Uint8Array(0)],
    ['64 bytes', filled(64, 7)],
    ['30 hex digits', SECRET_HEX.slice(2)],
    ['66 hex digits', `${SECRET_HEX}${SECRET_HEX}ab`],
    ['odd hex (63 digits)', `${SECRET_HEX}${SECRET_HEX}`.slice(1)],
    ['an empty string', ''],
    ['only dashes and spaces', '-- --\n'],
    ['text that is not hex', `${SECRET_HEX.slice(0, 30)}zz`],
    ['a key with a 0x prefix', `0x${SECRET_HEX}`],
    ['Base64 text', Buffer.from(SECRET_HEX, 'hex').toString('base64')],
    ['a number', 1234567890],
    ['a bigint', 2n ** 128n - 1n],
    ['null', null],
    ['undefined', undefined],
    ['an array of byte values', Array.from(filled(32, 7))],
    ['an ArrayBuffer', new ArrayBuffer(32)],
    ['a plain object', { key: SECRET_HEX }],
  ])('refuses %s with INVALID_KEY', (_what, key) => {
    const error = expectCryptoError(() => parseKey(key as KeyInput), 'INVALID_KEY');
    expect(error.message).toMatch(/^key /);
    expect(error.message).toContain('16, 24 or 32 bytes');
    expect(error.message).toContain('Uint8Array');
    expect(error.message).toContain('hex digits');
    expect(error.message).toContain('gocryptfs');
  });

  it('never repeats the key text in a refusal', () => {
    const texts = [
      SECRET_HEX.slice(2),
      `${SECRET_HEX}${SECRET_HEX}ab`,
      `${SECRET_HEX}${SECRET_HEX}`.slice(1),
      `${SECRET_HEX.slice(0, 30)}zz`,
      `0x${SECRET_HEX}`,
      'correct horse battery staple',
    ];
    for (const text of texts) {
      const { message } = expectCryptoError(() => parseKey(text), 'INVALID_KEY');
      expect(message).not.toContain(text);
      expect(message.toLowerCase()).not.toContain(SECRET_HEX.slice(4, 16));
      expect(message).not.toContain('horse');
    }
  });

  it('names the key it refuses with the label', () => {
    const { message } = expectCryptoError(
      () => parseKey(filled(10, 1), 'previousKeys[2]'),
      'INVALID_KEY',
    );
    expect(message).toMatch(/^previousKeys\[2\] is 10 bytes long/);
  });
});

describe('keys of EncryptionManager', () => {
  const v1 = defineConfig();
  const raw = defineConfig({ crypto: { format: 'raw' } });

  it.each([16, 24, 32])('takes a %i-byte key, with and without HKDF', (length) => {
    const key = filled(length, 0x42);
    for (const crypto of [
      { hkdf: true },
      { hkdf: false },
      { hkdf: false, format: 'raw' },
    ] as const) {
      const manager = new EncryptionManager(defineConfig({ crypto }), key);
      expect(manager.decryptStr(manager.encryptStr('value'))).toBe('value');
    }
  });

  it('gives the same key id for the same key as bytes, hex and gocryptfs text', () => {
    const forms: KeyInput[] = [
      hex(GOCRYPTFS_HEX),
      GOCRYPTFS_HEX,
      GOCRYPTFS_HEX.toUpperCase(),
      GOCRYPTFS_PRINTED,
      GOCRYPTFS_PRINTED.replace('\n', ' '),
    ];
    const ids = forms.map((key) => new EncryptionManager(v1, key).keyId);
    expect(new Set(ids).size).toBe(1);
  });

  it('decrypts across the forms of one key, in both formats', () => {
    for (const config of [v1, raw]) {
      const fromBytes = new EncryptionManager(config, hex(GOCRYPTFS_HEX));
      const fromHex = new EncryptionManager(config, GOCRYPTFS_HEX);
      const fromPrinted = new EncryptionManager(config, GOCRYPTFS_PRINTED);
      expect(fromHex.decryptStr(fromBytes.encryptStr('a'))).toBe('a');
      expect(fromPrinted.decryptStr(fromHex.encryptStr('b'))).toBe('b');
      expect(fromBytes.decryptStr(fromPrinted.encryptStr('c'))).toBe('c');
      expect(fromPrinted.getHash('d')).toBe(fromBytes.getHash('d'));
    }
  });

  it('has a key id of 8 lowercase hex digits, stable for a key and distinct between keys', () => {
    const first = new EncryptionManager(v1, filled(32, 1)).keyId;
    expect(first).toMatch(/^[0-9a-f]{8}$/);
    expect(new EncryptionManager(v1, filled(32, 1)).keyId).toBe(first);
    expect(new EncryptionManager(raw, filled(32, 1)).keyId).toBe(first);
    const others = [filled(32, 2), filled(16, 1), filled(24, 1), hex(GOCRYPTFS_HEX)].map(
      (key) => new EncryptionManager(v1, key).keyId,
    );
    expect(new Set([first, ...others]).size).toBe(5);
  });

  it("neither wipes nor keeps a reference to the caller's key bytes", () => {
    const key = filled(32, 9);
    const manager = new EncryptionManager(v1, key, { previousKeys: [filled(32, 8)] });
    expect(key).toEqual(filled(32, 9));
    const payload = manager.encryptStr('value');
    key.fill(0);
    expect(manager.decryptStr(payload)).toBe('value');
    expect(new EncryptionManager(v1, filled(32, 9)).decryptStr(payload)).toBe('value');
  });

  it.each<[string, unknown]>([
    ['15 bytes', filled(15, 3)],
    ['33 bytes', filled(33, 3)],
    ['odd hex', SECRET_HEX.slice(1)],
    ['non-hex text', `${SECRET_HEX.slice(0, 31)}g`],
    ['a number', 42],
    ['null', null],
    ['an array', [SECRET_HEX]],
  ])('refuses %s as the key with INVALID_KEY', (_what, key) => {
    const { message } = expectCryptoError(
      () => new EncryptionManager(v1, key as KeyInput),
      'INVALID_KEY',
    );
    expect(message).toContain('16, 24 or 32 bytes');
    expect(message).toContain('gocryptfs');
    expect(message).not.toContain(SECRET_HEX.slice(0, 12));
  });

  it('refuses a bad previous key, naming its index but not its text', () => {
    const { message } = expectCryptoError(
      () =>
        new EncryptionManager(v1, filled(32, 1), {
          previousKeys: [filled(32, 2), `${SECRET_HEX}zz`],
        }),
      'INVALID_KEY',
    );
    expect(message).toMatch(/^previousKeys\[1\] /);
    expect(message).not.toContain(SECRET_HEX.slice(0, 12));
  });

  it('refuses previousKeys that is not an array', () => {
    const options = { previousKeys: filled(32, 2) } as unknown as { previousKeys: KeyInput[] };
    expectCryptoError(() => new EncryptionManager(v1, filled(32, 1), options), 'INVALID_KEY');
  });
});
