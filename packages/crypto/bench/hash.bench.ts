// getHash (HMAC-SHA-512, hex) against a bare node:crypto HMAC, and a cached keyed
// @noble/hashes HMAC state (the inner and outer pads hashed once, cloned per call).
import { createHmac, createSecretKey } from 'node:crypto';
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { type BenchSuite, defineSuite } from '@x/bench-harness';
import { hkdfSha256, MAC_KEY_INFO } from '../src/key-derivation.js';
import { createManager, expectEach, secret } from './fixtures.js';

const manager = createManager();
// The key the manager derives for getHash, so that every case computes the very same hash.
const macKey = Buffer.from(hkdfSha256(secret, MAC_KEY_INFO, 64));
const macKeyObject = createSecretKey(macKey);

/** A 32-character string, the size of a typical e-mail address. */
const text32 = 'grace.hopper@example-navy.org.uk';
if (text32.length !== 32) throw new Error('text32 is not 32 characters');

const noble = hmac.create(sha512, macKey);
const scratch = noble.clone();
const digest = new Uint8Array(64);
const hex = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

const BASELINE = "node:crypto createHmac('sha512', Buffer key)";
const cases = {
  [BASELINE]: () => createHmac('sha512', macKey).update(text32).digest('hex'),
  'EncryptionManager getHash': () => manager.getHash(text32),
  "node:crypto createHmac('sha512', KeyObject)": () =>
    createHmac('sha512', macKeyObject).update(text32).digest('hex'),
  '@noble/hashes hmac, cached state .clone()': () =>
    hex(noble.clone().update(Buffer.from(text32, 'utf8')).digest()),
  '@noble/hashes hmac, cached state ._cloneInto(scratch)': () => {
    noble._cloneInto(scratch).update(Buffer.from(text32, 'utf8')).digestInto(digest);
    return hex(digest);
  },
};

const hash: BenchSuite = defineSuite({
  name: 'HMAC-SHA-512 of a 32-character string, hex',
  baseline: BASELINE,
  cases,
  setup: expectEach(cases, createHmac('sha512', macKey).update(text32, 'utf8').digest('hex')),
});

export default hash;
