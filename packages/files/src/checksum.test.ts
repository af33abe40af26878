import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  digest,
  expectFileError,
  MiB,
  makeTempDir,
  managerAt,
  randomContent,
  removeDir,
  writeBigFile,
} from '../test/helpers.js';
import type { FileManager } from './file-manager.js';

const run = promisify(execFile);

/** What GNU coreutils says of a file (`sha256sum`, `sha512sum`). */
async function coreutilsDigest(tool: string, file: string): Promise<string> {
  const { stdout } = await run(tool, ['--', file]);
  return stdout.split(' ')[0] as string;
}

const SIZES: Record<string, number> = {
  '0 bytes': 0,
  '1 byte': 1,
  '1 MiB - 1': MiB - 1,
  '1 MiB': MiB,
  '1 MiB + 1': MiB + 1,
  '3 MiB + 5': 3 * MiB + 5,
};

describe('checksum', () => {
  let root: string;
  let files: FileManager;
  beforeAll(async () => {
    root = await makeTempDir();
    files = managerAt(root);
    for (const [name, size] of Object.entries(SIZES)) {
      await writeFile(path.join(root, name), randomContent(size));
    }
  });
  afterAll(() => removeDir(root));

  it.each(Object.keys(SIZES))('sha256 of %s equals sha256sum', async (name) => {
    const expected = await coreutilsDigest('sha256sum', path.join(root, name));
    expect(await files.checksum(name)).toBe(expected);
    expect(await files.checksum(name, 'sha256')).toBe(expected);
  });

  it.each(Object.keys(SIZES))('sha512 of %s equals sha512sum', async (name) => {
    expect(await files.checksum(name, 'sha512')).toBe(
      await coreutilsDigest('sha512sum', path.join(root, name)),
    );
  });

  it('does not depend on files.chunkSize', async () => {
    const small = managerAt(root, { chunkSize: 4096 });
    for (const name of Object.keys(SIZES)) {
      expect(await small.checksum(name), name).toBe(await files.checksum(name));
    }
  });

  it('of 100 MiB equals sha256sum', async () => {
    const expected = await writeBigFile(path.join(root, 'big.bin'), 100 * MiB);
    const [ours, coreutils] = await Promise.all([
      files.checksum('big.bin'),
      coreutilsDigest('sha256sum', path.join(root, 'big.bin')),
    ]);
    expect(coreutils).toBe(expected);
    expect(ours).toBe(coreutils);
  }, 60_000);

  it('knows the other algorithms of node:crypto', async () => {
    await writeFile(path.join(root, 'abc'), 'abc');
    expect(await files.checksum('abc', 'md5')).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(await files.checksum('abc', 'sha1')).toBe(digest('abc', 'sha1'));
    expect(await files.checksum('abc', 'sha3-256')).toBe(digest('abc', 'sha3-256'));
  });

  it('refuses an unknown algorithm with INVALID_INPUT', async () => {
    for (const algorithm of ['sha257', '', 'SHA-256 ', 'crc32']) {
      await expectFileError(files.checksum('1 byte', algorithm), 'INVALID_INPUT');
    }
  });

  it('NOT_FOUND for a missing file', async () => {
    const error = await expectFileError(files.checksum('missing'), 'NOT_FOUND');
    expect((error.cause as { code?: string }).code).toBe('ENOENT');
  });
});
