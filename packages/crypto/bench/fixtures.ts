// Shared inputs and the node:crypto baseline of the bench files (no `.bench.ts`: not a suite).

import { isUtf8 } from 'node:buffer';
import {
  createCipheriv,
  createDecipheriv,
  type KeyObject,
  randomBytes,
  randomFillSync,
} from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { defineConfig } from '@x/config';
import { EncryptionManager } from '../src/index.js';

/** One 32-byte secret for every case: the manager derives its keys from it, the peers use it as is. */
export const secret: Buffer = randomBytes(32);

/** A 64-character ASCII string (64 bytes in UTF-8): a long e-mail address. */
export const text64: string = 'ada.lovelace+analytical-engine@difference-engines.example.org.uk';

/** The manager as an application builds it: default configuration (`v1`, HKDF, UTF-8). */
export function createManager(): EncryptionManager {
  return new EncryptionManager(defineConfig(), Uint8Array.from(secret));
}

const NONCE_LENGTH = 12;

/**
 * 96-bit nonces from a buffer the CSPRNG fills 512 nonces at a time, handed out 12 bytes at a
 * time: the cheapest way to get a fresh random nonce per encryption in Node.
 */
export function pooledNonces(): () => Buffer {
  const pool = Buffer.allocUnsafe(NONCE_LENGTH * 512);
  let offset = pool.length;
  return () => {
    if (offset === pool.length) {
      randomFillSync(pool);
      offset = 0;
    }
    const nonce = pool.subarray(offset, offset + NONCE_LENGTH);
    offset += NONCE_LENGTH;
    return nonce;
  };
}

/**
 * The platform's limit: a bare AES-256-GCM encryption then decryption of `plaintext` with
 * node:crypto, as a user would write it (no envelope, no encoding).
 */
export function nodeGcmRoundTrip(
  key: Buffer | KeyObject,
  nonce: Buffer,
  plaintext: Uint8Array,
): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
  const ciphertext = cipher.update(plaintext);
  cipher.final();
  const tag = cipher.getAuthTag();
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
  decipher.setAuthTag(tag);
  const decrypted = decipher.update(ciphertext);
  decipher.final();
  return decrypted;
}

// The `v1` layout written inline: 0x01 ‖ key id (4) ‖ nonce (12) ‖ ciphertext ‖ tag (16), with
// AAD = 0x01 ‖ key id ‖ kind (0: bytes) ‖ u32be(0) (no associated data). The key id is a dummy.
const V1_HEADER = Buffer.from([0x01, 0xde, 0xad, 0xbe, 0xef]);
const V1_AAD = Buffer.concat([V1_HEADER, Buffer.from([0, 0, 0, 0, 0])]);
const V1_BODY_START = V1_HEADER.length + NONCE_LENGTH;

/** `encryptBytes` written inline with node:crypto: the same payload, no abstraction. */
export function inlineV1Seal(key: Buffer, nonce: Buffer, plaintext: Uint8Array): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
  cipher.setAAD(V1_AAD);
  const ciphertext = cipher.update(plaintext);
  cipher.final();
  return Buffer.concat([V1_HEADER, nonce, ciphertext, cipher.getAuthTag()]);
}

/** `decryptBytes` written inline with node:crypto. */
export function inlineV1Open(key: Buffer, payload: Buffer): Buffer {
  const end = payload.length - 16;
  const nonce = payload.subarray(V1_HEADER.length, V1_BODY_START);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
  decipher.setAuthTag(payload.subarray(end));
  decipher.setAAD(V1_AAD);
  const plaintext = decipher.update(payload.subarray(V1_BODY_START, end));
  decipher.final();
  return plaintext;
}

/**
 * `encryptStr` + `decryptStr` written inline with node:crypto, with the same checks (well-formed
 * UTF-16 in, canonical Base64 and valid UTF-8 out): what the API costs before any abstraction.
 */
export function inlineV1StringRoundTrip(key: Buffer, nonce: Buffer, text: string): string {
  if (!text.isWellFormed()) throw new Error('lone surrogate');
  const stored = inlineV1Seal(key, nonce, Buffer.from(text, 'utf8')).toString('base64');
  const payload = Buffer.from(stored, 'base64');
  if (payload.toString('base64') !== stored) throw new Error('not canonical Base64');
  const plaintext = inlineV1Open(key, payload);
  if (!isUtf8(plaintext)) throw new Error('not UTF-8');
  return plaintext.toString('utf8');
}

/**
 * A `setup` that runs each case once and checks it returns `expected`, so a case that measures
 * something else (a wrong key, a skipped step) fails before it is timed.
 */
export function expectEach(
  cases: Readonly<Record<string, () => unknown>>,
  expected: unknown,
): () => Promise<void> {
  return async () => {
    for (const [name, run] of Object.entries(cases)) {
      const actual = await run();
      const same =
        actual instanceof Uint8Array && expected instanceof Uint8Array
          ? Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(expected)
          : isDeepStrictEqual(actual, expected);
      if (!same) throw new Error(`bench case "${name}" does not return the expected value`);
    }
  };
}
