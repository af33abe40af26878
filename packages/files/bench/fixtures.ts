// Shared sizes, scratch folders and checks of the bench files (no `.bench.ts`: not a suite).
import { createHash } from 'node:crypto';
import { createReadStream, rmSync } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { defineConfig } from '@x/config';
import { FileManager } from '../src/index.js';

/** A smoke run (`X_BENCH_QUICK=1` or `x-bench --quick`): small files, so CI stays fast. */
export const quick: boolean =
  ['1', 'true'].includes(process.env.X_BENCH_QUICK ?? '') || process.argv.includes('--quick');

export const MiB: number = 1024 * 1024;

/** Size of the file each timed operation reads or writes. */
export const TIMED_BYTES: number = (quick ? 8 : 512) * MiB;

/** Size of the file of each peak-RSS measurement. */
export const RSS_BYTES: number = (quick ? 32 : 1024) * MiB;

/** The most a process may hold while copying, uploading or hashing a large file. */
export const RSS_LIMIT_BYTES: number = 100e6;

/** `8 MiB`, `512 MiB`, `1 GiB`. */
export function sizeLabel(bytes: number): string {
  return bytes >= 1024 * MiB && bytes % (1024 * MiB) === 0
    ? `${bytes / (1024 * MiB)} GiB`
    : `${bytes / MiB} MiB`;
}

/** Megabytes (10^6 bytes), one decimal: how the RSS limit is stated. */
export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** The package folder (holds package.json, src/ and bench/). */
export const packageDir: string = path.resolve(import.meta.dirname, '..');

const scratchFolders = new Set<string>();
// A run that dies between a setup and its teardown still leaves no large file behind.
process.once('exit', () => {
  for (const folder of scratchFolders) rmSync(folder, { recursive: true, force: true });
});

/** A fresh folder under os.tmpdir(), removed by {@link removeScratchFolder} or at exit. */
export async function makeScratchFolder(): Promise<string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'x-files-bench-'));
  scratchFolders.add(folder);
  return folder;
}

export async function removeScratchFolder(folder: string | undefined): Promise<void> {
  if (folder === undefined) return;
  await rm(folder, { recursive: true, force: true });
  scratchFolders.delete(folder);
}

/** The manager as an application builds it: default configuration (1 MiB chunks, not durable). */
export function createManager(root: string): FileManager {
  return new FileManager(defineConfig({ files: { root } }));
}

/**
 * The content of every large file: a 4 MiB block of deterministic noise, repeated. Incompressible
 * enough for any filesystem, cheap to produce, and its digest is known without reading a file.
 */
const BLOCK_BYTES = 4 * MiB;
const block: Buffer = (() => {
  const bytes = Buffer.allocUnsafe(BLOCK_BYTES);
  let state = 0x9e3779b9;
  for (let i = 0; i < BLOCK_BYTES; i += 4) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes.writeUInt32LE(state >>> 0, i);
  }
  return bytes;
})();

function checkSize(bytes: number): void {
  if (bytes % BLOCK_BYTES !== 0) throw new Error(`${bytes} is not a multiple of 4 MiB`);
}

/** `bytes` of the pattern in memory (what `write` is given). */
export function patternBuffer(bytes: number): Buffer {
  checkSize(bytes);
  const data = Buffer.allocUnsafe(bytes);
  for (let offset = 0; offset < bytes; offset += BLOCK_BYTES) block.copy(data, offset);
  return data;
}

/** Writes `bytes` of the pattern to `file`, 4 MiB at a time. */
export async function writePatternFile(file: string, bytes: number): Promise<void> {
  checkSize(bytes);
  const handle = await open(file, 'w');
  try {
    for (let offset = 0; offset < bytes; offset += BLOCK_BYTES) {
      let written = 0;
      while (written < BLOCK_BYTES) {
        written += (await handle.write(block, written, BLOCK_BYTES - written)).bytesWritten;
      }
    }
  } finally {
    await handle.close();
  }
}

/** SHA-256 (hex) of the first `bytes` of the pattern, computed in memory. */
export function patternDigest(bytes: number): string {
  checkSize(bytes);
  const hash = createHash('sha256');
  for (let offset = 0; offset < bytes; offset += BLOCK_BYTES) hash.update(block);
  return hash.digest('hex');
}

/** Throws unless `file` holds exactly `bytes` bytes of the pattern. */
export async function expectPatternFile(file: string, bytes: number, label: string): Promise<void> {
  const size = (await stat(file)).size;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: MiB })) hash.update(chunk);
  if (size !== bytes || hash.digest('hex') !== patternDigest(bytes)) {
    throw new Error(`bench case "${label}" did not write the expected ${bytes} bytes`);
  }
}

/**
 * A `setup` that runs each case once and checks it returns `expected`, so a case that measures
 * something else (a wrong file, a skipped step) fails before it is timed.
 */
export async function expectEach(
  cases: Readonly<Record<string, () => unknown>>,
  expected: unknown,
): Promise<void> {
  for (const [name, run] of Object.entries(cases)) {
    const actual = await run();
    if (!isDeepStrictEqual(actual, expected)) {
      throw new Error(
        `bench case "${name}" returned ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`,
      );
    }
  }
}
