// encryptStr/decryptStr and encryptBytes/decryptBytes against the platform's limit (a bare
// node:crypto AES-256-GCM round trip) and the peers: @47ng/cloak (the engine of
// prisma-field-encryption) and @noble/ciphers (pure JavaScript).
import {
  decryptString,
  decryptStringSync,
  encryptString,
  encryptStringSync,
  parseKeySync,
} from '@47ng/cloak';
import { gcm } from '@noble/ciphers/aes.js';
import { type BenchSuite, defineSuite } from '@x/bench-harness';
import {
  createManager,
  expectEach,
  inlineV1Open,
  inlineV1Seal,
  inlineV1StringRoundTrip,
  nodeGcmRoundTrip,
  pooledNonces,
  secret,
  text64,
} from './fixtures.js';

const manager = createManager();
const nextNonce = pooledNonces();
const keyBytes = Uint8Array.from(secret);
// prisma-field-encryption parses its keys once with parseKeySync and calls the *Sync functions.
const cloakKey = parseKeySync(`k1.aesgcm256.${secret.toString('base64url')}`);

function nobleRoundTrip(plaintext: Uint8Array): Uint8Array {
  const nonce = nextNonce();
  const sealed = gcm(keyBytes, nonce).encrypt(plaintext);
  return gcm(keyBytes, nonce).decrypt(sealed);
}

const text64Bytes = Buffer.from(text64, 'utf8');
if (text64.length !== 64 || text64Bytes.length !== 64) throw new Error('text64 is not 64 bytes');

const BASELINE_64 = 'node:crypto, 64 bytes (pooled nonces)';

// Cases on bytes return the bytes; cases on strings return the string.
const baseline64 = () => nodeGcmRoundTrip(secret, nextNonce(), text64Bytes);
const noble64 = () => nobleRoundTrip(text64Bytes);
const stringLevel64 = {
  'EncryptionManager encryptStr+decryptStr': () => manager.decryptStr(manager.encryptStr(text64)),
  'node:crypto inline, same format and checks': () =>
    inlineV1StringRoundTrip(secret, nextNonce(), text64),
  '@47ng/cloak encryptStringSync+decryptStringSync': () =>
    decryptStringSync(encryptStringSync(text64, cloakKey), cloakKey),
  '@47ng/cloak encryptString+decryptString (async)': async () =>
    decryptString(await encryptString(text64, cloakKey), cloakKey),
};

const strings: BenchSuite = defineSuite({
  name: 'encrypt + decrypt a 64-character string',
  baseline: BASELINE_64,
  cases: {
    [BASELINE_64]: baseline64,
    ...stringLevel64,
    '@noble/ciphers gcm, 64 bytes (no encoding)': noble64,
  },
  setup: async () => {
    await expectEach({ baseline64, noble64 }, text64Bytes)();
    await expectEach(stringLevel64, text64)();
  },
});

function bytesSuite(label: string, size: number): BenchSuite {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31) & 0xff;
  const cases = {
    [`node:crypto, ${label} (pooled nonces)`]: () => nodeGcmRoundTrip(secret, nextNonce(), bytes),
    'EncryptionManager encryptBytes+decryptBytes': () =>
      manager.decryptBytes(manager.encryptBytes(bytes)),
    'node:crypto inline, same format': () =>
      inlineV1Open(secret, inlineV1Seal(secret, nextNonce(), bytes)),
    [`@noble/ciphers gcm, ${label}`]: () => nobleRoundTrip(bytes),
  };
  return defineSuite({
    name: `encrypt + decrypt ${label} of bytes`,
    baseline: `node:crypto, ${label} (pooled nonces)`,
    cases,
    setup: expectEach(cases, bytes),
  });
}

const suites: BenchSuite[] = [strings, bytesSuite('1 KiB', 1024), bytesSuite('1 MiB', 1024 * 1024)];

export default suites;
