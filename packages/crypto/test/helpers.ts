import { type CipherGCMTypes, createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { CryptoError, type CryptoErrorCode } from '../src/crypto-error.js';

/** Bytes of a hex string (test vectors, expected keys). */
export function hex(text: string): Buffer {
  return Buffer.from(text, 'hex');
}

/** `length` bytes, each `byte`: the fixed keys of the tests (e.g. gocryptfs's 32 × 0x01). */
export function filled(length: number, byte: number): Uint8Array {
  return new Uint8Array(length).fill(byte);
}

/** What a call did: returned (with the value, to show it in a failure) or threw. */
export type Outcome =
  | { readonly returned: string }
  | { readonly code: CryptoErrorCode; readonly message: string }
  | { readonly threw: string };

/**
 * Runs `action` and says what happened, so a loop over hundreds of cases can compare one list
 * of outcomes with one list of expectations and show every case that differs.
 */
export function outcomeOf(action: () => unknown): Outcome {
  let value: unknown;
  try {
    value = action();
  } catch (error) {
    if (CryptoError.is(error)) return { code: error.code, message: error.message };
    return { threw: String(error) };
  }
  return { returned: describeValue(value) };
}

/** The code of the CryptoError `action` threw, or a description of what it did instead. */
export function codeOf(action: () => unknown): string {
  const outcome = outcomeOf(action);
  if ('code' in outcome) return outcome.code;
  if ('threw' in outcome) return `threw ${outcome.threw}`;
  return `returned ${outcome.returned}`;
}

/**
 * Asserts that `action` throws a {@link CryptoError} with `code` (and returns nothing), and
 * returns the error for further checks of its message.
 */
export function expectCryptoError(action: () => unknown, code: CryptoErrorCode): CryptoError {
  let value: unknown;
  try {
    value = action();
  } catch (error) {
    if (!CryptoError.is(error)) {
      expect.fail(`expected a CryptoError ${code}, but it threw ${String(error)}`);
    }
    expect(error.code, error.message).toBe(code);
    return error;
  }
  expect.fail(`expected a CryptoError ${code}, but it returned ${describeValue(value)}`);
}

function describeValue(value: unknown): string {
  if (value instanceof Uint8Array) return `bytes ${Buffer.from(value).toString('hex')}`;
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

/** Returns `bytes` with bit `bit` (0 = most significant bit of byte 0) flipped, as a new Buffer. */
export function flipBit(bytes: Uint8Array, bit: number): Buffer {
  const copy = Buffer.from(bytes);
  const index = bit >> 3;
  copy[index] = (copy[index] as number) ^ (0x80 >> (bit & 7));
  return copy;
}

export const NONCE_LENGTH = 12;
export const TAG_LENGTH = 16;

function gcmAlgorithm(key: Uint8Array): CipherGCMTypes {
  switch (key.length) {
    case 16:
      return 'aes-128-gcm';
    case 24:
      return 'aes-192-gcm';
    case 32:
      return 'aes-256-gcm';
    default:
      throw new Error(`not an AES key length: ${key.length}`);
  }
}

/**
 * `nonce ‖ ciphertext ‖ tag` made with plain node:crypto, as another AES-GCM program (the
 * original service) writes it.
 */
export function sealWithNode(
  key: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array = new Uint8Array(0),
  nonce: Uint8Array = randomBytes(NONCE_LENGTH),
): Buffer {
  const cipher = createCipheriv(gcmAlgorithm(key), key, nonce, { authTagLength: TAG_LENGTH });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, ciphertext, cipher.getAuthTag()]);
}

/** Opens `nonce ‖ ciphertext ‖ tag` with plain node:crypto; throws when the tag does not verify. */
export function openWithNode(
  key: Uint8Array,
  payload: Uint8Array,
  aad: Uint8Array = new Uint8Array(0),
): Buffer {
  const nonce = payload.subarray(0, NONCE_LENGTH);
  const ciphertext = payload.subarray(NONCE_LENGTH, payload.length - TAG_LENGTH);
  const tag = payload.subarray(payload.length - TAG_LENGTH);
  const decipher = createDecipheriv(gcmAlgorithm(key), key, nonce, { authTagLength: TAG_LENGTH });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}
