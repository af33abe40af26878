import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { defineConfig } from '@x/config';
import { EncryptionManager } from '@x/crypto';
import { expect } from 'vitest';
import { MASTER_KEY, SAMPLES } from './run-demo.js';

/** What the demo is expected to make of each bundled sample. */
export const SAMPLE_TYPES: Readonly<Record<string, string>> = {
  'expenses-q3.csv': 'text/csv',
  'floor-plan.svg': 'image/svg+xml',
  'invoice-2026-10.pdf': 'application/pdf',
  'meeting-notes.md': 'text/markdown',
  'retention-policy.json': 'application/json',
  'team-photo.png': 'image/png',
  'backup-log.txt.gz': 'application/gzip',
  'doorbell.wav': 'audio/wav',
  'restore-checklist.txt': 'text/plain',
};
/** The demo deletes the first document (by name) of the first owner (by email). */
export const DELETED = 'expenses-q3.csv';

export interface Sample {
  readonly owner: string;
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
}

export async function readSamples(): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (const owner of (await readdir(SAMPLES)).sort()) {
    for (const name of (await readdir(path.join(SAMPLES, owner))).sort()) {
      const bytes = await readFile(path.join(SAMPLES, owner, name));
      samples.push({ owner, name, size: bytes.length, sha256: sha256(bytes) });
    }
  }
  return samples;
}

export interface DocumentRow {
  readonly id: string;
  readonly name: string;
  readonly owner_email: string;
  readonly owner_hash: string;
  readonly path: string;
  readonly size: number;
  readonly type: string | null;
  readonly sha256: string;
}

/**
 * The database after a successful run: every sample but the deleted one, each row with the
 * sample's size, checksum and type, its owner's email encrypted (bound to the row) and
 * findable by blind index; with `filesRoot`, each file on disk matches its row and nothing
 * else is stored.
 */
export async function expectVaultState(
  rows: readonly DocumentRow[],
  filesRoot?: string,
): Promise<void> {
  const samples = await readSamples();
  const crypto = new EncryptionManager(defineConfig(), MASTER_KEY);
  expect(rows.map((row) => row.name).sort()).toEqual(
    samples
      .map((sample) => sample.name)
      .filter((name) => name !== DELETED)
      .sort(),
  );
  for (const row of rows) {
    const sample = samples.find((candidate) => candidate.name === row.name);
    expect(sample, row.name).toBeDefined();
    if (sample === undefined) continue;
    expect({ name: row.name, size: Number(row.size), sha256: row.sha256, type: row.type }).toEqual({
      name: sample.name,
      size: sample.size,
      sha256: sample.sha256,
      type: SAMPLE_TYPES[sample.name],
    });
    expect(row.owner_email).not.toContain('@');
    expect(
      crypto.decryptStr(row.owner_email, { aad: `vault_documents.owner_email:${row.id}` }),
    ).toBe(sample.owner);
    expect(row.owner_hash).toBe(crypto.getHash(sample.owner));
    if (filesRoot !== undefined) {
      expect(sha256(await readFile(path.join(filesRoot, row.path))), row.name).toBe(sample.sha256);
    }
  }
  if (filesRoot !== undefined) {
    expect((await listFiles(filesRoot)).sort()).toEqual(rows.map((row) => row.path).sort());
  }
}

/** Every regular file under `root`, as paths relative to it with `/`. */
export async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) =>
      path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'),
    );
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
