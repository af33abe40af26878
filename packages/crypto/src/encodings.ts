import { isUtf8 } from 'node:buffer';
import type { Charset } from '@x/config';
import { CryptoError } from './crypto-error.js';

/** A string's bytes in `charset`, refusing what the charset cannot hold (nothing is lost quietly). */
export function encodeText(value: string, charset: Charset): Buffer {
  if (typeof value !== 'string') {
    throw new CryptoError('INVALID_INPUT', `Expected a string, got ${typeName(value)}.`);
  }
  switch (charset) {
    case 'utf8':
      if (!value.isWellFormed()) {
        throw new CryptoError(
          'INVALID_INPUT',
          'The string has a lone surrogate (half of a UTF-16 pair), which UTF-8 cannot encode.',
        );
      }
      break;
    case 'latin1':
      if (/[\u0100-\uffff]/.test(value)) throw unencodable(charset);
      break;
    case 'ascii':
      if (/[\u0080-\uffff]/.test(value)) throw unencodable(charset);
      break;
    case 'utf16le':
      break;
  }
  return Buffer.from(value, charset);
}

/** Text from bytes in `charset`, refusing bytes that are not text in it. */
export function decodeText(bytes: Buffer, charset: Charset): string {
  const valid =
    charset === 'utf8'
      ? isUtf8(bytes)
      : charset === 'ascii'
        ? !bytes.some((byte) => byte > 0x7f)
        : charset === 'utf16le'
          ? bytes.length % 2 === 0
          : true;
  if (!valid) {
    throw new CryptoError(
      'INVALID_INPUT',
      `The decrypted bytes are not ${charset} text: was the value encrypted with another charset, or as bytes?`,
    );
  }
  return bytes.toString(charset);
}

function unencodable(charset: Charset): CryptoError {
  return new CryptoError(
    'INVALID_INPUT',
    `The string has characters that ${charset} cannot encode: use crypto.charset 'utf8'.`,
  );
}

/** Refuses what is not a safe integer (`Number.MAX_SAFE_INTEGER` at most in magnitude). */
export function assertSafeInteger(value: unknown): asserts value is number {
  if (!Number.isSafeInteger(value)) {
    throw new CryptoError(
      'INVALID_INPUT',
      `Expected a safe integer (|n| <= ${Number.MAX_SAFE_INTEGER}), got ${typeof value === 'number' ? 'a number that is not one' : typeName(value)}.`,
    );
  }
}

/** `v1` integers: 8 bytes, big-endian two's complement, so the length says nothing of the value. */
export function encodeInt64(value: number): Buffer {
  const bytes = Buffer.allocUnsafe(8);
  bytes.writeBigInt64BE(BigInt(value));
  return bytes;
}

export function decodeInt64(bytes: Buffer): number {
  if (bytes.length !== 8) throw notAnInteger();
  const value = Number(bytes.readBigInt64BE());
  if (!Number.isSafeInteger(value)) throw notAnInteger();
  return value;
}

/** `raw` integers: decimal text, as the original service wrote them. */
export function decodeDecimal(bytes: Buffer): number {
  const text = bytes.toString('latin1');
  if (!/^-?\d{1,16}$/.test(text)) throw notAnInteger();
  const value = Number(text) + 0; // + 0 turns -0 into 0
  if (!Number.isSafeInteger(value)) throw notAnInteger();
  return value;
}

function notAnInteger(): CryptoError {
  return new CryptoError('INVALID_INPUT', 'The decrypted value is not a safe integer.');
}

/** `raw` booleans are `1`/`0` on write; `1`, `0`, `true` and `false` (any case) are read. */
export function decodeBoolText(bytes: Buffer): boolean {
  const text = bytes.toString('latin1').toLowerCase();
  if (text === '1' || text === 'true') return true;
  if (text === '0' || text === 'false') return false;
  throw new CryptoError(
    'INVALID_INPUT',
    'The decrypted value is not a boolean (1, 0, true or false).',
  );
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'a Uint8Array';
  return `a value of type ${typeof value}`;
}
