import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectCryptoError } from '../test/helpers.js';
import { decodeBase64 } from './base64.js';

describe('decodeBase64', () => {
  it('reads standard padded Base64 of every length', () => {
    for (let length = 0; length <= 40; length++) {
      const bytes = randomBytes(length);
      expect(decodeBase64(bytes.toString('base64'))).toEqual(bytes);
    }
  });

  it('reads the characters + and / of the standard alphabet', () => {
    expect(decodeBase64('+/+/')).toEqual(Buffer.of(0xfb, 0xff, 0xbf));
  });

  it('reads the empty string as no bytes (a payload that is too short is refused later)', () => {
    expect(decodeBase64('')).toEqual(Buffer.alloc(0));
  });

  it.each([
    ['a character outside the alphabet', 'AAA!'],
    ['a non-ASCII letter', 'AAAé'],
    ['missing padding (one =)', 'AAA'],
    ['missing padding (two =)', 'AA'],
    ['a lone character', 'A'],
    ['too much padding', 'AA==='],
    ['padding in the middle', 'AA==AAAA'],
    ['only padding', '===='],
    ['base64url -', '-AAA'],
    ['base64url _', '_AAA'],
    ['a space', 'AAAA AAAA'],
    ['a leading space', ' AAAA'],
    ['a trailing newline', 'AAAA\n'],
    ['CRLF line breaks', 'AAAA\r\nAAAA'],
    ['a tab', 'AA\tAA'],
    ['non-zero padding bits (AB== is not canonical)', 'AB=='],
    ['non-zero padding bits (AAB= is not canonical)', 'AAB='],
    ['a NUL character', 'AAAA\u0000'],
  ])('refuses %s as MALFORMED', (_what, text) => {
    const { message } = expectCryptoError(() => decodeBase64(text), 'MALFORMED');
    expect(message).toContain('Base64');
  });
});
