import { createReadStream } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  digest,
  expectFileError,
  MiB,
  managerAt,
  randomContent,
  tempDir,
  tempFilesIn,
} from '../test/helpers.js';
import { FileError } from './file-error.js';
import type { ByteReader, UploadSource } from './upload-source.js';

/** `content` cut in pieces of irregular sizes (1 byte to 300 KiB), in order. */
function piecesOf(content: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  let offset = 0;
  let n = 0;
  while (offset < content.length) {
    const size = [1, 7, 65_536, 300 * 1024, 4095, MiB + 3][n++ % 6] as number;
    pieces.push(content.subarray(offset, offset + size));
    offset += size;
  }
  return pieces;
}

async function* generate(
  pieces: readonly (Uint8Array | string)[],
): AsyncGenerator<Uint8Array | string> {
  for (const piece of pieces) {
    await Promise.resolve();
    yield piece;
  }
}

/** A reader like the upload objects of web frameworks: `read(size)`, empty at the end. */
function reader(content: Buffer, asynchronous: boolean, sizes: number[]): ByteReader {
  let offset = 0;
  const read = (size?: number) => {
    sizes.push(size ?? -1);
    const chunk = content.subarray(offset, offset + (size ?? content.length));
    offset += chunk.length;
    return chunk.length === 0 ? null : chunk;
  };
  return asynchronous ? { read: async (size) => read(size) } : { read };
}

/** A web ReadableStream that pulls the pieces one by one. */
function webStream(pieces: readonly Buffer[]): ReadableStream<Uint8Array> {
  let n = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const piece = pieces[n++];
      if (piece === undefined) controller.close();
      else controller.enqueue(new Uint8Array(piece));
    },
  });
}

describe('upload', () => {
  describe('reads every kind of source', () => {
    const content = randomContent(3 * MiB + 12_345);
    const pieces = piecesOf(content);
    const sources: Record<string, (dir: string) => Promise<UploadSource> | UploadSource> = {
      'an async generator of Buffers': () => generate(pieces),
      'an async generator of Uint8Arrays': () => generate(pieces.map((p) => new Uint8Array(p))),
      'a sync iterable (array) of Buffers': () => pieces,
      'a Node Readable (Readable.from)': () => Readable.from(pieces),
      'a Node Readable (fs.createReadStream)': async (dir) => {
        await writeFile(path.join(dir, 'source.bin'), content);
        return createReadStream(path.join(dir, 'source.bin'), { highWaterMark: 100_000 });
      },
      'a web ReadableStream': () => webStream(pieces),
      'a web ReadableStream (Readable.toWeb)': () =>
        Readable.toWeb(Readable.from(pieces)) as ReadableStream<Uint8Array>,
      'a Blob': () => new Blob([content]),
      'a Blob of several parts': () => new Blob(pieces),
      'a reader with a sync read(size)': () => reader(content, false, []),
      'a reader with an async read(size)': () => reader(content, true, []),
    };

    it.each(Object.keys(sources))('%s', async (kind) => {
      const dir = await tempDir();
      const root = path.join(dir, 'root');
      const source = await (sources[kind] as (dir: string) => Promise<UploadSource>)(dir);
      const result = await managerAt(root).upload(source, 'in/uploaded.bin', { checksum: true });
      expect(result).toEqual({ size: content.length, sha256: digest(content) });
      const written = await readFile(path.join(root, 'in/uploaded.bin'));
      expect(written.length).toBe(content.length);
      expect(written.equals(content)).toBe(true);
      expect(await readdir(path.join(root, 'in'))).toEqual(['uploaded.bin']);
    });

    it('without checksum: true stores the same bytes and returns no digest', async () => {
      const root = await tempDir();
      const result = await managerAt(root).upload(generate(pieces), 'plain.bin');
      expect(result).toEqual({ size: content.length, sha256: null });
      const explicit = await managerAt(root).upload(generate(pieces), 'plain2.bin', {
        checksum: false,
      });
      expect(explicit).toEqual({ size: content.length, sha256: null });
      expect((await readFile(path.join(root, 'plain.bin'))).equals(content)).toBe(true);
    });

    it('a reader is asked for files.chunkSize bytes at a time', async () => {
      const root = await tempDir();
      const sizes: number[] = [];
      await managerAt(root, { chunkSize: 64 * 1024 }).upload(
        reader(content, false, sizes),
        'up.bin',
      );
      expect(new Set(sizes)).toEqual(new Set([64 * 1024]));
      expect(sizes.length).toBe(Math.ceil(content.length / (64 * 1024)) + 1);
    });

    it('text chunks (strings) are stored as UTF-8, from a generator, a Readable and a reader', async () => {
      const root = await tempDir();
      const parts = ['héllo ', 'wörld ', '✓ ', '𝄞\n', ''.padEnd(70_000, 'abc')];
      const text = parts.join('');
      const expected = { size: Buffer.byteLength(text), sha256: digest(Buffer.from(text)) };
      const files = managerAt(root);
      let n = 0;
      const textReader: ByteReader = { read: () => parts[n++] ?? '' };
      expect(await files.upload(generate(parts), 'generator.txt', { checksum: true })).toEqual(
        expected,
      );
      expect(await files.upload(Readable.from(parts), 'readable.txt', { checksum: true })).toEqual(
        expected,
      );
      expect(await files.upload(textReader, 'reader.txt', { checksum: true })).toEqual(expected);
      for (const name of ['generator.txt', 'readable.txt', 'reader.txt']) {
        expect(await readFile(path.join(root, name), 'utf8'), name).toBe(text);
      }
    });

    it('an empty source makes an empty file', async () => {
      const root = await tempDir();
      const files = managerAt(root);
      const empty = { size: 0, sha256: digest('') };
      expect(await files.upload(generate([]), 'a', { checksum: true })).toEqual(empty);
      expect(await files.upload(new Blob([]), 'b', { checksum: true })).toEqual(empty);
      expect(await files.upload({ read: () => null }, 'c', { checksum: true })).toEqual(empty);
      expect(await files.upload(Readable.from([]), 'd', { checksum: true })).toEqual(empty);
      for (const name of ['a', 'b', 'c', 'd']) {
        expect((await readFile(path.join(root, name))).length).toBe(0);
      }
    });

    it('replaces an existing file, durably when asked', async () => {
      const root = await tempDir();
      const files = managerAt(root);
      await files.write('a.bin', 'old content, longer than the new one');
      await files.upload([Buffer.from('new')], 'a.bin', { durable: true });
      expect(await readFile(path.join(root, 'a.bin'), 'utf8')).toBe('new');
      expect(await readdir(root)).toEqual(['a.bin']);
    });
  });

  describe('a source that fails midway', () => {
    /**
     * Uploads `source` (made by `make`, after the folders are ready, so that it cannot fail
     * before the upload holds it) and checks that it failed with `cause` and stored nothing.
     */
    async function expectNothingStored(
      make: UploadSource | (() => { source: UploadSource; started: () => void }),
      cause: Error,
      existing: boolean,
    ): Promise<void> {
      const root = await tempDir();
      const files = managerAt(root);
      await files.mkdir('in');
      if (existing) await files.write('in/target.bin', 'the old content');
      const made = typeof make === 'function' ? make() : { source: make, started: () => {} };
      let error: unknown;
      try {
        const upload = files.upload(made.source, 'in/target.bin');
        made.started();
        await upload;
      } catch (caught) {
        error = caught;
      }
      expect(FileError.is(error), String(error)).toBe(true);
      expect((error as FileError).cause).toBe(cause);
      if (existing) {
        expect(await readFile(path.join(root, 'in/target.bin'), 'utf8')).toBe('the old content');
        expect(await readdir(path.join(root, 'in'))).toEqual(['target.bin']);
      } else {
        expect(await readdir(path.join(root, 'in'))).toEqual([]);
      }
    }

    for (const existing of [false, true]) {
      const where = existing ? 'leaves the existing target untouched' : 'creates no file';
      it(`an async generator that throws after some chunks: rejects, ${where}, no temp`, async () => {
        const boom = new Error('the client went away');
        async function* failing(): AsyncGenerator<Buffer> {
          yield randomContent(MiB);
          yield randomContent(2 * MiB);
          yield randomContent(10);
          throw boom;
        }
        await expectNothingStored(failing(), boom, existing);
      });

      it(`a Readable destroyed with an error: rejects, ${where}, no temp`, async () => {
        const boom = new Error('connection reset');
        await expectNothingStored(
          () => {
            const stream = new Readable({ read() {} });
            stream.push(randomContent(MiB + 1));
            stream.push(randomContent(100));
            // Once the upload holds the stream: earlier, nobody would listen to its error.
            return { source: stream, started: () => setTimeout(() => stream.destroy(boom), 20) };
          },
          boom,
          existing,
        );
      });

      it(`a Readable that fails before the upload reads it: rejects with its error, ${where}, no crash`, async () => {
        // The error is emitted on the next tick, while the upload still prepares the temp file
        // and reads nothing: without a listener of the upload's own it would be uncaught.
        const boom = new Error('client went away');
        await expectNothingStored(
          () => {
            const stream = new Readable({ read() {} });
            return { source: stream, started: () => stream.destroy(boom) };
          },
          boom,
          existing,
        );
      });

      it(`a web ReadableStream that errors: rejects, ${where}, no temp`, async () => {
        const boom = new Error('stream broke');
        let n = 0;
        const stream = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (n++ < 3) controller.enqueue(randomContent(300_000));
            else controller.error(boom);
          },
        });
        await expectNothingStored(stream, boom, existing);
      });

      it(`a reader whose read() rejects: rejects, ${where}, no temp`, async () => {
        const boom = new Error('read failed');
        let n = 0;
        const failing: ByteReader = {
          read: async () => {
            if (n++ < 2) return randomContent(MiB);
            throw boom;
          },
        };
        await expectNothingStored(failing, boom, existing);
      });
    }

    it('a chunk that is not bytes: INVALID_INPUT, no file, no temp', async () => {
      const root = await tempDir();
      const source = generate([Buffer.from('ok'), 42 as unknown as string]);
      await expectFileError(managerAt(root).upload(source, 'a.bin'), 'INVALID_INPUT');
      expect(await readdir(root)).toEqual([]);
    });
  });

  describe('maxBytes', () => {
    const content = randomContent(2 * MiB + 1);

    it('exceeded: TOO_LARGE, no file, no temp, an existing target untouched', async () => {
      const root = await tempDir();
      const files = managerAt(root);
      await expectFileError(
        files.upload(generate(piecesOf(content)), 'new.bin', { maxBytes: content.length - 1 }),
        'TOO_LARGE',
      );
      await files.write('old.bin', 'old');
      await expectFileError(
        files.upload(new Blob([content]), 'old.bin', { maxBytes: MiB }),
        'TOO_LARGE',
      );
      await expectFileError(
        files.upload(Readable.from([Buffer.from('xy')]), 'one.bin', { maxBytes: 1 }),
        'TOO_LARGE',
      );
      await expectFileError(
        files.upload([Buffer.from('x')], 'zero.bin', { maxBytes: 0 }),
        'TOO_LARGE',
      );
      expect(await readdir(root)).toEqual(['old.bin']);
      expect(await readFile(path.join(root, 'old.bin'), 'utf8')).toBe('old');
    });

    it('stops reading the source once exceeded', async () => {
      const root = await tempDir();
      let produced = 0;
      async function* endless(): AsyncGenerator<Buffer> {
        for (;;) {
          produced += 64 * 1024;
          yield Buffer.alloc(64 * 1024);
        }
      }
      await expectFileError(
        managerAt(root).upload(endless(), 'a.bin', { maxBytes: MiB }),
        'TOO_LARGE',
      );
      expect(produced).toBeLessThanOrEqual(MiB + 64 * 1024);
      expect(await tempFilesIn(root)).toEqual([]);
    });

    it('exactly maxBytes is accepted', async () => {
      const root = await tempDir();
      const files = managerAt(root);
      const result = await files.upload(generate(piecesOf(content)), 'exact.bin', {
        maxBytes: content.length,
        checksum: true,
      });
      expect(result).toEqual({ size: content.length, sha256: digest(content) });
      expect(
        await files.upload(generate([]), 'empty.bin', { maxBytes: 0, checksum: true }),
      ).toEqual({
        size: 0,
        sha256: digest(''),
      });
      expect((await readdir(root)).sort()).toEqual(['empty.bin', 'exact.bin']);
    });

    it('must be a number >= 0', async () => {
      const root = await tempDir();
      for (const maxBytes of [-1, Number.NaN]) {
        await expectFileError(
          managerAt(root).upload([Buffer.from('x')], 'a', { maxBytes }),
          'INVALID_INPUT',
        );
      }
      expect(await readdir(root)).toEqual([]);
    });
  });

  it('refuses what is not a source with INVALID_INPUT, and creates nothing', async () => {
    const root = await tempDir();
    const files = managerAt(root);
    for (const source of [42, {}, null, undefined, true, { read: 'not a function' }]) {
      await expectFileError(
        files.upload(source as unknown as UploadSource, 'a.bin'),
        'INVALID_INPUT',
      );
    }
    expect(await readdir(root)).toEqual([]);
  });
});

describe('upload, review findings', () => {
  it('a reader that signals the end with an empty ArrayBuffer ends the upload', async () => {
    const root = await tempDir();
    let calls = 0;
    const source = {
      read: () => (calls++ === 0 ? new TextEncoder().encode('abc').buffer : new ArrayBuffer(0)),
    };
    const result = await managerAt(root).upload(source as never, 'ab.bin');
    expect(result.size).toBe(3);
  });

  it('null options are no options', async () => {
    const root = await tempDir();
    const files = managerAt(root);
    expect((await files.upload([Buffer.from('x')], 'n.bin', null as never)).size).toBe(1);
    await files.write('w.txt', 'w', null as never);
    await files.copy('w.txt', 'c.txt', null as never);
    await files.rename('c.txt', 'r.txt', null as never);
    expect((await files.read('r.txt')).toString()).toBe('w');
  });
});
