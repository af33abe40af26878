import { CryptoError } from './crypto-error.js';

/**
 * Decodes standard, padded Base64 (RFC 4648 §4), refusing anything else. Node's own decoder
 * skips characters it does not know and accepts missing padding, which would turn a damaged
 * value into other bytes; re-encoding and comparing accepts exactly the canonical text.
 */
export function decodeBase64(text: string): Buffer {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) {
    throw new CryptoError(
      'MALFORMED',
      `Not a payload: expected standard padded Base64 (A-Z a-z 0-9 + / and = padding), got ${text.length} characters that are not.`,
    );
  }
  return bytes;
}
