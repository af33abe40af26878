import { CryptoError } from './crypto-error.js';

/** A key as bytes, as hex, or as gocryptfs prints a master key. */
export type KeyInput = Uint8Array | string;

const AES_KEY_LENGTHS = [16, 24, 32];

const ACCEPTED_FORMS =
  'a key is 16, 24 or 32 bytes given as a Uint8Array, as 32, 48 or 64 hex digits, or in ' +
  "gocryptfs's printed form (8 groups of 8 hex digits joined by dashes, possibly over two " +
  'lines, e.g. "b4d8b25c-324dd6ea-a328c990-6e8a2a3c-" / "6038552a-042ced43-26cfff21-0c62957a")';

/**
 * Reads a key into a fresh byte array. Dashes, spaces and newlines in text are ignored and hex
 * may be of any case, so gocryptfs's printed master key and plain hex both work. The message of
 * a refusal never repeats the key.
 *
 * @param label names the key in the error, e.g. `previousKeys[1]`.
 */
export function parseKey(key: KeyInput, label = 'key'): Uint8Array {
  const bytes = typeof key === 'string' ? hexKeyBytes(key, label) : copyKeyBytes(key, label);
  if (!AES_KEY_LENGTHS.includes(bytes.length)) {
    throw new CryptoError(
      'INVALID_KEY',
      `${label} is ${bytes.length} bytes long: ${ACCEPTED_FORMS}.`,
    );
  }
  return bytes;
}

function copyKeyBytes(key: unknown, label: string): Uint8Array {
  if (!(key instanceof Uint8Array)) {
    throw new CryptoError('INVALID_KEY', `${label} is ${describeType(key)}: ${ACCEPTED_FORMS}.`);
  }
  return Uint8Array.from(key);
}

function hexKeyBytes(text: string, label: string): Uint8Array {
  const hex = text.replace(/[\s-]/g, '');
  if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length % 2 !== 0) {
    throw new CryptoError(
      'INVALID_KEY',
      `${label} is text but not hex digits (after removing dashes and white space): ${ACCEPTED_FORMS}.`,
    );
  }
  // Decoded outside Node's shared buffer pool, so no copy of the key is left behind in it.
  const bytes = Buffer.allocUnsafeSlow(hex.length / 2);
  bytes.write(hex, 'hex');
  return bytes;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `of type ${typeof value}`;
}
