import { isUtf8 } from 'node:buffer';
import type { Charset } from '@x/config';
import { CryptoError } from './crypto-error.js';
import type { PayloadKind } from './envelope.js';

/** How one helper turns its values into plaintext bytes and back, and the kind it tags them with. */
export interface Codec<T> {
  readonly kind: PayloadKind;
  encode(value: T): Uint8Array;
  decode(bytes: Buffer): T;
}

/** The codecs of the helpers for a format (`raw`: decimal text; `v1`: fixed-size binary) and charset. */
export function codecsFor(
  raw: boolean,
  charset: Charset,
): {
  bytes: Codec<Uint8Array>;
  str: Codec<string>;
  int: Codec<number>;
  bool: Codec<boolean>;
} {
  return {
    bytes: { kind: 'bytes', encode: (value) => value, decode: (bytes) => bytes },
    str: {
      kind: 'bytes',
      encode: (value) => encodeText(value, charset),
      decode: (bytes) => decodeText(bytes, charset),
    },
    int: {
      kind: 'int',
      encode: (value) => {
        assertSafeInteger(value);
        return raw ? secretBuffer(String(value), 'latin1') : encodeInt64(value);
      },
      decode: raw ? decodeDecimal : decodeInt64,
    },
    bool: {
      kind: 'bool',
      encode: (value) => {
        if (typeof value !== 'boolean') {
          throw new CryptoError(
            'INVALID_INPUT',
            `encryptBool expects a boolean, got ${typeName(value)}.`,
          );
        }
        return raw ? secretBuffer(value ? '1' : '0', 'latin1') : Buffer.of(value ? 1 : 0);
      },
      decode: raw ? decodeBoolText : decodeBoolByte,
    },
  };
}

/** A string's bytes in `charset`, refusing what the charset cannot hold (nothing is lost quietly). */
export function encodeText(value: string, charset: Charset): Buffer {
  if (typeof value !== 'string') {
    throw new CryptoError('INVALID_INPUT', `Expected a string, got ${typeName(value)}.`);
  }
  const encodable =
    charset === 'utf8'
      ? value.isWellFormed()
      : charset === 'latin1'
        ? !/[\u0100-\uffff]/.test(value)
        : charset === 'ascii'
          ? !/[\u0080-\uffff]/.test(value)
          : true;
  if (!encodable) {
    throw new CryptoError(
      'INVALID_INPUT',
      `The string has characters that ${charset} cannot encode (a lone surrogate, for UTF-8).`,
    );
  }
  return secretBuffer(value, charset);
}

/**
 * A string's bytes in a buffer of their own: `Buffer.from` would put small ones in Node's shared
 * 8 KiB pool, where they outlive the call and travel with any buffer sliced from it.
 */
export function secretBuffer(value: string, charset: Charset | 'latin1'): Buffer {
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(value, charset));
  bytes.write(value, charset);
  return bytes;
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
    throw new CryptoError('INVALID_INPUT', `The decrypted bytes are not ${charset} text.`);
  }
  return bytes.toString(charset);
}

/** Refuses what is not a safe integer, without repeating the value (it is meant to be secret). */
export function assertSafeInteger(value: unknown): asserts value is number {
  if (!Number.isSafeInteger(value)) {
    throw new CryptoError(
      'INVALID_INPUT',
      `Expected a safe integer (|n| <= 2^53 - 1), got ${typeof value === 'number' ? 'a number that is not one' : typeName(value)}.`,
    );
  }
}

/** `v1` integers: 8 bytes, big-endian two's complement, so the length says nothing of the value. */
export function encodeInt64(value: number): Buffer {
  const bytes = Buffer.allocUnsafeSlow(8);
  bytes.writeBigInt64BE(BigInt(value));
  return bytes;
}

export function decodeInt64(bytes: Buffer): number {
  return safeInteger(bytes.length === 8 ? Number(bytes.readBigInt64BE()) : Number.NaN);
}

/** `raw` integers: decimal text, as the original service wrote them. */
export function decodeDecimal(bytes: Buffer): number {
  const text = bytes.toString('latin1');
  return safeInteger(/^-?\d{1,16}$/.test(text) ? Number(text) + 0 : Number.NaN); // + 0: -0 → 0
}

function safeInteger(value: number): number {
  if (!Number.isSafeInteger(value)) {
    throw new CryptoError('INVALID_INPUT', 'The decrypted value is not an integer.');
  }
  return value;
}

/** `raw` booleans are `1`/`0` on write; `1`, `0`, `true` and `false` (any case) are read. */
export function decodeBoolText(bytes: Buffer): boolean {
  return decodeBoolean(
    ['0', '1', 'false', 'true'].indexOf(bytes.toString('latin1').toLowerCase()) % 2,
  );
}

function decodeBoolByte(bytes: Buffer): boolean {
  return decodeBoolean(bytes.length === 1 ? [0, 1].indexOf(bytes[0] as number) : -1);
}

function decodeBoolean(index: number): boolean {
  if (index < 0) throw new CryptoError('INVALID_INPUT', 'The decrypted value is not a boolean.');
  return index === 1;
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return value instanceof Uint8Array ? 'a Uint8Array' : `a value of type ${typeof value}`;
}
