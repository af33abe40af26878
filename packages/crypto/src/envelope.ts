import { type CipherGCMTypes, createCipheriv, createDecipheriv, type KeyObject } from 'node:crypto';
import { CryptoError } from './crypto-error.js';
import { NONCE_LENGTH, type NoncePool } from './nonce-pool.js';

/** The version byte that starts every `v1` payload. */
export const V1_VERSION = 0x01;
export const KEY_ID_LENGTH = 4;
export const TAG_LENGTH = 16;
const V1_HEADER_LENGTH = 1 + KEY_ID_LENGTH;
const V1_OVERHEAD = V1_HEADER_LENGTH + NONCE_LENGTH + TAG_LENGTH;
const RAW_OVERHEAD = NONCE_LENGTH + TAG_LENGTH;

/**
 * What a `v1` payload holds. It is authenticated (part of the AAD), so an encrypted integer can
 * never be read back as a string or the reverse: the types of the helpers hold end to end.
 */
export type PayloadKind = 'bytes' | 'int' | 'bool';
const KIND_BYTE: Readonly<Record<PayloadKind, number>> = { bytes: 0, int: 1, bool: 2 };
export const PAYLOAD_KINDS: readonly PayloadKind[] = ['bytes', 'int', 'bool'];

/** One secret, ready to encrypt: its AES key and, for `v1`, its id and AAD prefixes. */
export interface SealingKey {
  readonly algorithm: CipherGCMTypes;
  readonly aeadKey: KeyObject;
  readonly keyId: Buffer;
  /** `header ‖ kind ‖ u32be(len(associatedData)) ‖ associatedData` for each kind. */
  readonly v1AadPrefix: Readonly<Record<PayloadKind, Buffer>>;
}

/** Builds the `v1` AAD prefix of a key for each payload kind. */
export function v1AadPrefixes(keyId: Buffer, associatedData: Buffer): Record<PayloadKind, Buffer> {
  const prefixFor = (kind: PayloadKind): Buffer => {
    const prefix = Buffer.alloc(V1_HEADER_LENGTH + 1 + 4 + associatedData.length);
    prefix[0] = V1_VERSION;
    keyId.copy(prefix, 1);
    prefix[V1_HEADER_LENGTH] = KIND_BYTE[kind];
    prefix.writeUInt32BE(associatedData.length, V1_HEADER_LENGTH + 1);
    associatedData.copy(prefix, V1_HEADER_LENGTH + 5);
    return prefix;
  };
  return { bytes: prefixFor('bytes'), int: prefixFor('int'), bool: prefixFor('bool') };
}

function withCallAad(prefix: Buffer, aad: Buffer | undefined): Buffer {
  return aad === undefined || aad.length === 0 ? prefix : Buffer.concat([prefix, aad]);
}

/** Encrypts into `out` at `offset` (nonce, ciphertext, tag); `out` is exactly big enough. */
function sealInto(
  key: SealingKey,
  out: Buffer,
  offset: number,
  nonces: NoncePool,
  plaintext: Uint8Array,
  aad: Buffer,
): Buffer {
  const nonce = nonces.writeInto(out, offset);
  const cipher = createCipheriv(key.algorithm, key.aeadKey, nonce, { authTagLength: TAG_LENGTH });
  if (aad.length > 0) cipher.setAAD(aad);
  const ciphertext = cipher.update(plaintext);
  out.set(ciphertext, offset + NONCE_LENGTH);
  cipher.final();
  out.set(cipher.getAuthTag(), offset + NONCE_LENGTH + ciphertext.length);
  return out;
}

/** `0x01 ‖ keyId ‖ nonce ‖ ciphertext ‖ tag`; AAD = prefix of the kind ‖ per-call aad. */
export function sealV1(
  key: SealingKey,
  nonces: NoncePool,
  plaintext: Uint8Array,
  kind: PayloadKind,
  aad: Buffer | undefined,
): Buffer {
  const out = Buffer.allocUnsafeSlow(V1_OVERHEAD + plaintext.length);
  out[0] = V1_VERSION;
  key.keyId.copy(out, 1);
  return sealInto(
    key,
    out,
    V1_HEADER_LENGTH,
    nonces,
    plaintext,
    withCallAad(key.v1AadPrefix[kind], aad),
  );
}

/** `nonce ‖ ciphertext ‖ tag` with AAD = associatedData ‖ aad: what any AES-GCM library writes. */
export function sealRaw(
  key: SealingKey,
  nonces: NoncePool,
  plaintext: Uint8Array,
  aad: Buffer,
): Buffer {
  const out = Buffer.allocUnsafeSlow(RAW_OVERHEAD + plaintext.length);
  return sealInto(key, out, 0, nonces, plaintext, aad);
}

/** A plain view (cheaper to make than a Buffer's `subarray`). */
function view(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start);
}

/**
 * Decrypts `nonce ‖ ciphertext ‖ tag` found from `start` to the end of `payload`;
 * `undefined` when the tag does not verify.
 */
function openWith(
  key: SealingKey,
  payload: Uint8Array,
  start: number,
  aad: Buffer,
): Buffer | undefined {
  const end = payload.length;
  const decipher = createDecipheriv(
    key.algorithm,
    key.aeadKey,
    view(payload, start, start + NONCE_LENGTH),
    {
      authTagLength: TAG_LENGTH,
    },
  );
  decipher.setAuthTag(view(payload, end - TAG_LENGTH, end));
  if (aad.length > 0) decipher.setAAD(aad);
  const plaintext = decipher.update(view(payload, start + NONCE_LENGTH, end - TAG_LENGTH));
  try {
    decipher.final();
  } catch {
    plaintext.fill(0);
    return undefined;
  }
  return plaintext;
}

function tooShort(length: number, minimum: number, format: string): CryptoError {
  return new CryptoError(
    'MALFORMED',
    `Not a ${format} payload: ${length} bytes, but even an empty value encrypts to ${minimum}.`,
  );
}

/**
 * Opens a `v1` payload with the key its id names. When the tag fails, tries the other kinds so
 * that `decryptInt` on an encrypted string says so (`INVALID_INPUT`) instead of `DECRYPT_FAILED`.
 */
export function openV1(
  keys: ReadonlyMap<number, SealingKey>,
  payload: Uint8Array,
  kind: PayloadKind,
  aad: Buffer | undefined,
): Buffer {
  if (payload.length < V1_OVERHEAD) throw tooShort(payload.length, V1_OVERHEAD, 'v1');
  if (payload[0] !== V1_VERSION) {
    throw new CryptoError(
      'MALFORMED',
      `Unknown payload version 0x${(payload[0] ?? 0).toString(16).padStart(2, '0')}: this version reads v1 (0x01). A raw payload needs format: 'raw'.`,
    );
  }
  const keyId =
    (((payload[1] as number) << 24) |
      ((payload[2] as number) << 16) |
      ((payload[3] as number) << 8) |
      (payload[4] as number)) >>>
    0;
  const key = keys.get(keyId);
  if (key === undefined) {
    const known = [...keys.values()].map((k) => k.keyId.toString('hex')).join(', ');
    throw new CryptoError(
      'DECRYPT_FAILED',
      `No key with id ${keyId.toString(16).padStart(8, '0')} (known: ${known}): add the key that wrote this payload to previousKeys.`,
    );
  }
  const plaintext = openWith(
    key,
    payload,
    V1_HEADER_LENGTH,
    withCallAad(key.v1AadPrefix[kind], aad),
  );
  if (plaintext !== undefined) return plaintext;
  for (const other of PAYLOAD_KINDS) {
    if (other === kind) continue;
    const opened = openWith(
      key,
      payload,
      V1_HEADER_LENGTH,
      withCallAad(key.v1AadPrefix[other], aad),
    );
    if (opened !== undefined) {
      opened.fill(0);
      throw new CryptoError(
        'INVALID_INPUT',
        `This payload holds ${describeKind(other)}, not ${describeKind(kind)}: decrypt it with the matching method.`,
      );
    }
  }
  throw new CryptoError(
    'DECRYPT_FAILED',
    'Decryption failed: the payload was altered, or the key or associated data differ from those it was encrypted with.',
  );
}

/** Opens a `raw` payload, trying the keys in order (the primary first). */
export function openRaw(keys: readonly SealingKey[], payload: Uint8Array, aad: Buffer): Buffer {
  if (payload.length < RAW_OVERHEAD) throw tooShort(payload.length, RAW_OVERHEAD, 'raw');
  for (const key of keys) {
    const plaintext = openWith(key, payload, 0, aad);
    if (plaintext !== undefined) return plaintext;
  }
  throw new CryptoError(
    'DECRYPT_FAILED',
    `Decryption failed with each of the ${keys.length} key(s): the payload was altered, or it was written with another key or associated data.`,
  );
}

function describeKind(kind: PayloadKind): string {
  switch (kind) {
    case 'bytes':
      return 'bytes or a string';
    case 'int':
      return 'an integer';
    case 'bool':
      return 'a boolean';
  }
}
