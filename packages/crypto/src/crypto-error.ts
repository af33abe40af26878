import { XError } from '@x/config';

/**
 * What went wrong, for a caller to act on:
 * - `INVALID_KEY`: a key that is not 16, 24 or 32 bytes in an accepted form, or two keys with one id.
 * - `MALFORMED`: a payload too short to be one, bad Base64, or an unknown format version.
 * - `DECRYPT_FAILED`: wrong key, tampered payload, wrong associated data, or no key with its id.
 * - `INVALID_INPUT`: a value of the wrong type or range, or a payload of another type
 *   (`decryptInt` on an encrypted string).
 */
export type CryptoErrorCode = 'INVALID_KEY' | 'MALFORMED' | 'DECRYPT_FAILED' | 'INVALID_INPUT';

/**
 * The error of every `@x/crypto` failure. Check it with `CryptoError.is(error)`, which also holds
 * across two installed copies of the package, and switch on `code`.
 */
export class CryptoError extends XError<CryptoErrorCode> {
  static override readonly brand: symbol = Symbol.for('@x/crypto/CryptoError');
}
