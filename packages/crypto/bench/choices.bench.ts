// Informative suites (no target): measurements behind implementation choices of src/.
import { createSecretKey } from 'node:crypto';
import { type BenchSuite, defineSuite } from '@x/bench-harness';
import { expectEach, nodeGcmRoundTrip, pooledNonces, secret } from './fixtures.js';

// (a) The manager keeps its AES key as a KeyObject (createSecretKey) rather than a Buffer.
const nextNonce = pooledNonces();
const keyObject = createSecretKey(secret);
const plaintext64 = Buffer.alloc(64, 0x61);
const keyCases = {
  'Buffer key': () => nodeGcmRoundTrip(secret, nextNonce(), plaintext64),
  'KeyObject key (createSecretKey)': () => nodeGcmRoundTrip(keyObject, nextNonce(), plaintext64),
};
const keyForm: BenchSuite = defineSuite({
  name: 'createCipheriv key form: AES-256-GCM encrypt + decrypt of 64 bytes',
  baseline: 'Buffer key',
  cases: keyCases,
  setup: expectEach(keyCases, plaintext64),
});

// (b) Strict Base64 decoding: Node's decoder skips unknown characters and accepts missing
// padding, so decryptStr checks the text. Re-encoding and comparing accepts only canonical text;
// the regular expression below accepts exactly the same strings (it also requires the unused low
// bits of the last character before the padding to be zero, as re-encoding does).
const CANONICAL_BASE64 =
  /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$/;
const payload = Buffer.from(Array.from({ length: 74 }, (_, i) => (i * 97 + 13) & 0xff));
const text = payload.toString('base64'); // 100 characters, ending in one '='
const base64Cases = {
  'Buffer.from (no check)': () => Buffer.from(text, 'base64'),
  're-encode and compare': () => {
    const bytes = Buffer.from(text, 'base64');
    if (bytes.toString('base64') !== text) throw new Error('not canonical Base64');
    return bytes;
  },
  'regular expression, then Buffer.from': () => {
    if (!CANONICAL_BASE64.test(text)) throw new Error('not canonical Base64');
    return Buffer.from(text, 'base64');
  },
};
const base64: BenchSuite = defineSuite({
  name: `strict Base64 decoding of ${text.length} characters`,
  baseline: 'Buffer.from (no check)',
  cases: base64Cases,
  setup: expectEach(base64Cases, payload),
});

const suites: BenchSuite[] = [keyForm, base64];

export default suites;
