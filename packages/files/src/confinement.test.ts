import { lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectFileError,
  makeTempDir,
  managerAt,
  outcomeOf,
  removeDir,
  snapshot,
  tempDir,
} from '../test/helpers.js';
import { Confinement } from './confinement.js';
import { FileError } from './file-error.js';
import type { FileManager } from './file-manager.js';

/**
 * The playground, in a temp folder `dir`:
 *
 *   dir/root/inside.txt, dir/root/folder/         what the manager may touch
 *   dir/root/in-link -> inside.txt                links that stay inside
 *   dir/root/in-dir-link -> folder
 *   dir/root/to-slash -> /                        links that lead out
 *   dir/root/to-parent -> dir
 *   dir/root/out-dir -> dir/outside
 *   dir/root/rel-out -> ../outside
 *   dir/root/out-file -> dir/outside/secret.txt
 *   dir/outside/secret.txt                        what must never be touched
 *   dir/rootx/file.txt                            a sibling whose name starts like the root's
 */
async function playground(dir: string): Promise<string> {
  const root = path.join(dir, 'root');
  await mkdir(path.join(root, 'folder'), { recursive: true });
  await mkdir(path.join(dir, 'outside'));
  await mkdir(path.join(dir, 'rootx'));
  await writeFile(path.join(root, 'inside.txt'), 'inside');
  await writeFile(path.join(dir, 'outside/secret.txt'), 'secret');
  await writeFile(path.join(dir, 'rootx/file.txt'), 'sibling');
  await symlink('inside.txt', path.join(root, 'in-link'));
  await symlink('folder', path.join(root, 'in-dir-link'));
  await symlink('/', path.join(root, 'to-slash'));
  await symlink(dir, path.join(root, 'to-parent'));
  await symlink(path.join(dir, 'outside'), path.join(root, 'out-dir'));
  await symlink('../outside', path.join(root, 'rel-out'));
  await symlink(path.join(dir, 'outside/secret.txt'), path.join(root, 'out-file'));
  return root;
}

type Operation = (files: FileManager, file: string) => Promise<unknown>;

/** The methods that only read, with the path in each position it can take. */
const READING: Record<string, Operation> = {
  read: (files, file) => files.read(file),
  readStream: (files, file) => files.readStream(file),
  checksum: (files, file) => files.checksum(file),
  filesize: (files, file) => files.filesize(file),
  mimetype: (files, file) => files.mimetype(file),
  isfile: (files, file) => files.isfile(file),
  isdir: (files, file) => files.isdir(file),
  'copy (source)': (files, file) => files.copy(file, 'copied.txt'),
};

/** The methods that write, and follow a symlink in the last place (they act on what it names). */
const WRITING: Record<string, Operation> = {
  write: (files, file) => files.write(file, 'pwned'),
  upload: (files, file) => files.upload([Buffer.from('pwned')], file),
  'copy (target)': (files, file) => files.copy('inside.txt', file),
  'rename (target)': (files, file) => files.rename('inside.txt', file),
  mkdir: (files, file) => files.mkdir(file),
  'mkdir (isFile)': (files, file) => files.mkdir(file, true),
};

/** The methods that act on a symlink in the last place itself, not on what it points to. */
const ON_LINKS: Record<string, Operation> = {
  delete: (files, file) => files.delete(file),
  'rename (source)': (files, file) => files.rename(file, 'moved.txt'),
  rmdir: (files, file) => files.rmdir(file),
  'rmdir (recursive)': (files, file) => files.rmdir(file, { recursive: true }),
};

/** Paths that leave the root through their text or through a symlink on the way. */
function hostile(dir: string, root: string): string[] {
  return [
    '..',
    '../x',
    'a/../../x',
    '../outside/secret.txt',
    'folder/../../outside/secret.txt',
    '../rootx/file.txt',
    path.join(dir, 'outside/secret.txt'),
    path.join(dir, 'outside/new.txt'),
    path.join(dir, 'rootx/file.txt'),
    `${root}x/new.txt`,
    `${root}/../outside/new.txt`,
    dir,
    'to-parent/outside/secret.txt',
    'to-parent/root/../outside/new.txt',
    'out-dir/secret.txt',
    'out-dir/new.txt',
    'out-dir/sub/new.txt',
    'rel-out/secret.txt',
    'in-dir-link/../../outside/secret.txt',
    'a\0b',
    'inside.txt\0.png',
  ];
}

/** Symlinks in the last place that lead out: refused by the methods that follow them. */
const HOSTILE_LINKS = ['out-file', 'out-dir', 'rel-out', 'to-parent', 'to-slash'];

/** System paths, only ever given to the reading methods. */
const SYSTEM = ['/etc/passwd', '/', '/etc', 'to-slash/etc/passwd', 'to-slash', 'to-slash/etc'];

async function table(
  files: FileManager,
  operations: Record<string, Operation>,
  paths: readonly string[],
): Promise<string[]> {
  const rows: string[] = [];
  for (const [name, operation] of Object.entries(operations)) {
    for (const file of paths) {
      rows.push(
        `${name}(${JSON.stringify(file)}): ${await outcomeOf(() => operation(files, file))}`,
      );
    }
  }
  return rows;
}

function allRefused(rows: readonly string[]): string[] {
  return rows.map((row) => row.replace(/: [^:]*$/, ': OUTSIDE_ROOT'));
}

describe('confinement to files.root', () => {
  describe('refuses every path that leads out, in every method', () => {
    let dir: string;
    let root: string;
    let files: FileManager;
    let before: Record<string, string>;
    beforeAll(async () => {
      dir = await makeTempDir();
      root = await playground(dir);
      files = managerAt(root);
      before = await snapshot(dir);
    });
    afterAll(() => removeDir(dir));

    it('by its text or a symlink on the way: OUTSIDE_ROOT, nothing touched', async () => {
      const rows = await table(files, { ...READING, ...WRITING, ...ON_LINKS }, hostile(dir, root));
      expect(rows).toEqual(allRefused(rows));
      expect(await snapshot(dir)).toEqual(before);
    });

    it('a symlink in the last place leading out: OUTSIDE_ROOT where it would be followed', async () => {
      const rows = await table(files, { ...READING, ...WRITING }, HOSTILE_LINKS);
      expect(rows).toEqual(allRefused(rows));
      expect(await snapshot(dir)).toEqual(before);
    });

    it('system paths, directly or through a symlink to /: OUTSIDE_ROOT for every reader', async () => {
      const rows = await table(files, READING, SYSTEM);
      expect(rows).toEqual(allRefused(rows));
      expect(await snapshot(dir)).toEqual(before);
    });

    it('the refusal is a FileError with the path in its message', async () => {
      const error = await expectFileError(files.read('../outside/secret.txt'), 'OUTSIDE_ROOT');
      expect(FileError.is(error)).toBe(true);
      expect(error.message).toContain('../outside/secret.txt');
    });
  });

  describe('symlinks in the last place, for the methods that act on the link itself', () => {
    it('delete refuses them (NOT_A_FILE); nothing changes, inside or outside', async () => {
      const dir = await tempDir();
      const root = await playground(dir);
      const before = await snapshot(dir);
      const files = managerAt(root);
      for (const link of ['out-file', 'to-slash', 'out-dir', 'rel-out']) {
        await expectFileError(files.delete(link), 'NOT_A_FILE');
      }
      expect(await snapshot(dir)).toEqual(before);
    });

    it('rmdir refuses them (NOT_A_DIRECTORY); nothing changes', async () => {
      const dir = await tempDir();
      const root = await playground(dir);
      const before = await snapshot(dir);
      const files = managerAt(root);
      for (const link of ['to-slash', 'out-dir', 'rel-out', 'to-parent']) {
        await expectFileError(files.rmdir(link, { recursive: true }), 'NOT_A_DIRECTORY');
      }
      expect(await snapshot(dir)).toEqual(before);
    });

    it('rename moves the link itself, within the root; where it points is not touched', async () => {
      const dir = await tempDir();
      const root = await playground(dir);
      await managerAt(root).rename('out-file', 'sub/moved-link');
      expect(await readlink(path.join(root, 'sub/moved-link'))).toBe(
        path.join(dir, 'outside/secret.txt'),
      );
      expect(await readFile(path.join(dir, 'outside/secret.txt'), 'utf8')).toBe('secret');
      expect(await readdir(path.join(dir, 'outside'))).toEqual(['secret.txt']);
      // And the moved link is still refused wherever it would be followed.
      await expectFileError(managerAt(root).read('sub/moved-link'), 'OUTSIDE_ROOT');
    });
  });

  describe('dangling symlinks that lead out', () => {
    it('are never followed to create something outside', async () => {
      const dir = await tempDir();
      const root = await playground(dir);
      await symlink(path.join(dir, 'outside/not-yet.txt'), path.join(root, 'dangling'));
      await symlink(path.join(dir, 'outside/no-dir'), path.join(root, 'dangling-dir'));
      const files = managerAt(root);
      const outcomes = [
        await outcomeOf(() => files.write('dangling', 'x')),
        await outcomeOf(() => files.upload([Buffer.from('x')], 'dangling')),
        await outcomeOf(() => files.copy('inside.txt', 'dangling')),
        await outcomeOf(() => files.write('dangling-dir/new.txt', 'x')),
        await outcomeOf(() => files.upload([Buffer.from('x')], 'dangling-dir/new.txt')),
        await outcomeOf(() => files.mkdir('dangling-dir')),
        await outcomeOf(() => files.mkdir('dangling-dir/sub')),
        await outcomeOf(() => files.mkdir('dangling-dir/new.txt', true)),
        await outcomeOf(() => files.read('dangling')),
      ];
      expect(outcomes.every((outcome) => !outcome.startsWith('threw'))).toBe(true);
      expect(await readdir(path.join(dir, 'outside'))).toEqual(['secret.txt']);
      // Whatever happened to the links, each is either gone or still a link, or a file inside.
      const dangling = await lstat(path.join(root, 'dangling'));
      expect(dangling.isSymbolicLink() || dangling.isFile()).toBe(true);
    });
  });

  describe('the root itself as the target of a write', () => {
    it('never puts a file outside the root, even for a moment', async () => {
      const dir = await tempDir();
      const root = await playground(dir);
      const files = managerAt(root);
      const outside = await readdir(dir);
      for (const target of ['.', root, 'folder/..', `${root}/`]) {
        const seen: string[] = [];
        async function* spy(): AsyncGenerator<Buffer> {
          yield Buffer.from('first chunk of an upload, ');
          seen.push(...(await readdir(dir)));
          yield Buffer.from('second chunk');
        }
        const outcome = await outcomeOf(() => files.upload(spy(), target));
        expect(outcome, target).not.toBe('ok');
        expect(
          seen.filter((name) => !outside.includes(name)),
          `entries that appeared next to the root during upload(${JSON.stringify(target)})`,
        ).toEqual([]);
      }
      expect(await readdir(dir)).toEqual(outside);
      expect(await readFile(path.join(root, 'inside.txt'), 'utf8')).toBe('inside');
    });
  });

  describe('accepts paths that stay inside', () => {
    it('relative, with ./ and .., absolute under the root, through inner symlinks', async () => {
      const dir = await tempDir();
      const root = await playground(dir);
      const files = managerAt(root);
      const cases: [string, string][] = [
        ['a/b/c.txt', 'a/b/c.txt'],
        ['./a.txt', 'a.txt'],
        ['a/../b.txt', 'b.txt'],
        ['folder/../../root/c.txt', 'c.txt'],
        [path.join(root, 'abs.txt'), 'abs.txt'],
        [`${root}/x/../abs2.txt`, 'abs2.txt'],
        ['in-dir-link/via-link.txt', 'folder/via-link.txt'],
        ['name with spaces & ünïcödé.txt', 'name with spaces & ünïcödé.txt'],
        ['..hidden..', '..hidden..'],
        ['.dotfile', '.dotfile'],
      ];
      for (const [given, real] of cases) {
        await files.write(given, given);
        expect(await readFile(path.join(root, real), 'utf8'), given).toBe(given);
        expect((await files.read(given)).toString(), given).toBe(given);
        expect(await files.isfile(given), given).toBe(true);
      }
      expect(await readdir(path.join(dir, 'outside'))).toEqual(['secret.txt']);
    });

    it('follows a symlink that points inside the root, for reads', async () => {
      const dir = await tempDir();
      const root = await playground(dir);
      await symlink(path.join(root, 'inside.txt'), path.join(root, 'abs-in-link'));
      const files = managerAt(root);
      for (const link of ['in-link', 'abs-in-link', 'in-dir-link/../inside.txt']) {
        expect((await files.read(link)).toString(), link).toBe('inside');
        expect(await files.filesize(link), link).toBe(6);
        expect(await files.isfile(link), link).toBe(true);
        expect(await files.checksum(link), link).toBe(await files.checksum('inside.txt'));
      }
      expect(await files.isdir('in-dir-link')).toBe(true);
      await files.copy('in-link', 'copy.txt');
      expect(await readFile(path.join(root, 'copy.txt'), 'utf8')).toBe('inside');
    });

    it('every method works on inside paths', async () => {
      const dir = await tempDir();
      const root = await playground(dir);
      const files = managerAt(root);
      await files.mkdir('m/n');
      await files.mkdir('m/n/o/file.txt', true);
      await files.upload([Buffer.from('up')], 'm/up.txt');
      await files.copy('m/up.txt', 'm/copy.txt');
      await files.rename('m/copy.txt', 'm/n/moved.txt');
      expect(await files.mimetype('m/up.txt')).toBe('text/plain');
      await files.delete('m/up.txt');
      await files.rmdir('m/n/o');
      expect(await snapshot(path.join(root, 'm'))).toEqual({
        n: 'dir',
        'n/moved.txt': expect.stringMatching(/^file /),
      });
    });

    it('creates the root on first use', async () => {
      const dir = await tempDir();
      const files = managerAt(path.join(dir, 'not/yet/there'));
      expect(await files.isdir('.')).toBe(true);
      await files.write('a.txt', 'a');
      expect(await readFile(path.join(dir, 'not/yet/there/a.txt'), 'utf8')).toBe('a');
    });
  });

  describe('Confinement', () => {
    it('resolves to the lexical absolute path, not the real one', async () => {
      const dir = await tempDir();
      const root = await playground(dir);
      const paths = new Confinement(root);
      expect(await paths.resolve('in-link')).toBe(path.join(root, 'in-link'));
      expect(await paths.resolve('in-dir-link/x')).toBe(path.join(root, 'in-dir-link/x'));
      expect(await paths.resolve('./a/../b')).toBe(path.join(root, 'b'));
      expect(await paths.resolve('.')).toBe(root);
      expect(await paths.resolve('out-file', false)).toBe(path.join(root, 'out-file'));
      await expect(paths.resolve('out-file')).rejects.toMatchObject({ code: 'OUTSIDE_ROOT' });
    });

    it('without a root: resolves against the working directory; refuses only bad forms', async () => {
      const paths = new Confinement(undefined);
      expect(await paths.resolve('a/b')).toBe(path.resolve('a/b'));
      expect(await paths.resolve('/etc/passwd')).toBe('/etc/passwd');
      expect(await paths.resolve('../x')).toBe(path.resolve('../x'));
      for (const bad of ['a\0b', '', 7, null]) {
        await expect(paths.resolve(bad), String(bad)).rejects.toMatchObject({
          code: 'INVALID_INPUT',
        });
      }
    });
  });
});

describe('review findings', () => {
  it('a path that names the root through a `..` symlink is refused for rmdir, delete and rename', async () => {
    const dir = await tempDir();
    const root = path.join(dir, 'root');
    await mkdir(path.join(root, 'keep'), { recursive: true });
    await writeFile(path.join(root, 'keep/file.txt'), 'kept');
    await symlink('..', path.join(root, 'up'));
    const files = managerAt(root);
    await expectFileError(files.rmdir('up/root', { recursive: true }), 'OUTSIDE_ROOT');
    await expectFileError(files.delete('up/root'), 'OUTSIDE_ROOT');
    await expectFileError(files.rename('up/root', 'moved'), 'OUTSIDE_ROOT');
    await expectFileError(files.rmdir('.', { recursive: true }), 'INVALID_INPUT');
    expect(await readFile(path.join(root, 'keep/file.txt'), 'utf8')).toBe('kept');
  });
});
