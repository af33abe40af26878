import { readFileSync } from 'node:fs';

/** The fields every Wycheproof test vector file has. */
export interface WycheproofFile<Group> {
  readonly algorithm: string;
  readonly schema: string;
  readonly numberOfTests: number;
  readonly header: readonly string[];
  readonly notes: Readonly<Record<string, unknown>>;
  readonly testGroups: readonly Group[];
}

/** `valid`: must be accepted with the expected result; `invalid`: must be refused. */
export type WycheproofResult = 'valid' | 'invalid' | 'acceptable';

interface WycheproofTest {
  readonly tcId: number;
  readonly comment: string;
  readonly flags: readonly string[];
  readonly result: WycheproofResult;
}

/** `aead_test_schema_v1.json`; every byte string is hex. */
export interface AeadTestGroup {
  readonly ivSize: number;
  readonly keySize: number;
  readonly tagSize: number;
  readonly type: 'AeadTest';
  readonly tests: readonly AeadTest[];
}

export interface AeadTest extends WycheproofTest {
  readonly key: string;
  readonly iv: string;
  readonly aad: string;
  readonly msg: string;
  readonly ct: string;
  readonly tag: string;
}

/** `mac_test_schema_v1.json`; sizes in bits. */
export interface MacTestGroup {
  readonly keySize: number;
  readonly tagSize: number;
  readonly type: 'MacTest';
  readonly tests: readonly MacTest[];
}

export interface MacTest extends WycheproofTest {
  readonly key: string;
  readonly msg: string;
  readonly tag: string;
}

/** `hkdf_test_schema_v1.json`; `size` in bytes. */
export interface HkdfTestGroup {
  readonly keySize: number;
  readonly type: 'HkdfTest';
  readonly tests: readonly HkdfTest[];
}

export interface HkdfTest extends WycheproofTest {
  readonly ikm: string;
  readonly salt: string;
  readonly info: string;
  readonly size: number;
  readonly okm: string;
}

/** Reads a vector file of `test/fixtures/wycheproof/` (see the README there). */
export function loadWycheproof<Group>(fileName: string): WycheproofFile<Group> {
  const url = new URL(`./fixtures/wycheproof/${fileName}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as WycheproofFile<Group>;
}
