import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';

/** HKDF info of the HMAC-SHA-512 key of `getHash`: never the AEAD key's info. */
export const MAC_KEY_INFO = 'x/crypto lookup hash v1';
/** HKDF info of the 4-byte key id written into `v1` payloads. */
export const KEY_ID_INFO = 'x/crypto key id v1';

const EMPTY_SALT = new Uint8Array(0);
const encoder = new TextEncoder();

/** HKDF-SHA256 with an empty salt, as gocryptfs derives its content key. */
export function hkdfSha256(secret: Uint8Array, info: string, length: number): Uint8Array {
  return hkdf(sha256, secret, EMPTY_SALT, encoder.encode(info), length);
}

/** The keys one secret yields; each purpose has its own HKDF output. */
export interface DerivedKeys {
  /** AES-GCM key: HKDF(secret, hkdfInfo) with `hkdf: true`, else the secret itself. */
  readonly aeadKey: Uint8Array;
  /** HMAC-SHA-512 key of `getHash` (64 bytes, HKDF with {@link MAC_KEY_INFO}). */
  readonly macKey: Uint8Array;
  /** 4 bytes naming the secret in `v1` payloads; reveals nothing of the key. */
  readonly keyId: Uint8Array;
}

export function deriveKeys(secret: Uint8Array, useHkdf: boolean, hkdfInfo: string): DerivedKeys {
  return {
    aeadKey: useHkdf ? hkdfSha256(secret, hkdfInfo, 32) : secret,
    macKey: hkdfSha256(secret, MAC_KEY_INFO, 64),
    keyId: hkdfSha256(secret, KEY_ID_INFO, 4),
  };
}
