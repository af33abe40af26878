import { createHmac, hkdfSync } from 'node:crypto';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { defineConfig } from '@x/config';
import { describe, expect, it } from 'vitest';
import {
  expectCryptoError,
  filled,
  hex,
  openWithNode,
  sealWithNode,
  utf8,
} from '../test/helpers.js';
import { EncryptionManager } from './encryption-manager.js';
import { deriveKeys, hkdfSha256, KEY_ID_INFO, MAC_KEY_INFO } from './key-derivation.js';

/** gocryptfs's content key for the master key 32 × 0x01 (its published test value). */
const GOCRYPTFS_INFO = 'AES-GCM file content encryption';
const GOCRYPTFS_CONTENT_KEY = '9137f2e67a842484137f3c458f357f204c30d7458f94f432fa989be96854a649';
const GOCRYPTFS_MASTER_KEY = filled(32, 0x01);

const EMPTY = new Uint8Array(0);

/** HKDF-SHA256 with an empty salt through node:crypto: an implementation the package does not use. */
function nodeHkdf(secret: Uint8Array, info: string, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, EMPTY, info, length));
}

describe('hkdfSha256', () => {
  it("derives gocryptfs's content key", () => {
    const key = hkdfSha256(GOCRYPTFS_MASTER_KEY, GOCRYPTFS_INFO, 32);
    expect(Buffer.from(key).toString('hex')).toBe(GOCRYPTFS_CONTENT_KEY);
  });

  it.each([
    ['x/crypto aead v1', 32],
    [MAC_KEY_INFO, 64],
    [KEY_ID_INFO, 4],
    ['ünïcödé info 🔑', 48],
  ] as const)('matches node:crypto hkdfSync for info %j, %i bytes', (info, length) => {
    for (const secret of [filled(16, 3), filled(24, 4), hex(GOCRYPTFS_CONTENT_KEY)]) {
      expect(Buffer.from(hkdfSha256(secret, info, length))).toEqual(nodeHkdf(secret, info, length));
    }
  });

  it('uses an empty salt, which HKDF treats as 32 zero bytes', () => {
    const secret = filled(32, 5);
    const withZeroSalt = hkdf(sha256, secret, new Uint8Array(32), utf8('info'), 32);
    expect(hkdfSha256(secret, 'info', 32)).toEqual(withZeroSalt);
  });
});

describe('deriveKeys', () => {
  const secret = filled(32, 0x11);

  it('with HKDF: the AEAD key is HKDF(secret, hkdfInfo, 32)', () => {
    const keys = deriveKeys(secret, true, 'x/crypto aead v1');
    expect(Buffer.from(keys.aeadKey)).toEqual(nodeHkdf(secret, 'x/crypto aead v1', 32));
  });

  it('without HKDF: the AEAD key is the secret, of any AES length', () => {
    for (const length of [16, 24, 32]) {
      const raw = filled(length, 0x22);
      expect(deriveKeys(raw, false, 'ignored').aeadKey).toEqual(raw);
    }
  });

  it('derives a 64-byte MAC key and a 4-byte key id, each with its own info', () => {
    for (const useHkdf of [true, false]) {
      const keys = deriveKeys(secret, useHkdf, 'x/crypto aead v1');
      expect(Buffer.from(keys.macKey)).toEqual(nodeHkdf(secret, MAC_KEY_INFO, 64));
      expect(Buffer.from(keys.keyId)).toEqual(nodeHkdf(secret, KEY_ID_INFO, 4));
    }
  });

  it('never uses one key for two purposes', () => {
    const keys = deriveKeys(secret, true, 'x/crypto aead v1');
    const aead = Buffer.from(keys.aeadKey).toString('hex');
    const mac = Buffer.from(keys.macKey).toString('hex');
    expect(new Set([MAC_KEY_INFO, KEY_ID_INFO, 'x/crypto aead v1']).size).toBe(3);
    expect(mac).not.toContain(aead);
    expect(aead).not.toBe(Buffer.from(secret).toString('hex'));
    expect(mac.slice(0, 64)).not.toBe(aead);
    expect(deriveKeys(secret, false, 'x').macKey).toEqual(keys.macKey);
  });
});

describe('HKDF wiring of EncryptionManager', () => {
  const gocryptfsRaw = defineConfig({ crypto: { hkdfInfo: GOCRYPTFS_INFO, format: 'raw' } });

  it("encrypts under gocryptfs's content key: node:crypto opens its raw payloads", () => {
    const manager = new EncryptionManager(gocryptfsRaw, GOCRYPTFS_MASTER_KEY);
    const payload = manager.encryptBytes(utf8('file content'));
    expect(openWithNode(hex(GOCRYPTFS_CONTENT_KEY), payload).toString('utf8')).toBe('file content');
    const withAad = manager.encryptStr('with aad', { aad: 'block 7' });
    const opened = openWithNode(
      hex(GOCRYPTFS_CONTENT_KEY),
      Buffer.from(withAad, 'base64'),
      utf8('block 7'),
    );
    expect(opened.toString('utf8')).toBe('with aad');
  });

  it("decrypts what node:crypto encrypts under gocryptfs's content key", () => {
    const manager = new EncryptionManager(gocryptfsRaw, GOCRYPTFS_MASTER_KEY);
    const payload = sealWithNode(hex(GOCRYPTFS_CONTENT_KEY), utf8('written elsewhere'));
    expect(Buffer.from(manager.decryptBytes(payload)).toString('utf8')).toBe('written elsewhere');
  });

  it('does not use the master key itself as the AES key when hkdf is on', () => {
    const manager = new EncryptionManager(gocryptfsRaw, GOCRYPTFS_MASTER_KEY);
    const payload = sealWithNode(GOCRYPTFS_MASTER_KEY, utf8('x'));
    expectCryptoError(() => manager.decryptBytes(payload), 'DECRYPT_FAILED');
    expect(() => openWithNode(GOCRYPTFS_MASTER_KEY, manager.encryptBytes(utf8('x')))).toThrow();
  });

  it('derives the AEAD key with the default hkdfInfo, x/crypto aead v1', () => {
    const secret = filled(32, 0x33);
    const manager = new EncryptionManager(defineConfig({ crypto: { format: 'raw' } }), secret);
    const aeadKey = nodeHkdf(secret, 'x/crypto aead v1', 32);
    expect(openWithNode(aeadKey, manager.encryptBytes(utf8('v'))).toString()).toBe('v');
  });

  it('does not decrypt under another hkdfInfo (same key id, other AEAD key)', () => {
    const secret = filled(32, 0x44);
    const a = new EncryptionManager(defineConfig({ crypto: { hkdfInfo: 'info a' } }), secret);
    const b = new EncryptionManager(defineConfig({ crypto: { hkdfInfo: 'info b' } }), secret);
    expect(a.keyId).toBe(b.keyId);
    expectCryptoError(() => b.decryptStr(a.encryptStr('value')), 'DECRYPT_FAILED');
  });

  it('derives the key id with HKDF(secret, x/crypto key id v1, 4)', () => {
    const secret = filled(32, 0x55);
    const manager = new EncryptionManager(defineConfig(), secret);
    expect(manager.keyId).toBe(nodeHkdf(secret, 'x/crypto key id v1', 4).toString('hex'));
  });

  describe('keeps the MAC key apart from the AEAD key', () => {
    const aeadKey = hex(GOCRYPTFS_CONTENT_KEY);
    const macKey = nodeHkdf(GOCRYPTFS_MASTER_KEY, 'x/crypto lookup hash v1', 64);

    it('getHash is not an HMAC under the AEAD key, nor under the master key', () => {
      const manager = new EncryptionManager(gocryptfsRaw, GOCRYPTFS_MASTER_KEY);
      const hash = manager.getHash('ada@example.com');
      for (const wrongKey of [aeadKey, GOCRYPTFS_MASTER_KEY]) {
        const wrong = createHmac('sha512', wrongKey).update('ada@example.com').digest('hex');
        expect(hash).not.toBe(wrong);
      }
      expect(hash).toBe(createHmac('sha512', macKey).update('ada@example.com').digest('hex'));
    });

    it('the AEAD key is not HKDF with the MAC info, and the MAC key does not decrypt', () => {
      expect(nodeHkdf(GOCRYPTFS_MASTER_KEY, 'x/crypto lookup hash v1', 32)).not.toEqual(aeadKey);
      const manager = new EncryptionManager(gocryptfsRaw, GOCRYPTFS_MASTER_KEY);
      const payload = manager.encryptBytes(utf8('x'));
      expect(() => openWithNode(macKey.subarray(0, 32), payload)).toThrow();
    });

    it('without HKDF the AES key is the secret, but getHash still uses the derived MAC key', () => {
      const secret = filled(32, 0x66);
      const manager = new EncryptionManager(
        defineConfig({ crypto: { hkdf: false, format: 'raw' } }),
        secret,
      );
      expect(openWithNode(secret, manager.encryptBytes(utf8('x'))).toString()).toBe('x');
      const hash = manager.getHash('x');
      expect(hash).not.toBe(createHmac('sha512', secret).update('x').digest('hex'));
      const derived = nodeHkdf(secret, 'x/crypto lookup hash v1', 64);
      expect(hash).toBe(createHmac('sha512', derived).update('x').digest('hex'));
    });
  });
});
