import { execFile } from 'node:child_process';
import {
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  readlink,
  symlink,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ConfigError, defineConfig, XError } from '@x/config';
import { describe, expect, it, vi } from 'vitest';
import {
  digest,
  expectFileError,
  MiB,
  managerAt,
  outcomeOf,
  randomContent,
  sleep,
  tempDir,
  tempFilesIn,
} from '../test/helpers.js';
import { FileError } from './file-error.js';
import { FileManager } from './file-manager.js';

const run = promisify(execFile);

/** How many times FileHandle#sync (fsync) ran during `action`. */
async function fsyncsDuring(action: () => Promise<unknown>): Promise<number> {
  const probe = await open(os.devNull, 'r');
  const prototype = Object.getPrototypeOf(probe) as { sync(): Promise<void> };
  await probe.close();
  const spy = vi.spyOn(prototype, 'sync');
  try {
    await action();
    return spy.mock.calls.length;
  } finally {
    spy.mockRestore();
  }
}

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('FileManager', () => {
  describe('construction', () => {
    it('takes the result of defineConfig', () => {
      expect(new FileManager(defineConfig())).toBeInstanceOf(FileManager);
    });

    it('refuses a missing or invalid files section with a ConfigError', () => {
      for (const config of [undefined, null, {}, { files: {} }, { files: { root: 'relative' } }]) {
        expect(() => new FileManager(config as never), JSON.stringify(config)).toThrow(ConfigError);
      }
    });
  });

  describe('write and read', () => {
    it('writes bytes and text (UTF-8) and reads them back exactly', async () => {
      const root = await tempDir();
      const files = managerAt(root);
      const bytes = randomContent(3 * MiB + 17);
      await files.write('bytes.bin', bytes);
      expect((await files.read('bytes.bin')).equals(bytes)).toBe(true);
      await files.write('text.txt', 'héllo wörld ✓\n');
      expect(await readFile(path.join(root, 'text.txt'), 'utf8')).toBe('héllo wörld ✓\n');
      expect((await files.read('text.txt')).toString('utf8')).toBe('héllo wörld ✓\n');
      await files.write('empty', new Uint8Array(0));
      expect((await files.read('empty')).length).toBe(0);
    });

    it('replaces an existing file as a whole, leaving no temp file', async () => {
      const root = await tempDir();
      const files = managerAt(root);
      await files.write('a.txt', 'a much longer first version\n');
      await files.write('a.txt', 'short\n');
      expect(await readFile(path.join(root, 'a.txt'), 'utf8')).toBe('short\n');
      expect(await readdir(root)).toEqual(['a.txt']);
    });

    it('fsyncs the file and its folder when durable, by option or by configuration', async () => {
      const root = await tempDir();
      const content = randomContent(100_000);
      const plain = managerAt(root);
      const durable = managerAt(root, { durable: true });
      await plain.write('source.bin', content);
      const syncs = {
        write: await fsyncsDuring(() => plain.write('a/w.bin', content)),
        'write durable': await fsyncsDuring(() =>
          plain.write('a/wd.bin', content, { durable: true }),
        ),
        'write, durable by config': await fsyncsDuring(() => durable.write('a/wc.bin', content)),
        'write, durable: false over config': await fsyncsDuring(() =>
          durable.write('a/wf.bin', content, { durable: false }),
        ),
        copy: await fsyncsDuring(() => plain.copy('source.bin', 'a/c.bin')),
        'copy durable': await fsyncsDuring(() =>
          plain.copy('source.bin', 'a/cd.bin', { durable: true }),
        ),
        upload: await fsyncsDuring(() => plain.upload([content], 'a/u.bin')),
        'upload durable': await fsyncsDuring(() =>
          plain.upload([content], 'a/ud.bin', { durable: true }),
        ),
        rename: await fsyncsDuring(() => plain.rename('a/w.bin', 'a/r.bin')),
        'rename durable': await fsyncsDuring(() =>
          plain.rename('a/r.bin', 'a/rd.bin', { durable: true }),
        ),
      };
      expect(syncs).toEqual({
        write: 0,
        'write durable': 2,
        'write, durable by config': 2,
        'write, durable: false over config': 0,
        copy: 0,
        'copy durable': expect.toSatisfy((n: number) => n >= 2),
        upload: 0,
        'upload durable': 2,
        rename: 0,
        'rename durable': 1,
      });
      for (const name of ['wd', 'wc', 'wf', 'c', 'cd', 'u', 'ud', 'rd']) {
        expect((await readFile(path.join(root, `a/${name}.bin`))).equals(content), name).toBe(true);
      }
    });

    it('readStream returns the exact content in files.chunkSize chunks', async () => {
      const root = await tempDir();
      const content = randomContent(5 * MiB + 1000);
      await writeFile(path.join(root, 'big.bin'), content);

      const chunks = await readAll(await managerAt(root).readStream('big.bin'));
      expect(Buffer.concat(chunks).equals(content)).toBe(true);
      expect(chunks.map((chunk) => chunk.length)).toEqual([MiB, MiB, MiB, MiB, MiB, 1000]);

      const small = await readAll(
        await managerAt(root, { chunkSize: 64 * 1024 }).readStream('big.bin'),
      );
      expect(Buffer.concat(small).equals(content)).toBe(true);
      expect(small.length).toBe(Math.ceil(content.length / (64 * 1024)));
      expect(small.slice(0, -1).every((chunk) => chunk.length === 64 * 1024)).toBe(true);
    });

    it('read and readStream follow a symlink inside the root', async () => {
      const root = await tempDir();
      await writeFile(path.join(root, 'real.txt'), 'real content');
      await symlink('real.txt', path.join(root, 'link.txt'));
      const files = managerAt(root);
      expect((await files.read('link.txt')).toString()).toBe('real content');
      expect(Buffer.concat(await readAll(await files.readStream('link.txt'))).toString()).toBe(
        'real content',
      );
    });
  });

  describe('atomic writes create the parent folders', () => {
    it('for write, copy, upload and rename', async () => {
      const root = await tempDir();
      const files = managerAt(root);
      await files.write('w/x/y/file.txt', 'w');
      await files.copy('w/x/y/file.txt', 'c/x/y/copy.txt');
      await files.upload([Buffer.from('u')], 'u/x/y/up.txt');
      await files.rename('c/x/y/copy.txt', 'r/x/y/moved.txt');
      expect(await readFile(path.join(root, 'w/x/y/file.txt'), 'utf8')).toBe('w');
      expect(await readFile(path.join(root, 'u/x/y/up.txt'), 'utf8')).toBe('u');
      expect(await readFile(path.join(root, 'r/x/y/moved.txt'), 'utf8')).toBe('w');
      expect(await readdir(path.join(root, 'c/x/y'))).toEqual([]);
    });
  });

  describe('copy', () => {
    it('copies 5 MiB of random bytes exactly and leaves the source alone', async () => {
      const root = await tempDir();
      const content = randomContent(5 * MiB + 3);
      await writeFile(path.join(root, 'source.bin'), content);
      const files = managerAt(root);
      await files.copy('source.bin', 'copy.bin');
      await files.copy('source.bin', 'durable.bin', { durable: true });
      for (const name of ['source.bin', 'copy.bin', 'durable.bin']) {
        expect(digest(await readFile(path.join(root, name))), name).toBe(digest(content));
      }
      expect((await readdir(root)).sort()).toEqual(['copy.bin', 'durable.bin', 'source.bin']);
    });

    it('replaces an existing target', async () => {
      const root = await tempDir();
      const files = managerAt(root);
      await files.write('a.txt', 'new');
      await files.write('b.txt', 'old and longer');
      await files.copy('a.txt', 'b.txt');
      expect(await readFile(path.join(root, 'b.txt'), 'utf8')).toBe('new');
    });

    it('of a missing source fails with NOT_FOUND and leaves no temp file', async () => {
      const root = await tempDir();
      await mkdir(path.join(root, 'target'));
      await writeFile(path.join(root, 'target/existing.txt'), 'kept');
      const files = managerAt(root);
      const error = await expectFileError(
        files.copy('missing.txt', 'target/existing.txt'),
        'NOT_FOUND',
      );
      expect((error.cause as { code?: string }).code).toBe('ENOENT');
      expect(await readdir(path.join(root, 'target'))).toEqual(['existing.txt']);
      expect(await readFile(path.join(root, 'target/existing.txt'), 'utf8')).toBe('kept');
    });

    it('of a folder fails with NOT_A_FILE and leaves no temp file', async () => {
      const root = await tempDir();
      await mkdir(path.join(root, 'folder'));
      await expectFileError(managerAt(root).copy('folder', 'copy'), 'NOT_A_FILE');
      expect(await readdir(root)).toEqual(['folder']);
    });
  });

  describe('rename', () => {
    it('moves a file and replaces an existing target', async () => {
      const root = await tempDir();
      const files = managerAt(root);
      await files.write('a.txt', 'A');
      await files.write('b.txt', 'B, the old target');
      await files.rename('a.txt', 'b.txt');
      expect(await readdir(root)).toEqual(['b.txt']);
      expect(await readFile(path.join(root, 'b.txt'), 'utf8')).toBe('A');
      await files.rename('b.txt', 'c.txt', { durable: true });
      expect(await readdir(root)).toEqual(['c.txt']);
    });

    it('moves a folder with its content', async () => {
      const root = await tempDir();
      const files = managerAt(root);
      await files.write('dir/inner/x.txt', 'x');
      await files.rename('dir', 'moved/dir');
      expect(await readFile(path.join(root, 'moved/dir/inner/x.txt'), 'utf8')).toBe('x');
      expect(await files.isdir('dir')).toBe(false);
    });

    it('moves a symlink itself, not what it points to', async () => {
      const root = await tempDir();
      await writeFile(path.join(root, 'target.txt'), 'target');
      await symlink('target.txt', path.join(root, 'link'));
      await managerAt(root).rename('link', 'moved-link');
      expect((await lstat(path.join(root, 'moved-link'))).isSymbolicLink()).toBe(true);
      expect(await readlink(path.join(root, 'moved-link'))).toBe('target.txt');
      expect(await readFile(path.join(root, 'target.txt'), 'utf8')).toBe('target');
      expect((await readdir(root)).sort()).toEqual(['moved-link', 'target.txt']);
    });

    it('of a missing source fails with NOT_FOUND', async () => {
      const root = await tempDir();
      const error = await expectFileError(managerAt(root).rename('nope', 'b'), 'NOT_FOUND');
      expect((error.cause as { code?: string }).code).toBe('ENOENT');
      expect(await readdir(root)).toEqual([]);
    });
  });

  describe('isdir, isfile, filesize, mkdir, rmdir', () => {
    it('isdir and isfile say what a path is, and false when it is absent', async () => {
      const root = await tempDir();
      await mkdir(path.join(root, 'folder'));
      await writeFile(path.join(root, 'file.txt'), 'x');
      await symlink('file.txt', path.join(root, 'file-link'));
      await symlink('folder', path.join(root, 'folder-link'));
      await symlink('missing', path.join(root, 'dangling'));
      const files = managerAt(root);
      const cases = ['folder', 'file.txt', 'file-link', 'folder-link', 'dangling', 'missing'];
      const answers = await Promise.all(
        [...cases, 'file.txt/below', 'missing/below'].map(async (name) => [
          name,
          await files.isdir(name),
          await files.isfile(name),
        ]),
      );
      expect(answers).toEqual([
        ['folder', true, false],
        ['file.txt', false, true],
        ['file-link', false, true],
        ['folder-link', true, false],
        ['dangling', false, false],
        ['missing', false, false],
        ['file.txt/below', false, false],
        ['missing/below', false, false],
      ]);
      expect(await files.isdir('.')).toBe(true);
    });

    it('filesize is the size in bytes of a regular file', async () => {
      const root = await tempDir();
      const files = managerAt(root);
      await files.write('empty', '');
      await files.write('one', 'x');
      await files.write('big', randomContent(MiB + 1));
      expect(await files.filesize('empty')).toBe(0);
      expect(await files.filesize('one')).toBe(1);
      expect(await files.filesize('big')).toBe(MiB + 1);
    });

    it('mkdir creates a folder and its parents; with isFile, the folder of the file', async () => {
      const root = await tempDir();
      const files = managerAt(root);
      await files.mkdir('a/b/c');
      expect((await lstat(path.join(root, 'a/b/c'))).isDirectory()).toBe(true);
      await files.mkdir('a/b/c'); // already there: fine
      await files.mkdir('x/y/file.txt', true);
      expect((await lstat(path.join(root, 'x/y'))).isDirectory()).toBe(true);
      expect(await files.isfile('x/y/file.txt')).toBe(false);
      expect(await readdir(path.join(root, 'x/y'))).toEqual([]);
    });

    it('mkdir where a file is in the way fails with a FileError', async () => {
      const root = await tempDir();
      await writeFile(path.join(root, 'file'), 'x');
      const files = managerAt(root);
      await expectFileError(files.mkdir('file'), 'ALREADY_EXISTS');
      await expectFileError(files.mkdir('file/below'), 'NOT_A_DIRECTORY');
    });

    it('rmdir removes an empty folder, a full one only with recursive, nothing when absent', async () => {
      const root = await tempDir();
      const files = managerAt(root);
      await files.mkdir('empty');
      await files.rmdir('empty');
      expect(await files.isdir('empty')).toBe(false);

      await files.write('full/inner/a.txt', 'a');
      const error = await expectFileError(files.rmdir('full'), 'NOT_EMPTY');
      expect((error.cause as { code?: string }).code).toBe('ENOTEMPTY');
      expect(await files.isfile('full/inner/a.txt')).toBe(true);
      await files.rmdir('full', { recursive: true });
      expect(await readdir(root)).toEqual([]);

      await files.rmdir('absent');
      await files.rmdir('absent', { recursive: true });
    });

    it('rmdir refuses a file (NOT_A_DIRECTORY), a symlink, and the root itself', async () => {
      const root = await tempDir();
      await mkdir(path.join(root, 'folder'));
      await writeFile(path.join(root, 'folder/kept.txt'), 'kept');
      await writeFile(path.join(root, 'file.txt'), 'x');
      await symlink('folder', path.join(root, 'link'));
      const files = managerAt(root);
      await expectFileError(files.rmdir('file.txt'), 'NOT_A_DIRECTORY');
      await expectFileError(files.rmdir('link', { recursive: true }), 'NOT_A_DIRECTORY');
      await expectFileError(files.rmdir('.', { recursive: true }), 'INVALID_INPUT');
      await expectFileError(files.rmdir(root, { recursive: true }), 'INVALID_INPUT');
      expect((await readdir(root)).sort()).toEqual(['file.txt', 'folder', 'link']);
      expect(await readFile(path.join(root, 'folder/kept.txt'), 'utf8')).toBe('kept');
    });
  });

  describe('concurrent writers to one path, in one process', () => {
    it('leave exactly one writer’s whole content, and no temp file', async () => {
      const root = await tempDir();
      const files = managerAt(root);
      const contents = Array.from({ length: 10 }, (_, n) =>
        randomContent(MiB + Math.floor(Math.random() * 3 * MiB) + n),
      );
      await Promise.all(contents.map((content) => files.write('shared/one.bin', content)));
      const result = digest(await readFile(path.join(root, 'shared/one.bin')));
      expect(contents.map((content) => digest(content))).toContain(result);
      expect(await readdir(path.join(root, 'shared'))).toEqual(['one.bin']);
    });

    it('mixing write, copy and upload: one whole content, no temp file', async () => {
      const root = await tempDir();
      const files = managerAt(root);
      const contents = Array.from({ length: 6 }, () => randomContent(2 * MiB));
      await Promise.all(contents.map((content, n) => files.write(`source-${n}`, content)));
      await Promise.all(
        contents.flatMap((content, n) => [
          files.write('target.bin', content),
          files.copy(`source-${n}`, 'target.bin'),
          files.upload([content.subarray(0, MiB), content.subarray(MiB)], 'target.bin'),
        ]),
      );
      const result = digest(await readFile(path.join(root, 'target.bin')));
      expect(contents.map((content) => digest(content))).toContain(result);
      expect(await tempFilesIn(root)).toEqual([]);
    });
  });

  describe('errors', () => {
    it('are FileErrors, and XErrors, with the OS error as cause', async () => {
      const root = await tempDir();
      const error = await expectFileError(managerAt(root).read('missing.txt'), 'NOT_FOUND');
      expect(FileError.is(error)).toBe(true);
      expect(XError.is(error)).toBe(true);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe('FileError');
      expect(error.message).toContain('missing.txt');
      expect((error.cause as { code?: string }).code).toBe('ENOENT');
    });

    it('NOT_FOUND for every reading method on a missing file, with ENOENT as cause', async () => {
      const root = await tempDir();
      await mkdir(path.join(root, 'dir'));
      const files = managerAt(root);
      const calls: Record<string, () => Promise<unknown>> = {
        read: () => files.read('missing'),
        readStream: () => files.readStream('missing'),
        checksum: () => files.checksum('missing'),
        filesize: () => files.filesize('dir/missing'),
        mimetype: () => files.mimetype('missing'),
        'copy (source)': () => files.copy('missing', 'copy'),
        'rename (source)': () => files.rename('missing', 'moved'),
      };
      for (const [name, call] of Object.entries(calls)) {
        const error = await expectFileError(call(), 'NOT_FOUND');
        expect((error.cause as { code?: string }).code, name).toBe('ENOENT');
      }
      expect(await readdir(root)).toEqual(['dir']);
    });

    it('NOT_A_FILE for reading a folder', async () => {
      const root = await tempDir();
      await mkdir(path.join(root, 'dir'));
      const files = managerAt(root);
      const outcomes = await Promise.all([
        outcomeOf(() => files.read('dir')),
        outcomeOf(() => files.readStream('dir')),
        outcomeOf(() => files.checksum('dir')),
        outcomeOf(() => files.filesize('dir')),
        outcomeOf(() => files.mimetype('dir')),
        outcomeOf(() => files.copy('dir', 'copy')),
        outcomeOf(() => files.write('dir', 'x')),
        outcomeOf(() => files.upload([Buffer.from('x')], 'dir')),
      ]);
      expect(outcomes).toEqual(Array(outcomes.length).fill('NOT_A_FILE'));
      expect(await readdir(root)).toEqual(['dir']);
      expect(await readdir(path.join(root, 'dir'))).toEqual([]);
    });

    it('NOT_A_FILE, promptly, for checksum of a named pipe (a reader would wait forever)', async () => {
      const root = await tempDir();
      const fifo = path.join(root, 'pipe');
      await run('mkfifo', [fifo]);
      const files = managerAt(root);
      await expectFileError(files.read('pipe'), 'NOT_A_FILE');
      await expectFileError(files.filesize('pipe'), 'NOT_A_FILE');

      const checksum = outcomeOf(() => files.checksum('pipe'));
      const settled = await Promise.race([checksum, sleep(1000).then(() => 'still waiting')]);
      if (settled === 'still waiting') {
        // Unblock the open() that waits for a writer, so that the call can end.
        await (await open(fifo, 'r+')).close();
      }
      expect(settled === 'still waiting' ? `still waiting, then ${await checksum}` : settled).toBe(
        'NOT_A_FILE',
      );
    });

    it('NOT_A_DIRECTORY for a path through a file, for reading and for writing', async () => {
      const root = await tempDir();
      await writeFile(path.join(root, 'file.txt'), 'x');
      await writeFile(path.join(root, 'source.txt'), 'source');
      const files = managerAt(root);
      const outcomes = {
        read: await outcomeOf(() => files.read('file.txt/below')),
        filesize: await outcomeOf(() => files.filesize('file.txt/below')),
        mkdir: await outcomeOf(() => files.mkdir('file.txt/below')),
        rmdir: await outcomeOf(() => files.rmdir('file.txt')),
        write: await outcomeOf(() => files.write('file.txt/below', 'x')),
        upload: await outcomeOf(() => files.upload([Buffer.from('x')], 'file.txt/below')),
        copy: await outcomeOf(() => files.copy('source.txt', 'file.txt/below')),
        rename: await outcomeOf(() => files.rename('source.txt', 'file.txt/below')),
      };
      expect(outcomes).toEqual({
        read: 'NOT_A_DIRECTORY',
        filesize: 'NOT_A_DIRECTORY',
        mkdir: 'NOT_A_DIRECTORY',
        rmdir: 'NOT_A_DIRECTORY',
        write: 'NOT_A_DIRECTORY',
        upload: 'NOT_A_DIRECTORY',
        copy: 'NOT_A_DIRECTORY',
        rename: 'NOT_A_DIRECTORY',
      });
      expect((await readdir(root)).sort()).toEqual(['file.txt', 'source.txt']);
    });

    it('INVALID_INPUT for a path that is not a non-empty string, in every method', async () => {
      const root = await tempDir();
      await writeFile(path.join(root, 'ok.txt'), 'x');
      const files = managerAt(root);
      for (const bad of ['', 42, null, undefined, {}, ['a'], Buffer.from('ok.txt')]) {
        const p = bad as unknown as string;
        const outcomes = await Promise.all([
          outcomeOf(() => files.checksum(p)),
          outcomeOf(() => files.copy(p, 'x')),
          outcomeOf(() => files.copy('ok.txt', p)),
          outcomeOf(() => files.delete(p)),
          outcomeOf(() => files.filesize(p)),
          outcomeOf(() => files.isdir(p)),
          outcomeOf(() => files.isfile(p)),
          outcomeOf(() => files.mimetype(p)),
          outcomeOf(() => files.mkdir(p)),
          outcomeOf(() => files.mkdir(p, true)),
          outcomeOf(() => files.read(p)),
          outcomeOf(() => files.readStream(p)),
          outcomeOf(() => files.rename(p, 'x')),
          outcomeOf(() => files.rename('ok.txt', p)),
          outcomeOf(() => files.rmdir(p)),
          outcomeOf(() => files.upload([Buffer.from('x')], p)),
          outcomeOf(() => files.write(p, 'x')),
        ]);
        expect(outcomes, String(bad)).toEqual(Array(outcomes.length).fill('INVALID_INPUT'));
      }
      expect(await readdir(root)).toEqual(['ok.txt']);
    });

    it('INVALID_INPUT for write of data that is not bytes or text', async () => {
      const root = await tempDir();
      const files = managerAt(root);
      for (const data of [42, null, undefined, {}, [1, 2], new ArrayBuffer(4)]) {
        await expectFileError(files.write('a.bin', data as unknown as string), 'INVALID_INPUT');
      }
      expect(await readdir(root)).toEqual([]);
    });

    it('INVALID_INPUT for invalid arguments, never a bare TypeError', async () => {
      const root = await tempDir();
      const files = managerAt(root);
      await expectFileError(
        files.write(Symbol('path') as unknown as string, 42 as unknown as string),
        'INVALID_INPUT',
      );
      await expectFileError(files.read(Symbol('path') as unknown as string), 'INVALID_INPUT');
      await expectFileError(files.checksum('a', 42 as unknown as string), 'INVALID_INPUT');
    });
  });

  describe('without a root', () => {
    it('works on absolute paths, and on relative ones against the working directory', async () => {
      const dir = await tempDir();
      const files = managerAt(undefined);
      const file = path.join(dir, 'sub/a.txt');
      await files.write(file, 'absolute');
      expect((await files.read(file)).toString()).toBe('absolute');
      const relative = path.relative(process.cwd(), path.join(dir, 'sub/b.txt'));
      expect(path.isAbsolute(relative)).toBe(false);
      await files.write(relative, 'relative');
      expect(await readFile(path.join(dir, 'sub/b.txt'), 'utf8')).toBe('relative');
      await files.copy(file, relative);
      expect(await readFile(path.join(dir, 'sub/b.txt'), 'utf8')).toBe('absolute');
      expect(await files.isfile(relative)).toBe(true);
      await files.delete(relative);
      expect(await readdir(path.join(dir, 'sub'))).toEqual(['a.txt']);
    });

    it('refuses a NUL byte with INVALID_INPUT', async () => {
      const dir = await tempDir();
      const files = managerAt(undefined);
      await expectFileError(files.write(path.join(dir, 'a\0b'), 'x'), 'INVALID_INPUT');
      await expectFileError(files.read(`${dir}/a\0b`), 'INVALID_INPUT');
      expect(await readdir(dir)).toEqual([]);
    });
  });
});
