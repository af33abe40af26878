import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdtemp, open, readdir, readFile, readlink, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type FilesConfigInput } from '@x/config';
import { expect, onTestFinished } from 'vitest';
import { FileError, type FileErrorCode } from '../src/file-error.js';
import { FileManager } from '../src/file-manager.js';

/** The package's folder (children run from there, so that `--import tsx` resolves). */
export const PACKAGE_DIR: string = fileURLToPath(new URL('..', import.meta.url));

/** 1 MiB. */
export const MiB: number = 1024 * 1024;

/** A new empty folder under the OS temp dir (its real path), removed by {@link removeDir}. */
export async function makeTempDir(): Promise<string> {
  return realpath(await mkdtemp(path.join(tmpdir(), 'x-files-test-')));
}

/** Removes a folder made by {@link makeTempDir}, whatever it holds. */
export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** A new empty folder under the OS temp dir, removed when the current test finishes. */
export async function tempDir(): Promise<string> {
  const dir = await makeTempDir();
  onTestFinished(() => removeDir(dir));
  return dir;
}

/** A FileManager confined to `root`, with `files` settings on top of the defaults. */
export function managerAt(root: string | undefined, files: FilesConfigInput = {}): FileManager {
  return new FileManager(defineConfig({ files: { shred: 'fallback', ...files, root } }));
}

/** Hex digest of `bytes` (SHA-256 unless told). */
export function digest(bytes: Uint8Array | string, algorithm = 'sha256'): string {
  return createHash(algorithm).update(bytes).digest('hex');
}

/** `size` random bytes. */
export function randomContent(size: number): Buffer {
  return randomBytes(size);
}

/**
 * Writes a file of `size` bytes fast: one random 1 MiB block, repeated (and cut at the end).
 * Returns the SHA-256 of what was written.
 */
export async function writeBigFile(file: string, size: number): Promise<string> {
  const block = randomBytes(Math.min(size, MiB));
  const hash = createHash('sha256');
  const handle = await open(file, 'w');
  try {
    for (let offset = 0; offset < size; offset += block.length) {
      const part = block.subarray(0, Math.min(block.length, size - offset));
      hash.update(part);
      await handle.write(part);
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

/**
 * What a call did, in one word: the FileError's code, `'ok'`, or what was thrown instead.
 * Tables of cases compare one list of outcomes, so that a failure shows every case that differs.
 */
export async function outcomeOf(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
    return 'ok';
  } catch (error) {
    if (FileError.is(error)) return error.code;
    return `threw ${String(error)}`;
  }
}

/** Asserts that `action` rejects with a {@link FileError} of `code`, and returns that error. */
export async function expectFileError(
  action: Promise<unknown>,
  code: FileErrorCode,
): Promise<FileError> {
  let value: unknown;
  try {
    value = await action;
  } catch (error) {
    if (!FileError.is(error)) {
      expect.fail(`expected a FileError ${code}, got ${String(error)}`);
    }
    expect({ code: error.code, message: error.message }).toMatchObject({ code });
    return error;
  }
  return expect.fail(`expected a FileError ${code}, but it resolved to ${String(value)}`);
}

/** Names in `dir` that look like the temp files of an atomic write (`.<name>.<hex>.tmp`). */
export async function tempFilesIn(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((error: { code?: string }) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return names.filter((name) => /^\..*\.[0-9a-f]{12}\.tmp$/.test(name));
}

/**
 * Every entry under `dir`, with what it is: a file's SHA-256, a symlink's target, `dir` for a
 * folder. Compared before and after, it proves nothing changed.
 */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  async function walk(folder: string): Promise<void> {
    const names = (await readdir(folder)).sort();
    for (const name of names) {
      const full = path.join(folder, name);
      const key = path.relative(dir, full);
      const info = await lstat(full);
      if (info.isSymbolicLink()) result[key] = `link -> ${await readlink(full)}`;
      else if (info.isDirectory()) {
        result[key] = 'dir';
        await walk(full);
      } else if (info.isFile()) result[key] = `file ${digest(await readFile(full))}`;
      else result[key] = 'special';
    }
  }
  await walk(dir);
  return result;
}

/** A promise that resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs a TypeScript script of `test/` in a new Node process, through tsx (its ESM loader). */
export function spawnScript(
  script: string,
  args: readonly string[],
  options: { readonly stdin?: boolean } = {},
): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx/esm', path.join('test', script), ...args], {
    cwd: PACKAGE_DIR,
    stdio: [options.stdin === true ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
}

/** What a child printed and how it ended. */
export interface ChildResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Waits for a child to end, gathering its output. */
export function finished(child: ChildProcess): Promise<ChildResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs a script of `test/` to its end; rejects with its stderr when it fails. */
export async function runScript(script: string, args: readonly string[]): Promise<string> {
  const result = await finished(spawnScript(script, args));
  if (result.code !== 0) {
    throw new Error(`${script} exited with ${result.code ?? result.signal}: ${result.stderr}`);
  }
  return result.stdout;
}
