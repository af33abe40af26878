import { describe, expect, it } from 'vitest';
import { expectCryptoError } from '../test/helpers.js';
import {
  assertSafeInteger,
  decodeBoolText,
  decodeDecimal,
  decodeInt64,
  decodeText,
  encodeInt64,
  encodeText,
  typeName,
} from './encodings.js';

describe('encodeText and decodeText', () => {
  it.each([
    ['utf8', 'é😀𝄞', 'c3a9f09f9880f09d849e'],
    ['utf16le', 'é😀', 'e9003dd800de'],
    ['latin1', 'éÿ', 'e9ff'],
    ['ascii', 'A~', '417e'],
  ] as const)('%s: %j is %s and back', (charset, text, hexBytes) => {
    const bytes = encodeText(text, charset);
    expect(bytes.toString('hex')).toBe(hexBytes);
    expect(decodeText(bytes, charset)).toBe(text);
  });

  it.each([
    ['utf8', '\ud83d'],
    ['utf8', 'x\udc00'],
    ['latin1', 'Ā'],
    ['latin1', '😀'],
    ['ascii', '\u0080'],
    ['ascii', 'é'],
  ] as const)('%s refuses %j with INVALID_INPUT', (charset, text) => {
    const { message } = expectCryptoError(() => encodeText(text, charset), 'INVALID_INPUT');
    expect(message).not.toContain(text);
  });

  it('refuses what is not a string', () => {
    expectCryptoError(() => encodeText(5 as never, 'utf8'), 'INVALID_INPUT');
    expectCryptoError(() => encodeText(Buffer.from('x') as never, 'utf8'), 'INVALID_INPUT');
  });

  it.each([
    ['utf8', 'c3'],
    ['utf8', 'ff'],
    ['utf8', 'eda080'],
    ['ascii', '80'],
    ['utf16le', '610062'],
  ] as const)('%s refuses the bytes %s with INVALID_INPUT', (charset, hexBytes) => {
    expectCryptoError(() => decodeText(Buffer.from(hexBytes, 'hex'), charset), 'INVALID_INPUT');
  });

  it('latin1 reads every byte', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(encodeText(decodeText(all, 'latin1'), 'latin1')).toEqual(all);
  });
});

describe('integers', () => {
  it.each([
    [0, '0000000000000000'],
    [1, '0000000000000001'],
    [-1, 'ffffffffffffffff'],
    [Number.MAX_SAFE_INTEGER, '001fffffffffffff'],
    [Number.MIN_SAFE_INTEGER, 'ffe0000000000001'],
  ])('v1 writes %i as 8 big-endian bytes %s', (value, hexBytes) => {
    expect(encodeInt64(value).toString('hex')).toBe(hexBytes);
    expect(decodeInt64(Buffer.from(hexBytes, 'hex'))).toBe(value);
  });

  it.each([
    '',
    '00',
    '00000000000000',
    '000000000000000000',
    '0020000000000000',
    '8000000000000000',
  ])('v1 refuses the bytes %j with INVALID_INPUT', (hexBytes) => {
    expectCryptoError(() => decodeInt64(Buffer.from(hexBytes, 'hex')), 'INVALID_INPUT');
  });

  it.each([
    ['0', 0],
    ['-0', 0],
    ['42', 42],
    ['-42', -42],
    ['007', 7],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
    ['-9007199254740991', Number.MIN_SAFE_INTEGER],
  ])('raw reads the decimal text %j', (text, value) => {
    expect(Object.is(decodeDecimal(Buffer.from(text, 'latin1')), value)).toBe(true);
  });

  it.each([
    '',
    '-',
    '+1',
    '1.0',
    '1e2',
    ' 1',
    '0x1',
    '9007199254740992',
    '12345678901234567',
    'NaN',
  ])('raw refuses the text %j with INVALID_INPUT', (text) => {
    expectCryptoError(() => decodeDecimal(Buffer.from(text, 'latin1')), 'INVALID_INPUT');
  });

  it('assertSafeInteger passes safe integers and refuses the rest', () => {
    for (const value of [0, -0, 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
      expect(() => assertSafeInteger(value)).not.toThrow();
    }
    for (const value of [0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '1', 1n, null]) {
      expectCryptoError(() => assertSafeInteger(value), 'INVALID_INPUT');
    }
  });
});

describe('booleans', () => {
  it.each([
    ['1', true],
    ['0', false],
    ['true', true],
    ['false', false],
    ['True', true],
    ['FALSE', false],
  ])('raw reads %j as %s', (text, value) => {
    expect(decodeBoolText(Buffer.from(text, 'latin1'))).toBe(value);
  });

  it.each(['', '2', 'yes', 'on', ' 1', 'true\n', '01'])('raw refuses %j', (text) => {
    expectCryptoError(() => decodeBoolText(Buffer.from(text, 'latin1')), 'INVALID_INPUT');
  });
});

describe('typeName', () => {
  it('names values without showing them', () => {
    expect(typeName(null)).toBe('null');
    expect(typeName([1])).toBe('an array');
    expect(typeName(new Uint8Array(1))).toBe('a Uint8Array');
    expect(typeName('secret')).toBe('a value of type string');
    expect(typeName(5)).toBe('a value of type number');
  });
});
