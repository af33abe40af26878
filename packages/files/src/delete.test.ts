import {
  chmod,
  link,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  readlink,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { expectFileError, managerAt, randomContent, tempDir } from '../test/helpers.js';

/** Runs the rest of the test with `PATH` set to `value` (restored when the test ends). */
function usePath(value: string): void {
  const saved = process.env.PATH;
  process.env.PATH = value;
  onTestFinished(() => {
    process.env.PATH = saved;
  });
}

/**
 * Puts a fake `shred` first on the PATH: it logs its arguments, one a line, to `log`, then
 * removes its last argument (as `shred -u` does), or runs `body` instead when given.
 */
async function fakeShred(dir: string, body?: string): Promise<{ readonly log: string }> {
  const bin = path.join(dir, 'bin');
  const log = path.join(dir, 'shred.log');
  await mkdir(bin);
  const script = [
    '#!/bin/bash',
    `for arg in "$@"; do printf '%s\\n' "$arg" >> '${log}'; done`,
    body ?? `rm -f -- "\${@: -1}"`,
    '',
  ].join('\n');
  await writeFile(path.join(bin, 'shred'), script);
  await chmod(path.join(bin, 'shred'), 0o755);
  usePath(`${bin}${path.delimiter}${process.env.PATH ?? ''}`);
  return { log };
}

/** An empty folder as the whole PATH: no `shred` can be found. */
async function noShred(dir: string): Promise<void> {
  const empty = path.join(dir, 'empty-bin');
  await mkdir(empty);
  usePath(empty);
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    () => false,
  );
}

describe('delete', () => {
  it('runs shred -n <shredPasses> -z -u -- <absolute path> and the file is gone', async () => {
    const dir = await tempDir();
    const root = path.join(dir, 'root');
    const { log } = await fakeShred(dir);
    const files = managerAt(root, { shredPasses: 5, shred: 'require' });
    await files.write('sub/-z-looks-like-an-option', 'secret');
    await files.delete('sub/-z-looks-like-an-option');
    expect((await readFile(log, 'utf8')).split('\n')).toEqual([
      '-n',
      '5',
      '-z',
      '-u',
      '--',
      path.join(root, 'sub/-z-looks-like-an-option'),
      '',
    ]);
    expect(await readdir(path.join(root, 'sub'))).toEqual([]);
  });

  it('uses the default of 3 passes', async () => {
    const dir = await tempDir();
    const { log } = await fakeShred(dir);
    const files = managerAt(dir);
    await files.write('a.txt', 'a');
    await files.delete('a.txt');
    expect((await readFile(log, 'utf8')).split('\n').slice(0, 2)).toEqual(['-n', '3']);
  });

  it('does nothing when the file is absent (shred is not called)', async () => {
    const dir = await tempDir();
    const { log } = await fakeShred(dir);
    const files = managerAt(path.join(dir, 'root'), { shred: 'require' });
    await files.delete('absent.txt');
    await files.delete('absent-folder/absent.txt');
    expect(await exists(log)).toBe(false);
  });

  it('refuses a symlink (NOT_A_FILE): neither the link nor its target changes', async () => {
    const dir = await tempDir();
    const root = path.join(dir, 'root');
    const { log } = await fakeShred(dir);
    await mkdir(root);
    await writeFile(path.join(root, 'target.txt'), 'target content');
    await symlink('target.txt', path.join(root, 'link'));
    await writeFile(path.join(dir, 'outside.txt'), 'outside content');
    await symlink(path.join(dir, 'outside.txt'), path.join(root, 'out-link'));
    const files = managerAt(root, { shred: 'require' });
    await expectFileError(files.delete('link'), 'NOT_A_FILE');
    await expectFileError(files.delete('out-link'), 'NOT_A_FILE');
    expect(await readlink(path.join(root, 'link'))).toBe('target.txt');
    expect(await readlink(path.join(root, 'out-link'))).toBe(path.join(dir, 'outside.txt'));
    expect(await readFile(path.join(root, 'target.txt'), 'utf8')).toBe('target content');
    expect(await readFile(path.join(dir, 'outside.txt'), 'utf8')).toBe('outside content');
    expect(await exists(log)).toBe(false);
  });

  it('refuses a folder (NOT_A_FILE)', async () => {
    const dir = await tempDir();
    const { log } = await fakeShred(dir);
    const files = managerAt(dir, { shred: 'require' });
    await files.write('folder/inner.txt', 'x');
    await expectFileError(files.delete('folder'), 'NOT_A_FILE');
    expect(await readFile(path.join(dir, 'folder/inner.txt'), 'utf8')).toBe('x');
    expect(await exists(log)).toBe(false);
  });

  it("shred: 'require' without shred on the PATH: SHRED_UNAVAILABLE, the file is kept", async () => {
    const dir = await tempDir();
    const files = managerAt(dir, { shred: 'require' });
    await files.write('secret.txt', 'secret');
    await noShred(dir);
    await expectFileError(files.delete('secret.txt'), 'SHRED_UNAVAILABLE');
    expect(await readFile(path.join(dir, 'secret.txt'), 'utf8')).toBe('secret');
  });

  it("shred: 'fallback' without shred: overwrites the content with zeros, then unlinks", async () => {
    const dir = await tempDir();
    const files = managerAt(dir, { shred: 'fallback', chunkSize: 4096 });
    const content = randomContent(3 * 4096 + 123);
    await files.write('secret.bin', content);
    // An open descriptor keeps the inode alive: it shows what became of the bytes after the unlink.
    const witness = await open(path.join(dir, 'secret.bin'), 'r');
    try {
      await noShred(dir);
      await files.delete('secret.bin');
      expect(await exists(path.join(dir, 'secret.bin'))).toBe(false);
      const after = await witness.readFile();
      expect(after.length).toBe(content.length);
      expect(after.equals(Buffer.alloc(content.length))).toBe(true);
    } finally {
      await witness.close();
    }
  });

  it("shred: 'fallback' deletes an empty file", async () => {
    const dir = await tempDir();
    const files = managerAt(dir, { shred: 'fallback' });
    await files.write('empty', '');
    await noShred(dir);
    await files.delete('empty');
    expect(await readdir(dir)).toEqual(['empty-bin']);
  });

  it('the real shred overwrites, truncates and removes the file', async () => {
    const dir = await tempDir();
    const files = managerAt(dir, { shred: 'require', shredPasses: 1 });
    const content = randomContent(100_000);
    await files.write('secret.bin', content);
    const witness = await open(path.join(dir, 'secret.bin'), 'r');
    try {
      await files.delete('secret.bin');
      expect(await exists(path.join(dir, 'secret.bin'))).toBe(false);
      // GNU shred -u truncates the file before the unlink: the open descriptor sees it empty.
      expect((await witness.stat()).size).toBe(0);
    } finally {
      await witness.close();
    }
  });

  it('refuses a file with other hard links: shredding would overwrite them too', async () => {
    const dir = await tempDir();
    const files = managerAt(path.join(dir, 'root'), { shred: 'fallback' });
    await files.write('a.txt', 'shared');
    await link(path.join(dir, 'root/a.txt'), path.join(dir, 'outside.txt'));
    await expectFileError(files.delete('a.txt'), 'NOT_A_FILE');
    expect(await readFile(path.join(dir, 'outside.txt'), 'utf8')).toBe('shared');
    expect(await readFile(path.join(dir, 'root/a.txt'), 'utf8')).toBe('shared');
  });

  it('a shred that fails (exit 3): SHRED_FAILED with its message, the file is kept', async () => {
    const dir = await tempDir();
    const root = path.join(dir, 'root');
    await fakeShred(dir, 'echo "shred: simulated failure" >&2; exit 3');
    for (const shred of ['require', 'fallback'] as const) {
      const files = managerAt(root, { shred });
      await files.write('kept.txt', 'kept');
      const error = await expectFileError(files.delete('kept.txt'), 'SHRED_FAILED');
      expect(error.message).toContain('simulated failure');
      expect(await readFile(path.join(root, 'kept.txt'), 'utf8')).toBe('kept');
      expect((await stat(path.join(root, 'kept.txt'))).size).toBe(4);
    }
  });
});
