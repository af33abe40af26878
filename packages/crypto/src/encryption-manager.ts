import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { type Charset, ConfigError, type ConfigIssue, type CryptoConfig } from '@x/config';
import { decodeBase64 } from './base64.js';
import { CryptoError } from './crypto-error.js';
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
import {
  openRaw,
  openV1,
  type PayloadKind,
  type SealingKey,
  sealRaw,
  sealV1,
  v1AadPrefixes,
} from './envelope.js';
import { deriveKeys } from './key-derivation.js';
import { type KeyInput, parseKey } from './key-format.js';
import { NoncePool } from './nonce-pool.js';

/** Options of the {@link EncryptionManager} constructor. */
export interface EncryptionManagerOptions {
  /**
   * Older keys, used only to decrypt (rotation): `v1` payloads find theirs by key id; `raw`
   * payloads try the primary key first, then these in order.
   */
  readonly previousKeys?: readonly KeyInput[];
}

/** Options of one encrypt or decrypt call. */
export interface CallOptions {
  /**
   * Associated data bound to this value, e.g. `users.email:42`: the payload only decrypts with
   * the same `aad`, so it cannot be copied to another row or column. A string is UTF-8 encoded.
   */
  readonly aad?: Uint8Array | string;
}

/** What the constructor reads of the configuration: the `crypto` section of `defineConfig()`. */
export interface CryptoSettings {
  readonly crypto: CryptoConfig;
}

interface ManagedKey extends SealingKey {
  readonly macKey: KeyObject;
}

const AES_ALGORITHMS = { 16: 'aes-128-gcm', 24: 'aes-192-gcm', 32: 'aes-256-gcm' } as const;
const CHARSETS: readonly Charset[] = ['utf8', 'utf16le', 'latin1', 'ascii'];

/**
 * Encrypts and decrypts field values with AES-GCM, and computes HMAC-SHA-512 lookup hashes.
 * Every method is synchronous; `null` or `undefined` in gives `null` out.
 *
 * @example
 * const crypto = new EncryptionManager(loadConfig(), process.env.X_MASTER_KEY!);
 * const stored = crypto.encryptStr('ada@example.com', { aad: 'users.email' });
 * crypto.decryptStr(stored, { aad: 'users.email' }); // 'ada@example.com'
 * crypto.getHash('ada@example.com');                  // 128 hex digits, for WHERE email_hash = ?
 */
export class EncryptionManager {
  /** The id (8 hex digits) of the primary key, written into every `v1` payload. */
  readonly keyId: string;
  /** The ids of `previousKeys`, in the order given. */
  readonly previousKeyIds: readonly string[];
  readonly #format: 'v1' | 'raw';
  readonly #charset: Charset;
  readonly #associatedData: Buffer;
  readonly #primary: ManagedKey;
  readonly #keysInOrder: readonly ManagedKey[];
  readonly #keysById: ReadonlyMap<number, ManagedKey>;
  readonly #nonces = new NoncePool();

  constructor(config: CryptoSettings, key: KeyInput, options?: EncryptionManagerOptions | null) {
    const settings = checkCryptoSettings(config);
    this.#format = settings.format;
    this.#charset = settings.charset;
    this.#associatedData = Buffer.from(settings.associatedData, 'utf8');

    if (options !== undefined && options !== null && typeof options !== 'object') {
      throw new CryptoError(
        'INVALID_INPUT',
        `options must be an object, got ${typeName(options)}.`,
      );
    }
    const previous = options?.previousKeys ?? [];
    if (!Array.isArray(previous)) {
      throw new CryptoError(
        'INVALID_KEY',
        `previousKeys must be an array of keys, got ${typeName(previous)}.`,
      );
    }
    const secrets = [parseKey(key), ...previous.map((k, i) => parseKey(k, `previousKeys[${i}]`))];
    const keys = secrets.map((secret) => this.#prepareKey(secret, settings));
    const byId = new Map<number, ManagedKey>();
    keys.forEach((managed, index) => {
      const id = managed.keyId.readUInt32BE(0);
      if (byId.has(id)) {
        throw new CryptoError(
          'INVALID_KEY',
          `${index === 0 ? 'key' : `previousKeys[${index - 1}]`} has the id ${managed.keyId.toString('hex')} of another key given: pass each key once.`,
        );
      }
      byId.set(id, managed);
    });
    this.#primary = keys[0] as ManagedKey;
    this.#keysInOrder = keys;
    this.#keysById = byId;
    this.keyId = this.#primary.keyId.toString('hex');
    this.previousKeyIds = keys.slice(1).map((k) => k.keyId.toString('hex'));
  }

  #prepareKey(secret: Uint8Array, settings: CryptoConfig): ManagedKey {
    const derived = deriveKeys(secret, settings.hkdf, settings.hkdfInfo);
    const keyId = Buffer.from(derived.keyId);
    const managed: ManagedKey = {
      algorithm: AES_ALGORITHMS[derived.aeadKey.length as 16 | 24 | 32],
      aeadKey: createSecretKey(derived.aeadKey),
      macKey: createSecretKey(derived.macKey),
      keyId,
      v1AadPrefix: v1AadPrefixes(keyId, this.#associatedData),
    };
    derived.macKey.fill(0);
    if (derived.aeadKey !== secret) derived.aeadKey.fill(0);
    secret.fill(0);
    return managed;
  }

  /** Encrypts bytes into a payload of the configured format. */
  encryptBytes(value: Uint8Array, options?: CallOptions): Uint8Array;
  encryptBytes(value: null | undefined, options?: CallOptions): null;
  encryptBytes(value: Uint8Array | null | undefined, options?: CallOptions): Uint8Array | null;
  encryptBytes(value: Uint8Array | null | undefined, options?: CallOptions): Uint8Array | null {
    if (value === null || value === undefined) return null;
    if (!(value instanceof Uint8Array)) {
      throw new CryptoError(
        'INVALID_INPUT',
        `encryptBytes expects a Uint8Array, got ${typeName(value)}.`,
      );
    }
    return this.#seal(value, 'bytes', options);
  }

  /** Decrypts a payload of `encryptBytes` (a Buffer, which is a Uint8Array). */
  decryptBytes(value: Uint8Array, options?: CallOptions): Uint8Array;
  decryptBytes(value: null | undefined, options?: CallOptions): null;
  decryptBytes(value: Uint8Array | null | undefined, options?: CallOptions): Uint8Array | null;
  decryptBytes(value: Uint8Array | null | undefined, options?: CallOptions): Uint8Array | null {
    if (value === null || value === undefined) return null;
    if (!(value instanceof Uint8Array)) {
      throw new CryptoError(
        'INVALID_INPUT',
        `decryptBytes expects a Uint8Array, got ${typeName(value)}.`,
      );
    }
    return this.#open(value, 'bytes', options);
  }

  /** Encrypts a string (encoded in `crypto.charset`) into Base64 text. */
  encryptStr(value: string, options?: CallOptions): string;
  encryptStr(value: null | undefined, options?: CallOptions): null;
  encryptStr(value: string | null | undefined, options?: CallOptions): string | null;
  encryptStr(value: string | null | undefined, options?: CallOptions): string | null {
    if (value === null || value === undefined) return null;
    return this.#seal(encodeText(value, this.#charset), 'bytes', options).toString('base64');
  }

  /** Decrypts the Base64 text of `encryptStr`. */
  decryptStr(value: string, options?: CallOptions): string;
  decryptStr(value: null | undefined, options?: CallOptions): null;
  decryptStr(value: string | null | undefined, options?: CallOptions): string | null;
  decryptStr(value: string | null | undefined, options?: CallOptions): string | null {
    if (value === null || value === undefined) return null;
    const plaintext = this.#open(
      decodeBase64(this.#expectString(value, 'decryptStr')),
      'bytes',
      options,
    );
    return decodeText(plaintext, this.#charset);
  }

  /**
   * Encrypts a safe integer into Base64 text. `v1` writes 8 bytes whatever the value, so the
   * payload's length reveals nothing of its magnitude; `raw` writes decimal text (interoperable).
   */
  encryptInt(value: number, options?: CallOptions): string;
  encryptInt(value: null | undefined, options?: CallOptions): null;
  encryptInt(value: number | null | undefined, options?: CallOptions): string | null;
  encryptInt(value: number | null | undefined, options?: CallOptions): string | null {
    if (value === null || value === undefined) return null;
    assertSafeInteger(value);
    const plaintext =
      this.#format === 'v1' ? encodeInt64(value) : Buffer.from(String(value), 'latin1');
    return this.#seal(plaintext, 'int', options).toString('base64');
  }

  /** Decrypts the Base64 text of `encryptInt`; anything but an integer is `INVALID_INPUT`. */
  decryptInt(value: string, options?: CallOptions): number;
  decryptInt(value: null | undefined, options?: CallOptions): null;
  decryptInt(value: string | null | undefined, options?: CallOptions): number | null;
  decryptInt(value: string | null | undefined, options?: CallOptions): number | null {
    if (value === null || value === undefined) return null;
    const plaintext = this.#open(
      decodeBase64(this.#expectString(value, 'decryptInt')),
      'int',
      options,
    );
    return this.#format === 'v1' ? decodeInt64(plaintext) : decodeDecimal(plaintext);
  }

  /** Encrypts a boolean into Base64 text (`v1`: one byte; `raw`: `1` or `0`). */
  encryptBool(value: boolean, options?: CallOptions): string;
  encryptBool(value: null | undefined, options?: CallOptions): null;
  encryptBool(value: boolean | null | undefined, options?: CallOptions): string | null;
  encryptBool(value: boolean | null | undefined, options?: CallOptions): string | null {
    if (value === null || value === undefined) return null;
    if (typeof value !== 'boolean') {
      throw new CryptoError(
        'INVALID_INPUT',
        `encryptBool expects a boolean, got ${typeName(value)}.`,
      );
    }
    const plaintext =
      this.#format === 'v1' ? Buffer.of(value ? 1 : 0) : Buffer.from(value ? '1' : '0', 'latin1');
    return this.#seal(plaintext, 'bool', options).toString('base64');
  }

  /** Decrypts the Base64 text of `encryptBool`. */
  decryptBool(value: string, options?: CallOptions): boolean;
  decryptBool(value: null | undefined, options?: CallOptions): null;
  decryptBool(value: string | null | undefined, options?: CallOptions): boolean | null;
  decryptBool(value: string | null | undefined, options?: CallOptions): boolean | null {
    if (value === null || value === undefined) return null;
    const plaintext = this.#open(
      decodeBase64(this.#expectString(value, 'decryptBool')),
      'bool',
      options,
    );
    if (this.#format === 'raw') return decodeBoolText(plaintext);
    if (plaintext.length !== 1 || (plaintext[0] as number) > 1) {
      throw new CryptoError('INVALID_INPUT', 'The decrypted value is not a boolean.');
    }
    return plaintext[0] === 1;
  }

  /**
   * HMAC-SHA-512 of the value (a string in `crypto.charset`, or bytes) under a key derived for
   * this purpose only: 128 lowercase hex digits. Equal inputs give equal hashes (a blind index:
   * `WHERE email_hash = ?` without decrypting); the hash reveals equality and nothing else.
   */
  getHash(value: string | Uint8Array): string;
  getHash(value: null | undefined): null;
  getHash(value: string | Uint8Array | null | undefined): string | null;
  getHash(value: string | Uint8Array | null | undefined): string | null {
    if (value === null || value === undefined) return null;
    return this.#hash(this.#primary, value);
  }

  /**
   * The lookup hashes of the value under the primary key and then each previous key, in that
   * order: during a key rotation, query `WHERE email_hash IN (...)` until every stored hash has
   * been recomputed with the new key.
   */
  getHashes(value: string | Uint8Array): string[];
  getHashes(value: null | undefined): null;
  getHashes(value: string | Uint8Array | null | undefined): string[] | null;
  getHashes(value: string | Uint8Array | null | undefined): string[] | null {
    if (value === null || value === undefined) return null;
    return this.#keysInOrder.map((key) => this.#hash(key, value));
  }

  #hash(key: ManagedKey, value: string | Uint8Array): string {
    const hmac = createHmac('sha512', key.macKey);
    // Hashing a well-formed string as UTF-8 directly skips a Buffer (measured: ~7% of getHash).
    if (typeof value === 'string' && this.#charset === 'utf8' && value.isWellFormed()) {
      hmac.update(value, 'utf8');
    } else {
      hmac.update(value instanceof Uint8Array ? value : encodeText(value, this.#charset));
    }
    return hmac.digest('hex');
  }

  #expectString(value: unknown, method: string): string {
    if (typeof value !== 'string') {
      throw new CryptoError(
        'INVALID_INPUT',
        `${method} expects a Base64 string, got ${typeName(value)}.`,
      );
    }
    return value;
  }

  #callAad(options: CallOptions | undefined): Buffer | undefined {
    if (options === undefined || options === null) return undefined;
    // A bare string here would otherwise be dropped silently, leaving the value bound to nothing.
    if (typeof options !== 'object') {
      throw new CryptoError(
        'INVALID_INPUT',
        `The last argument must be { aad }, got ${typeName(options)}: write { aad: value }.`,
      );
    }
    const aad = options.aad;
    if (aad === undefined) return undefined;
    if (typeof aad === 'string') return Buffer.from(aad, 'utf8');
    if (aad instanceof Uint8Array) return Buffer.from(aad.buffer, aad.byteOffset, aad.byteLength);
    throw new CryptoError(
      'INVALID_INPUT',
      `aad must be a string or a Uint8Array, got ${typeName(aad)}.`,
    );
  }

  #rawAad(options: CallOptions | undefined): Buffer {
    const aad = this.#callAad(options);
    if (aad === undefined || aad.length === 0) return this.#associatedData;
    return this.#associatedData.length === 0 ? aad : Buffer.concat([this.#associatedData, aad]);
  }

  #seal(plaintext: Uint8Array, kind: PayloadKind, options: CallOptions | undefined): Buffer {
    return this.#format === 'v1'
      ? sealV1(this.#primary, this.#nonces, plaintext, kind, this.#callAad(options))
      : sealRaw(this.#primary, this.#nonces, plaintext, this.#rawAad(options));
  }

  #open(payload: Uint8Array, kind: PayloadKind, options: CallOptions | undefined): Buffer {
    return this.#format === 'v1'
      ? openV1(this.#keysById, payload, kind, this.#callAad(options))
      : openRaw(this.#keysInOrder, payload, this.#rawAad(options));
  }
}

/** The crypto section, checked at run time too: JavaScript callers get no compiler to help. */
function checkCryptoSettings(config: unknown): CryptoConfig {
  const crypto = (config as { crypto?: unknown } | null | undefined)?.crypto;
  if (typeof crypto !== 'object' || crypto === null) {
    throw new ConfigError([
      {
        path: 'crypto',
        value: crypto,
        expected: 'the crypto section of defineConfig() or loadConfig()',
        message: 'crypto: pass the result of defineConfig() or loadConfig() to EncryptionManager',
      },
    ]);
  }
  const section = crypto as Partial<Record<keyof CryptoConfig, unknown>>;
  const issues: ConfigIssue[] = [];
  const expect = (field: keyof CryptoConfig, ok: boolean, expected: string): void => {
    if (!ok) {
      issues.push({
        path: `crypto.${field}`,
        value: section[field],
        expected,
        message: `crypto.${field}: expected ${expected}`,
      });
    }
  };
  expect('hkdf', typeof section.hkdf === 'boolean', 'a boolean');
  expect(
    'hkdfInfo',
    typeof section.hkdfInfo === 'string' && section.hkdfInfo !== '',
    'a non-empty string',
  );
  expect('associatedData', typeof section.associatedData === 'string', 'a string');
  expect('charset', CHARSETS.includes(section.charset as Charset), CHARSETS.join(', '));
  expect('format', section.format === 'v1' || section.format === 'raw', "'v1' or 'raw'");
  if (issues.length > 0) throw new ConfigError(issues);
  return section as CryptoConfig;
}
