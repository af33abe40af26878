import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectFileError,
  makeTempDir,
  managerAt,
  removeDir,
  runScript,
  tempDir,
} from '../test/helpers.js';
import * as corpus from '../test/mime-corpus.js';
import type { FileManager } from './file-manager.js';
import { canonicalMime, MIME_ALIASES } from './mime.js';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Name on disk, content, and the one type expected under the alias policy (IANA names first). */
const CASES: readonly (readonly [string, () => Uint8Array, string | null])[] = [
  ['image.png', corpus.png, 'image/png'],
  ['image.gif', corpus.gif, 'image/gif'],
  ['photo.jpg', corpus.jpeg, 'image/jpeg'],
  ['image.webp', corpus.webp, 'image/webp'],
  ['sound.wav', corpus.wav, 'audio/wav'], // libmagic: audio/x-wav
  ['song.mp3', corpus.mp3, 'audio/mpeg'],
  ['movie.mp4', corpus.mp4, 'video/mp4'],
  ['archive.gz', corpus.gzip, 'application/gzip'],
  ['archive.zip', corpus.plainZip, 'application/zip'],
  ['archive.tar', corpus.tar, 'application/x-tar'],
  ['data.sqlite', corpus.sqlite, 'application/vnd.sqlite3'],
  ['module.wasm', corpus.wasm, 'application/wasm'],
  ['paper.pdf', corpus.pdf, 'application/pdf'],
  ['letter.docx', corpus.docx, DOCX],
  ['sheet.xlsx', corpus.xlsx, XLSX],
  ['table.csv', () => corpus.text('csv'), 'text/csv'],
  ['data.json', () => corpus.text('json'), 'application/json'],
  ['icon.svg', () => corpus.text('svg'), 'image/svg+xml'],
  ['page.html', () => corpus.text('html'), 'text/html'],
  ['note.xml', () => corpus.text('xml'), 'application/xml'], // libmagic: text/xml
  ['notes.md', () => corpus.text('markdown'), 'text/markdown'], // libmagic: text/plain
  ['script.py', () => corpus.text('python'), 'text/x-python'], // libmagic: text/x-script.python
  ['script.sh', () => corpus.text('shell'), 'text/x-shellscript'],
  ['notes.txt', () => corpus.text('text'), 'text/plain'],
  ['code.js', () => Buffer.from('export const answer = 42;\n'), 'text/javascript'],
  // The content decides, whatever the name says.
  ['png-named.txt', corpus.png, 'image/png'],
  ['text-named.png', () => corpus.text('text'), 'text/plain'],
  ['pdf-named.docx', corpus.pdf, 'application/pdf'],
  ['gzip-named.json', corpus.gzip, 'application/gzip'],
  ['no-extension-png', corpus.png, 'image/png'],
  ['no-extension-python', () => corpus.text('python'), 'text/x-python'],
  ['no-extension-text', () => corpus.text('text'), 'text/plain'],
  ['no-extension-xml', () => corpus.text('xml'), 'application/xml'],
  // Nothing knows: random bytes under no (known) extension.
  ['random', () => corpus.noise(4096), null],
  ['random.unknownext', () => corpus.noise(4096), null],
  // An empty file: libmagic's answer, or the extension's.
  ['empty', () => new Uint8Array(0), 'application/x-empty'],
  ['empty.txt', () => new Uint8Array(0), 'text/plain'],
  // Empty content is valid text, not a valid image: a binary extension is not taken.
  ['empty.png', () => new Uint8Array(0), 'application/x-empty'],
];

describe('mimetype', () => {
  let root: string;
  let files: FileManager;
  beforeAll(async () => {
    root = await makeTempDir();
    files = managerAt(root);
    await mkdir(path.join(root, 'corpus'));
    for (const [name, content] of CASES) {
      await writeFile(path.join(root, 'corpus', name), content());
    }
  });
  afterAll(() => removeDir(root));

  it.each(CASES.map(([name, , expected]) => [name, expected]))(
    '%s is %s',
    async (name, expected) => {
      expect(await files.mimetype(`corpus/${name}`)).toBe(expected);
    },
  );

  it('the same content gets the same name, whatever the file is called', async () => {
    const names = ['a.wav', 'b.WAV', 'c.bin', 'd'];
    for (const name of names) await writeFile(path.join(root, name), corpus.wav());
    const types = await Promise.all(names.map((name) => files.mimetype(name)));
    expect(types).toEqual(names.map(() => 'audio/wav'));
  });

  it('a name without extension is not read as an extension (a file called "pdf" or "json")', async () => {
    // mime-types' lookup() takes a bare word for an extension: "pdf" → application/pdf.
    await writeFile(path.join(root, 'pdf'), corpus.noise(4096));
    await writeFile(path.join(root, 'json'), 'just some words, not JSON\n');
    await writeFile(path.join(root, 'png'), corpus.noise(4096));
    expect({
      pdf: await files.mimetype('pdf'),
      json: await files.mimetype('json'),
      png: await files.mimetype('png'),
    }).toEqual({ pdf: null, json: 'text/plain', png: null });
  });

  it('NOT_FOUND for a missing file, NOT_A_FILE for a folder', async () => {
    await expectFileError(files.mimetype('missing.png'), 'NOT_FOUND');
    await expectFileError(files.mimetype('corpus'), 'NOT_A_FILE');
  });

  it('several managers and concurrent calls agree', async () => {
    const names = CASES.map(([name]) => `corpus/${name}`);
    const other = managerAt(root);
    const [first, second] = await Promise.all([
      Promise.all(names.map((name) => files.mimetype(name))),
      Promise.all(names.map((name) => other.mimetype(name))),
    ]);
    expect(second).toEqual(first);
    expect(first).toEqual(CASES.map(([, , expected]) => expected));
  });

  it('works when the package is run through tsx (as in a bundled or tsx-run service)', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'image.png');
    await writeFile(file, corpus.png());
    const output = await runScript('mimetype.ts', [file]);
    expect(JSON.parse(output)).toEqual({ mime: 'image/png' });
  }, 30_000);
});

describe('canonicalMime and MIME_ALIASES', () => {
  it('map the names libmagic, file-type and mime-types disagree on to one name', () => {
    expect(canonicalMime('audio/x-wav')).toBe('audio/wav');
    expect(canonicalMime('audio/vnd.wave')).toBe('audio/wav');
    expect(canonicalMime('text/xml')).toBe('application/xml');
    expect(canonicalMime('application/x-gzip')).toBe('application/gzip');
    expect(canonicalMime('application/x-sqlite3')).toBe('application/vnd.sqlite3');
    expect(canonicalMime('application/javascript')).toBe('text/javascript');
    expect(canonicalMime('text/x-script.python')).toBe('text/x-python');
    expect(canonicalMime('image/x-ms-bmp')).toBe('image/bmp');
  });

  it('ignore case, and keep names outside the table (lower-cased)', () => {
    expect(canonicalMime('Audio/X-WAV')).toBe('audio/wav');
    expect(canonicalMime('IMAGE/PNG')).toBe('image/png');
    expect(canonicalMime('application/vnd.ms-excel')).toBe('application/vnd.ms-excel');
  });

  it('has lower-case keys and final values (no alias of an alias)', () => {
    for (const [alias, name] of Object.entries(MIME_ALIASES)) {
      expect(alias, alias).toBe(alias.toLowerCase());
      expect(canonicalMime(name), `${alias} -> ${name}`).toBe(name);
    }
  });
});

describe('review findings', () => {
  it('UTF-16 text with a byte-order mark is text, not a signature match', async () => {
    const dir = await tempDir();
    const files = managerAt(dir);
    const text = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('name,age\nada,36\n', 'utf16le'),
    ]);
    await writeFile(path.join(dir, 'u16.txt'), text);
    const type = await files.mimetype('u16.txt');
    expect(type === null ? '' : type).toMatch(/^text\//);
  });
});
