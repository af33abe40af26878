import { isUtf8 } from 'node:buffer';
import { createHmac } from 'node:crypto';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { defineConfig } from '@x/config';
import { describe, expect, it } from 'vitest';
import { codeOf, hex, openWithNode } from '../test/helpers.js';
import {
  type AeadTest,
  type AeadTestGroup,
  type HkdfTest,
  type HkdfTestGroup,
  loadWycheproof,
  type MacTestGroup,
} from '../test/wycheproof.js';
import { EncryptionManager } from './encryption-manager.js';
import { hkdfSha256 } from './key-derivation.js';

/** The AES key is the vector's key itself, the AAD the vector's AAD: plain AES-GCM. */
const RAW_NO_HKDF = defineConfig({ crypto: { format: 'raw', hkdf: false } });
const RAW_OVERHEAD = 12 + 16;

/** A failure description for one vector, or `undefined` when it behaves as Wycheproof says. */
function checkAeadVector(test: AeadTest): string | undefined {
  const manager = new EncryptionManager(RAW_NO_HKDF, hex(test.key));
  const aad = hex(test.aad);
  const payload = Buffer.concat([hex(test.iv), hex(test.ct), hex(test.tag)]);
  const label = `tcId ${test.tcId} (${test.result}, ${test.comment || test.flags.join(' ')})`;

  if (test.result === 'valid') {
    let plaintext: Uint8Array;
    try {
      plaintext = manager.decryptBytes(payload, { aad });
    } catch (error) {
      return `${label}: decryptBytes threw ${String(error)}`;
    }
    const got = Buffer.from(plaintext).toString('hex');
    if (got !== test.msg) return `${label}: decrypted to ${got}, expected ${test.msg}`;

    // The other direction: the manager picks its own nonce, so check that plain AES-GCM opens
    // what it writes with this key and AAD.
    const sealed = manager.encryptBytes(hex(test.msg), { aad });
    if (sealed.length !== RAW_OVERHEAD + test.msg.length / 2) {
      return `${label}: encryptBytes wrote ${sealed.length} bytes`;
    }
    const reopened = openWithNode(hex(test.key), sealed, aad).toString('hex');
    if (reopened !== test.msg) return `${label}: node:crypto opened ${reopened}`;
    return undefined;
  }

  const expected = payload.length < RAW_OVERHEAD ? 'MALFORMED' : 'DECRYPT_FAILED';
  const got = codeOf(() => manager.decryptBytes(payload, { aad }));
  return got === expected ? undefined : `${label}: expected ${expected}, got ${got}`;
}

describe('Wycheproof aes_gcm_test.json through decryptBytes (raw, hkdf: false)', () => {
  const file = loadWycheproof<AeadTestGroup>('aes_gcm_test.json');
  const groups = file.testGroups.filter((group) => group.ivSize === 96 && group.tagSize === 128);

  it('holds the 96-bit IV, 128-bit tag groups of every key size, valid and invalid tests', () => {
    expect(file.algorithm).toBe('AES-GCM');
    expect(groups.length).toBe(file.testGroups.length);
    expect(groups.map((group) => group.keySize).sort()).toEqual([128, 192, 256]);
    const tests = groups.flatMap((group) => group.tests);
    expect(tests.length).toBeGreaterThan(0);
    expect(tests.length).toBe(file.numberOfTests);
    expect(tests.some((test) => test.result === 'valid')).toBe(true);
    expect(tests.some((test) => test.result === 'invalid')).toBe(true);
    expect(tests.every((test) => test.result !== 'acceptable')).toBe(true);
  });

  it.each(groups.map((group) => [group.keySize, group] as const))(
    'AES-%i-GCM: every vector of the group',
    (_keySize, group) => {
      let checked = 0;
      const failures: string[] = [];
      for (const test of group.tests) {
        const failure = checkAeadVector(test);
        if (failure !== undefined) failures.push(failure);
        checked += 1;
      }
      expect(failures).toEqual([]);
      expect(checked).toBeGreaterThan(0);
      expect(checked).toBe(group.tests.length);
    },
  );

  it('runs as many vectors as the file announces', () => {
    const total = groups.reduce((sum, group) => sum + group.tests.length, 0);
    expect(total).toBeGreaterThan(0);
    expect(total).toBe(file.numberOfTests);
  });
});

describe('Wycheproof hmac_sha512_test.json through createHmac (what getHash uses)', () => {
  const file = loadWycheproof<MacTestGroup>('hmac_sha512_test.json');

  it('every tag: valid ones match, invalid ones do not', () => {
    expect(file.algorithm).toBe('HMACSHA512');
    let checked = 0;
    const failures: string[] = [];
    for (const group of file.testGroups) {
      for (const test of group.tests) {
        const full = createHmac('sha512', hex(test.key)).update(hex(test.msg)).digest();
        const tag = full.subarray(0, group.tagSize / 8).toString('hex');
        const matches = tag === test.tag;
        if (matches !== (test.result === 'valid')) {
          failures.push(`tcId ${test.tcId} (${test.result}, ${test.comment}): computed ${tag}`);
        }
        checked += 1;
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(0);
    expect(checked).toBe(file.numberOfTests);
    const all = file.testGroups.flatMap((group) => group.tests);
    expect(all.some((test) => test.result === 'invalid')).toBe(true);
    expect(file.testGroups.some((group) => group.tagSize < 512)).toBe(true);
  });
});

describe('Wycheproof hkdf_sha256_test.json', () => {
  const file = loadWycheproof<HkdfTestGroup>('hkdf_sha256_test.json');
  const tests = file.testGroups.flatMap((group) => group.tests);

  it('noble hkdf(sha256, ikm, salt, info, size): valid ones give okm, invalid ones throw', () => {
    expect(file.algorithm).toBe('HKDF-SHA-256');
    let checked = 0;
    const failures: string[] = [];
    for (const test of tests) {
      const label = `tcId ${test.tcId} (${test.result}, ${test.comment || test.flags.join(' ')})`;
      let okm: string | undefined;
      try {
        okm = Buffer.from(
          hkdf(sha256, hex(test.ikm), hex(test.salt), hex(test.info), test.size),
        ).toString('hex');
      } catch (error) {
        if (test.result === 'valid') failures.push(`${label}: threw ${String(error)}`);
      }
      if (test.result !== 'valid' && okm !== undefined) failures.push(`${label}: returned ${okm}`);
      if (test.result === 'valid' && okm !== undefined && okm !== test.okm) {
        failures.push(`${label}: got ${okm}`);
      }
      checked += 1;
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(0);
    expect(checked).toBe(file.numberOfTests);
    expect(tests.some((test) => test.result === 'invalid')).toBe(true);
  });

  /** hkdfSha256 takes a string info (UTF-8) and always an empty salt. */
  const emptySaltTextInfo = tests.filter(
    (test) =>
      test.result === 'valid' &&
      test.salt === '' &&
      isUtf8(hex(test.info)) &&
      Buffer.from(hex(test.info).toString('utf8'), 'utf8').toString('hex') === test.info,
  );

  it('hkdfSha256 (key-derivation.ts) gives okm for every valid empty-salt vector', () => {
    expect(emptySaltTextInfo.length).toBeGreaterThan(0);
    const failures = emptySaltTextInfo.flatMap((test: HkdfTest) => {
      const info = hex(test.info).toString('utf8');
      const okm = Buffer.from(hkdfSha256(hex(test.ikm), info, test.size)).toString('hex');
      return okm === test.okm ? [] : [`tcId ${test.tcId}: got ${okm}`];
    });
    expect(failures).toEqual([]);
  });

  it('hkdfSha256 refuses the sizes the invalid vectors ask for', () => {
    const invalid = tests.filter((test) => test.result === 'invalid');
    expect(invalid.length).toBeGreaterThan(0);
    for (const test of invalid) {
      expect(() => hkdfSha256(hex(test.ikm), '', test.size), `tcId ${test.tcId}`).toThrow();
    }
  });
});
