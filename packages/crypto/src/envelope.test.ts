import { hkdfSync, randomBytes } from 'node:crypto';
import { type CryptoConfigInput, defineConfig } from '@x/config';
import { describe, expect, it } from 'vitest';
import {
  expectCryptoError,
  filled,
  flipBit,
  hex,
  NONCE_LENGTH,
  openWithNode,
  outcomeOf,
  sealWithNode,
  TAG_LENGTH,
  utf8,
} from '../test/helpers.js';
import { EncryptionManager } from './encryption-manager.js';

const SECRET = filled(32, 0x5a);
const OTHER_SECRET = filled(32, 0xa5);
const V1_OVERHEAD = 1 + 4 + NONCE_LENGTH + TAG_LENGTH;
const RAW_OVERHEAD = NONCE_LENGTH + TAG_LENGTH;
const KIND = { bytes: 0, int: 1, bool: 2 } as const;

function manager(crypto: CryptoConfigInput = {}, key: Uint8Array = SECRET): EncryptionManager {
  return new EncryptionManager(defineConfig({ crypto }), key);
}

function aeadKeyOf(secret: Uint8Array, info = 'x/crypto aead v1'): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, new Uint8Array(0), info, 32));
}

/** The AAD of a v1 payload: `0x01 ‖ keyId ‖ kind ‖ u32be(len(associatedData)) ‖ associatedData ‖ aad`. */
function v1Aad(keyId: string, kind: keyof typeof KIND, associatedData: string, aad = ''): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(Buffer.byteLength(associatedData));
  return Buffer.concat([
    Buffer.of(0x01),
    hex(keyId),
    Buffer.of(KIND[kind]),
    length,
    utf8(associatedData),
    utf8(aad),
  ]);
}

function fromBase64(text: string): Buffer {
  return Buffer.from(text, 'base64');
}

describe('v1 format', () => {
  it('is 0x01 ‖ keyId ‖ nonce ‖ ciphertext ‖ tag', () => {
    const crypto = manager();
    for (const size of [0, 1, 100]) {
      const payload = Buffer.from(crypto.encryptBytes(randomBytes(size)));
      expect(payload.length).toBe(V1_OVERHEAD + size);
      expect(payload[0]).toBe(0x01);
      expect(payload.subarray(1, 5).toString('hex')).toBe(crypto.keyId);
    }
  });

  it.each(['bytes', 'int', 'bool'] as const)(
    'authenticates the header, the kind (%s) and the associated data',
    (kind) => {
      const crypto = manager({ associatedData: 'app' });
      const payload =
        kind === 'bytes'
          ? Buffer.from(crypto.encryptBytes(utf8('secret'), { aad: 'users.email:42' }))
          : fromBase64(
              kind === 'int'
                ? crypto.encryptInt(42, { aad: 'users.email:42' })
                : crypto.encryptBool(true, { aad: 'users.email:42' }),
            );
      const body = payload.subarray(5);
      const aad = v1Aad(crypto.keyId, kind, 'app', 'users.email:42');
      const plaintext = openWithNode(aeadKeyOf(SECRET), body, aad);
      const expected = { bytes: utf8('secret'), int: hex('000000000000002a'), bool: Buffer.of(1) };
      expect(plaintext).toEqual(expected[kind]);
    },
  );

  it('reads a payload written by node:crypto with a fixed nonce (format frozen)', () => {
    const crypto = manager({ associatedData: 'app' });
    expect(crypto.keyId).toBe('a29dee4d');
    const golden = 'AaKd7k0AAQIDBAUGBwgJCgsQdUSieCJnfUgXDEhk9BVBHWsPcBVovajuQJ6Vi7Lk';
    expect(crypto.decryptStr(golden, { aad: 'users.email:42' })).toBe('ada@example.com');

    const nonce = hex('0102030405060708090a0b0c');
    const body = sealWithNode(
      aeadKeyOf(SECRET),
      utf8('built here'),
      v1Aad('a29dee4d', 'bytes', 'app'),
      nonce,
    );
    const payload = Buffer.concat([hex('01a29dee4d'), body]);
    expect(Buffer.from(crypto.decryptBytes(payload)).toString()).toBe('built here');
  });

  it.each([
    ['an int of 4 bytes', 'int', '0000002a', 'decryptInt'],
    ['an int of 9 bytes', 'int', '00000000000000002a', 'decryptInt'],
    ['an int beyond MAX_SAFE_INTEGER', 'int', '0020000000000000', 'decryptInt'],
    ['an int below MIN_SAFE_INTEGER', 'int', 'ffdfffffffffffff', 'decryptInt'],
    ['a bool byte of 2', 'bool', '02', 'decryptBool'],
    ['a bool of 2 bytes', 'bool', '0001', 'decryptBool'],
    ['an empty bool', 'bool', '', 'decryptBool'],
    ['a string that is not UTF-8', 'bytes', 'c328', 'decryptStr'],
  ] as const)(
    'refuses an authentic payload holding %s with INVALID_INPUT',
    (_what, kind, plaintext, method) => {
      const crypto = manager();
      const body = sealWithNode(aeadKeyOf(SECRET), hex(plaintext), v1Aad(crypto.keyId, kind, ''));
      const payload = Buffer.concat([Buffer.of(0x01), hex(crypto.keyId), body]).toString('base64');
      expectCryptoError(() => crypto[method](payload), 'INVALID_INPUT');
    },
  );

  it('length-prefixes associatedData, so it cannot be shifted into the per-call aad', () => {
    const writer = manager({ associatedData: 'ab' });
    const reader = manager({ associatedData: 'a' });
    const payload = writer.encryptStr('value', { aad: 'c' });
    expectCryptoError(() => reader.decryptStr(payload, { aad: 'bc' }), 'DECRYPT_FAILED');
  });

  it('draws a fresh nonce for every payload, across refills of the nonce pool', () => {
    const crypto = manager();
    const nonces = new Set<string>();
    for (let i = 0; i < 1500; i++) {
      const payload = Buffer.from(crypto.encryptBytes(new Uint8Array(0)));
      nonces.add(payload.subarray(5, 5 + NONCE_LENGTH).toString('hex'));
    }
    expect(nonces.size).toBe(1500);
    expect(nonces.has('00'.repeat(NONCE_LENGTH))).toBe(false);
    expect(manager().encryptStr('same')).not.toBe(crypto.encryptStr('same'));
  });
});

describe('raw format', () => {
  it('is nonce ‖ ciphertext ‖ tag', () => {
    const crypto = manager({ format: 'raw' });
    for (const size of [0, 1, 100]) {
      const plaintext = randomBytes(size);
      const payload = crypto.encryptBytes(plaintext);
      expect(payload.length).toBe(RAW_OVERHEAD + size);
      expect(openWithNode(aeadKeyOf(SECRET), payload)).toEqual(plaintext);
    }
  });

  it('draws a fresh nonce for every payload', () => {
    const crypto = manager({ format: 'raw' });
    const nonces = new Set<string>();
    for (let i = 0; i < 1100; i++) {
      nonces.add(
        Buffer.from(crypto.encryptBytes(new Uint8Array(0)))
          .subarray(0, 12)
          .toString('hex'),
      );
    }
    expect(nonces.size).toBe(1100);
  });

  describe('interoperates with plain AES-GCM (node:crypto), AAD = associatedData ‖ aad', () => {
    const cases = [
      { name: 'a 32-byte key with HKDF', keyLength: 32, hkdf: true },
      { name: 'a 32-byte key without HKDF', keyLength: 32, hkdf: false },
      { name: 'a 24-byte key without HKDF', keyLength: 24, hkdf: false },
      { name: 'a 16-byte key without HKDF', keyLength: 16, hkdf: false },
    ] as const;
    const aads = [
      { associatedData: '', aad: undefined },
      { associatedData: '', aad: 'users.email:42' },
      { associatedData: 'tenant-1|', aad: undefined },
      { associatedData: 'tenant-1|', aad: 'users.email:42' },
    ] as const;

    for (const { name, keyLength, hkdf } of cases) {
      describe(name, () => {
        const secret = randomBytes(keyLength);
        const aesKey = hkdf ? aeadKeyOf(secret) : secret;

        it.each(aads)('associatedData $associatedData, aad $aad', ({ associatedData, aad }) => {
          const crypto = new EncryptionManager(
            defineConfig({ crypto: { format: 'raw', hkdf, associatedData } }),
            secret,
          );
          const options = aad === undefined ? {} : { aad };
          const fullAad = utf8(associatedData + (aad ?? ''));

          const sealText = (text: string): string =>
            sealWithNode(aesKey, utf8(text), fullAad).toString('base64');
          const openText = (payload: string): string =>
            openWithNode(aesKey, fromBase64(payload), fullAad).toString('utf8');
          const text = 'héllo wörld 🔐';
          const bytes = randomBytes(57);

          // node:crypto → manager
          expect(crypto.decryptStr(sealText(text), options)).toBe(text);
          expect(crypto.decryptBytes(sealWithNode(aesKey, bytes, fullAad), options)).toEqual(bytes);
          expect(crypto.decryptInt(sealText('-1234'), options)).toBe(-1234);
          expect(crypto.decryptBool(sealText('1'), options)).toBe(true);

          // manager → node:crypto
          expect(openText(crypto.encryptStr(text, options))).toBe(text);
          expect(openWithNode(aesKey, crypto.encryptBytes(bytes, options), fullAad)).toEqual(bytes);
          expect(openText(crypto.encryptInt(-1234, options))).toBe('-1234');
          expect(openText(crypto.encryptBool(false, options))).toBe('0');
        });
      });
    }

    it('takes the per-call aad as bytes or as its UTF-8 string alike', () => {
      const crypto = manager({ format: 'raw' });
      const payload = crypto.encryptStr('v', { aad: utf8('zoë') });
      expect(crypto.decryptStr(payload, { aad: 'zoë' })).toBe('v');
      const view = new Uint8Array(10);
      view.set(utf8('zoë'), 3);
      expect(crypto.decryptStr(payload, { aad: view.subarray(3, 7) })).toBe('v');
    });
  });
});

describe('refusals of a damaged payload', () => {
  type Sample = {
    readonly name: string;
    readonly format: 'v1' | 'raw';
    readonly payload: Buffer;
    readonly value: unknown;
    readonly decrypt: (payload: Buffer) => unknown;
  };

  function samples(): Sample[] {
    const list: Sample[] = [];
    for (const format of ['v1', 'raw'] as const) {
      const crypto = manager({ format, associatedData: 'app' });
      const aad = { aad: 'users.email:42' };
      const viaText =
        (decrypt: (text: string) => unknown) =>
        (payload: Buffer): unknown =>
          decrypt(payload.toString('base64'));
      list.push(
        {
          name: `${format} empty bytes`,
          format,
          payload: Buffer.from(crypto.encryptBytes(new Uint8Array(0))),
          value: Buffer.alloc(0),
          decrypt: (payload) => crypto.decryptBytes(payload),
        },
        {
          name: `${format} short string with aad`,
          format,
          payload: fromBase64(crypto.encryptStr('short string', aad)),
          value: 'short string',
          decrypt: viaText((text) => crypto.decryptStr(text, aad)),
        },
        {
          name: `${format} int`,
          format,
          payload: fromBase64(crypto.encryptInt(-7)),
          value: -7,
          decrypt: viaText((text) => crypto.decryptInt(text)),
        },
        {
          name: `${format} bool`,
          format,
          payload: fromBase64(crypto.encryptBool(true)),
          value: true,
          decrypt: viaText((text) => crypto.decryptBool(text)),
        },
      );
    }
    return list;
  }

  /** What a flip of bit `bit` must give: the version byte is MALFORMED, all else DECRYPT_FAILED. */
  function expectedForFlip(sample: Sample, bit: number): string {
    const byte = bit >> 3;
    if (sample.format === 'raw') return 'DECRYPT_FAILED: Decryption failed';
    if (byte === 0) return 'MALFORMED: Unknown payload version';
    if (byte <= 4)
      return `DECRYPT_FAILED: No key with id ${flipBit(sample.payload, bit).subarray(1, 5).toString('hex')}`;
    return 'DECRYPT_FAILED: Decryption failed';
  }

  function summarize(action: () => unknown): string {
    const outcome = outcomeOf(action);
    if ('code' in outcome) {
      const prefix =
        /^(Decryption failed|Unknown payload version|No key with id [0-9a-f]{8}|Not a \w+ payload)/.exec(
          outcome.message,
        );
      return `${outcome.code}: ${prefix?.[0] ?? outcome.message}`;
    }
    if ('threw' in outcome) return `threw ${outcome.threw}`;
    return `returned ${outcome.returned}`;
  }

  it.each(samples().map((sample) => [sample.name, sample] as const))(
    '%s: every single-bit flip is refused with the right code',
    (_name, sample) => {
      const bits = sample.payload.length * 8;
      expect(bits).toBeGreaterThanOrEqual(RAW_OVERHEAD * 8);
      expect(sample.decrypt(sample.payload)).toEqual(sample.value);
      const expected: string[] = [];
      const actual: string[] = [];
      for (let bit = 0; bit < bits; bit++) {
        expected.push(`bit ${bit}: ${expectedForFlip(sample, bit)}`);
        actual.push(`bit ${bit}: ${summarize(() => sample.decrypt(flipBit(sample.payload, bit)))}`);
      }
      expect(actual).toEqual(expected);
    },
  );

  it.each(samples().map((sample) => [sample.name, sample] as const))(
    '%s: every truncation and an extension are refused',
    (_name, sample) => {
      const minimum = sample.format === 'v1' ? V1_OVERHEAD : RAW_OVERHEAD;
      const expected: string[] = [];
      const actual: string[] = [];
      for (let length = 0; length < sample.payload.length; length++) {
        expected.push(
          `${length}: ${length < minimum ? 'MALFORMED: Not a' : 'DECRYPT_FAILED: Decryption failed'}`,
        );
        const truncated = sample.payload.subarray(0, length);
        actual.push(
          `${length}: ${summarize(() => sample.decrypt(truncated)).replace(/^(MALFORMED: Not a) \w+ payload$/, '$1')}`,
        );
      }
      expect(actual).toEqual(expected);
      const extended = Buffer.concat([sample.payload, Buffer.of(0)]);
      expect(summarize(() => sample.decrypt(extended))).toBe('DECRYPT_FAILED: Decryption failed');
    },
  );

  describe.each(['v1', 'raw'] as const)('%s', (format) => {
    const crypto = manager({ format, associatedData: 'app' });

    it('refuses another key with DECRYPT_FAILED', () => {
      const other = manager({ format, associatedData: 'app' }, OTHER_SECRET);
      expectCryptoError(() => other.decryptStr(crypto.encryptStr('value')), 'DECRYPT_FAILED');
      expectCryptoError(() => other.decryptBytes(crypto.encryptBytes(utf8('v'))), 'DECRYPT_FAILED');
      expectCryptoError(() => other.decryptInt(crypto.encryptInt(1)), 'DECRYPT_FAILED');
      expectCryptoError(() => other.decryptBool(crypto.encryptBool(false)), 'DECRYPT_FAILED');
    });

    it('refuses a wrong, missing or extra aad with DECRYPT_FAILED', () => {
      const withAad = crypto.encryptStr('value', { aad: 'users.email:42' });
      expect(crypto.decryptStr(withAad, { aad: 'users.email:42' })).toBe('value');
      expectCryptoError(
        () => crypto.decryptStr(withAad, { aad: 'users.email:43' }),
        'DECRYPT_FAILED',
      );
      expectCryptoError(() => crypto.decryptStr(withAad), 'DECRYPT_FAILED');
      expectCryptoError(() => crypto.decryptStr(withAad, { aad: '' }), 'DECRYPT_FAILED');
      const withoutAad = crypto.encryptStr('value');
      expectCryptoError(
        () => crypto.decryptStr(withoutAad, { aad: 'users.email:42' }),
        'DECRYPT_FAILED',
      );
      expectCryptoError(
        () => crypto.decryptStr(withoutAad, { aad: Buffer.of(0) }),
        'DECRYPT_FAILED',
      );
    });

    it('treats an empty aad as no aad', () => {
      expect(crypto.decryptStr(crypto.encryptStr('value', { aad: '' }))).toBe('value');
      expect(crypto.decryptStr(crypto.encryptStr('value'), { aad: new Uint8Array(0) })).toBe(
        'value',
      );
    });

    it('refuses a payload written under another associatedData with DECRYPT_FAILED', () => {
      for (const associatedData of ['', 'App', 'app ']) {
        const other = manager({ format, associatedData });
        expectCryptoError(() => other.decryptStr(crypto.encryptStr('value')), 'DECRYPT_FAILED');
        expectCryptoError(() => crypto.decryptStr(other.encryptStr('value')), 'DECRYPT_FAILED');
      }
    });

    it.each([
      ['a non-alphabet character', (text: string) => `${text.slice(0, 4)}!${text.slice(5)}`],
      ['a non-ASCII character', (text: string) => `${text.slice(0, 4)}é${text.slice(5)}`],
      ['missing padding', (text: string) => text.replace(/=+$/, '')],
      ['extra padding', (text: string) => `${text}=`],
      ['a space inside', (text: string) => `${text.slice(0, 8)} ${text.slice(8)}`],
      ['a trailing newline', (text: string) => `${text}\n`],
      ['a leading space', (text: string) => ` ${text}`],
      ['line breaks (MIME style)', (text: string) => `${text.slice(0, 8)}\r\n${text.slice(8)}`],
      ['an empty string', () => ''],
    ])('refuses Base64 with %s as MALFORMED', (_what, damage) => {
      // Every payload here has padding: v1 lengths 34, 41 and 34 bytes; raw 29, 29 and 29.
      const samples = [crypto.encryptStr('x'), crypto.encryptInt(5), crypto.encryptBool(true)];
      for (const text of samples) {
        expect(text).toMatch(/=$/);
        const damaged = damage(text);
        expect(damaged).not.toBe(text);
        expectCryptoError(() => crypto.decryptStr(damaged), 'MALFORMED');
        expectCryptoError(() => crypto.decryptInt(damaged), 'MALFORMED');
        expectCryptoError(() => crypto.decryptBool(damaged), 'MALFORMED');
      }
    });

    it('refuses base64url text (- and _) as MALFORMED', () => {
      // Bytes fb ff bf at an offset divisible by 3 are '+/+/' in Base64, '-_-_' in base64url.
      const payload = fromBase64(crypto.encryptStr('v'));
      payload.set([0xfb, 0xff, 0xbf], 6);
      const standard = payload.toString('base64');
      expect(standard.slice(8, 12)).toBe('+/+/');
      expectCryptoError(() => crypto.decryptStr(standard), 'DECRYPT_FAILED');
      const urlSafe = payload.toString('base64url');
      expect(urlSafe.slice(8, 12)).toBe('-_-_');
      expectCryptoError(() => crypto.decryptStr(urlSafe), 'MALFORMED');
      expectCryptoError(
        () => crypto.decryptStr(`${urlSafe}==`.slice(0, standard.length)),
        'MALFORMED',
      );
    });
  });

  describe('a value of one type is not read as another (v1)', () => {
    const crypto = manager();

    it('decryptInt and decryptBool refuse an encrypted string with INVALID_INPUT', () => {
      const { message } = expectCryptoError(
        () => crypto.decryptInt(crypto.encryptStr('42')),
        'INVALID_INPUT',
      );
      expect(message).toContain('not an integer');
      expectCryptoError(() => crypto.decryptBool(crypto.encryptStr('1')), 'INVALID_INPUT');
    });

    it('decryptStr and decryptBytes refuse an encrypted int or bool with INVALID_INPUT', () => {
      const int = crypto.encryptInt(42);
      const { message } = expectCryptoError(() => crypto.decryptStr(int), 'INVALID_INPUT');
      expect(message).toContain('holds an integer');
      expectCryptoError(() => crypto.decryptBytes(fromBase64(int)), 'INVALID_INPUT');
      expectCryptoError(() => crypto.decryptStr(crypto.encryptBool(true)), 'INVALID_INPUT');
    });

    it('decryptInt refuses a bool and decryptBool an int with INVALID_INPUT', () => {
      expectCryptoError(() => crypto.decryptInt(crypto.encryptBool(true)), 'INVALID_INPUT');
      expectCryptoError(() => crypto.decryptBool(crypto.encryptInt(1)), 'INVALID_INPUT');
    });

    it('reads bytes as a string and a string as bytes (one kind)', () => {
      expect(
        crypto.decryptStr(Buffer.from(crypto.encryptBytes(utf8('t'))).toString('base64')),
      ).toBe('t');
      expect(crypto.decryptBytes(fromBase64(crypto.encryptStr('t')))).toEqual(utf8('t'));
    });

    it('still refuses a damaged payload of another kind with DECRYPT_FAILED', () => {
      const damaged = flipBit(fromBase64(crypto.encryptInt(42)), 200).toString('base64');
      expectCryptoError(() => crypto.decryptStr(damaged), 'DECRYPT_FAILED');
    });
  });

  describe('a payload of the other format', () => {
    it('v1 refuses a raw payload by its version byte (MALFORMED, naming raw)', () => {
      const raw = sealWithNode(
        aeadKeyOf(SECRET),
        utf8('longer than the v1 minimum'),
        new Uint8Array(0),
        hex('02'.repeat(12)),
      );
      const { message } = expectCryptoError(() => manager().decryptBytes(raw), 'MALFORMED');
      expect(message).toContain('0x02');
      expect(message).toContain("format: 'raw'");
    });

    it('raw refuses a v1 payload with DECRYPT_FAILED', () => {
      const v1 = manager().encryptBytes(utf8('x'));
      expectCryptoError(() => manager({ format: 'raw' }).decryptBytes(v1), 'DECRYPT_FAILED');
    });

    it.each([0x00, 0x02, 0x7f, 0xff])('v1 refuses version byte %i as MALFORMED', (version) => {
      const payload = Buffer.from(manager().encryptBytes(utf8('x')));
      payload[0] = version;
      expectCryptoError(() => manager().decryptBytes(payload), 'MALFORMED');
    });
  });
});
