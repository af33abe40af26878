import { createHash, getHashes } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import {
  copyFile,
  lstat,
  mkdir,
  open,
  readFile,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
} from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { ConfigError, type FilesConfig } from '@x/config';
import { makeParentFolder, syncFolder, writeAll, writeAtomically } from './atomic-write.js';
import { Confinement } from './confinement.js';
import { FileError, toFileError } from './file-error.js';
import { MimeDetector } from './mime.js';
import { overwriteAndUnlink, runShred } from './shred.js';
import { chunksOf, type UploadSource } from './upload-source.js';

/** What the constructor reads of the configuration: the `files` section of `defineConfig()`. */
export interface FilesSettings {
  readonly files: FilesConfig;
}

/** Options of the writing methods. */
export interface WriteOptions {
  /** fsync the file and its folder before resolving (default: `files.durable`). */
  readonly durable?: boolean;
}

/** Options of {@link FileManager.upload}. */
export interface UploadOptions extends WriteOptions {
  /** The most bytes accepted; past it the upload fails with `TOO_LARGE` and leaves nothing. */
  readonly maxBytes?: number;
  /**
   * Compute the SHA-256 of the content while writing (default `false`), in the same pass: no
   * second read. Hashing costs about as much CPU as the copy itself, hence opt-in.
   */
  readonly checksum?: boolean;
}

/** What {@link FileManager.upload} wrote. */
export interface UploadResult {
  /** Bytes written. */
  readonly size: number;
  /** SHA-256 of the content, hex, with `checksum: true`; otherwise `null`. */
  readonly sha256: string | null;
}

/**
 * File storage for services: every write is atomic (temp file + rename), streamed in
 * `files.chunkSize` chunks, confined to `files.root` when it is set; deletion goes through
 * `shred`. Every failure is a {@link FileError} with a `code` and the OS error as `cause`.
 *
 * @example
 * const files = new FileManager(loadConfig()); // X_FILES_ROOT=/srv/uploads
 * const { size, sha256 } = await files.upload(request.body, `users/${id}/avatar.png`, { maxBytes: 5e6, checksum: true });
 * await files.mimetype(`users/${id}/avatar.png`); // 'image/png'
 */
export class FileManager {
  readonly #settings: FilesConfig;
  readonly #paths: Confinement;
  readonly #mime = new MimeDetector();

  constructor(config: FilesSettings) {
    this.#settings = checkFilesSettings(config);
    this.#paths = new Confinement(this.#settings.root);
  }

  /** Hex digest of the file's content (`sha256` unless another algorithm node:crypto knows is named). */
  async checksum(file: string, algorithm = 'sha256'): Promise<string> {
    if (!getHashes().includes(algorithm)) {
      throw new FileError(
        'INVALID_INPUT',
        `Unknown hash algorithm ${JSON.stringify(algorithm)}; see crypto.getHashes().`,
      );
    }
    return this.#run('checksum', file, async (real) => {
      await this.#expectFile(real, file); // a FIFO or device would block or never end
      const hash = createHash(algorithm);
      const handle = await open(real, 'r');
      try {
        // Two buffers: the thread pool reads the next chunk while this thread hashes the last.
        const size = this.#settings.chunkSize;
        const buffers = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
        let current = 0;
        let position = 0;
        let reading = handle.read(buffers[current] as Buffer, 0, size, position);
        for (;;) {
          const { bytesRead, buffer } = await reading;
          if (bytesRead === 0) break;
          position += bytesRead;
          current ^= 1;
          reading = handle.read(buffers[current] as Buffer, 0, size, position);
          hash.update(buffer.subarray(0, bytesRead));
        }
      } finally {
        await handle.close();
      }
      return hash.digest('hex');
    });
  }

  /** Copies a file atomically (the platform's `copyFile` into a temp file, then a rename). */
  async copy(source: string, target: string, options: WriteOptions | null = {}): Promise<void> {
    options ??= {};
    const from = await this.#resolve('copy', source);
    await this.#run('copy', target, async (to) => {
      await this.#expectFile(from, source);
      await writeAtomically(to, this.#atomic(options), async (handle, temp) => {
        await copyFile(from, temp);
        if (this.#durable(options)) await handle.sync();
      });
    });
  }

  /**
   * Deletes a regular file with `shred -n <shredPasses> -z -u`; an absent file is a no-op. A
   * symlink or folder is refused (`NOT_A_FILE`): GNU shred would overwrite what a link points to.
   * Overwriting is best effort on journaling and copy-on-write filesystems and on SSDs.
   */
  async delete(file: string): Promise<void> {
    await this.#run(
      'delete',
      file,
      async (real) => {
        let info: Stats;
        try {
          info = await lstat(real);
        } catch (error) {
          if ((error as { code?: string }).code === 'ENOENT') return;
          throw error;
        }
        if (!info.isFile()) {
          throw new FileError(
            'NOT_A_FILE',
            `delete ${file}: not a regular file (${kindOf(info)}); nothing was removed.`,
          );
        }
        if (info.nlink > 1) {
          // Overwriting would also destroy the content under the other names (maybe outside the root).
          throw new FileError(
            'NOT_A_FILE',
            `delete ${file}: the file has ${info.nlink} hard links; shredding would overwrite the other names' content too. Nothing was removed.`,
          );
        }
        const { shredPasses, shred, chunkSize } = this.#settings;
        if (await runShred(real, shredPasses)) return;
        if (shred === 'require') {
          throw new FileError(
            'SHRED_UNAVAILABLE',
            `delete ${file}: no shred program on the PATH (GNU coreutils); install it, or set files.shred to 'fallback' to overwrite in process.`,
          );
        }
        await overwriteAndUnlink(real, shredPasses, chunkSize);
      },
      false,
    );
  }

  /** Size of a regular file in bytes. */
  async filesize(file: string): Promise<number> {
    return this.#run('filesize', file, async (real) => (await this.#expectFile(real, file)).size);
  }

  /** Whether the path is a folder (following symlinks inside the root); `false` when absent. */
  async isdir(target: string): Promise<boolean> {
    return this.#run(
      'isdir',
      target,
      async (real) => (await statOrUndefined(real))?.isDirectory() ?? false,
    );
  }

  /** Whether the path is a regular file (following symlinks inside the root); `false` when absent. */
  async isfile(target: string): Promise<boolean> {
    return this.#run(
      'isfile',
      target,
      async (real) => (await statOrUndefined(real))?.isFile() ?? false,
    );
  }

  /**
   * The MIME type of the file's content: libmagic first, file-type's signatures when libmagic's
   * answer is generic, then the extension; `null` when nothing knows. See the README for the
   * naming policy.
   */
  async mimetype(file: string): Promise<string | null> {
    return this.#run('mimetype', file, async (real) => {
      await this.#expectFile(real, file);
      return this.#mime.detect(real);
    });
  }

  /** Creates a folder and its parents; with `isFile`, the folder that will hold the file `target`. */
  async mkdir(target: string, isFile = false): Promise<void> {
    await this.#run('mkdir', target, async (real) => {
      await mkdir(isFile ? path.dirname(real) : real, { recursive: true });
    });
  }

  /** The whole content of a file. For large files, use {@link FileManager.readStream}. */
  async read(file: string): Promise<Buffer> {
    return this.#run('read', file, async (real) => {
      await this.#expectFile(real, file);
      return readFile(real);
    });
  }

  /** A stream of the file's content in `files.chunkSize` chunks: memory stays flat whatever the size. */
  async readStream(file: string): Promise<Readable> {
    return this.#run('readStream', file, async (real) => {
      await this.#expectFile(real, file);
      return createReadStream(real, { highWaterMark: this.#settings.chunkSize });
    });
  }

  /**
   * Moves a file or folder. The target is replaced atomically; across filesystems the content is
   * copied to a temp file beside the target, renamed over it, and the source removed.
   */
  async rename(source: string, target: string, options: WriteOptions | null = {}): Promise<void> {
    options ??= {};
    const from = await this.#resolve('rename', source, false);
    await this.#run('rename', target, async (to) => {
      await lstat(from);
      await makeParentFolder(to);
      try {
        await rename(from, to);
      } catch (error) {
        if ((error as { code?: string }).code !== 'EXDEV') throw error;
        // Across filesystems only a regular file is moved; copyFile would follow a symlink out.
        const info = await lstat(from);
        if (!info.isFile()) {
          throw new FileError(
            'NOT_A_FILE',
            `rename ${source}: across filesystems only regular files move, not ${kindOf(info)}.`,
          );
        }
        await writeAtomically(to, this.#atomic(options), (_, temp) => copyFile(from, temp));
        await unlink(from);
        return;
      }
      if (this.#durable(options)) await syncFolder(path.dirname(to));
    });
  }

  /** Removes a folder; its content too with `recursive: true`. An absent folder is a no-op. */
  async rmdir(
    target: string,
    options: { readonly recursive?: boolean } | null = {},
  ): Promise<void> {
    options ??= {};
    await this.#run(
      'rmdir',
      target,
      async (real) => {
        if (
          this.#settings.root !== undefined &&
          path.resolve(real) === path.resolve(this.#settings.root)
        ) {
          throw new FileError('INVALID_INPUT', 'rmdir: the storage root itself is not removed.');
        }
        const info = await lstat(real).catch((error: { code?: string }) => {
          if (error.code === 'ENOENT') return undefined;
          throw error;
        });
        if (info === undefined) return;
        if (!info.isDirectory()) {
          throw new FileError(
            'NOT_A_DIRECTORY',
            `rmdir ${target}: not a folder (${kindOf(info)}).`,
          );
        }
        if (options.recursive === true) await rm(real, { recursive: true });
        else await rmdir(real);
      },
      false,
    );
  }

  /**
   * Streams `source` into `target` atomically (hashing as it goes with `checksum: true`). Exceeding `maxBytes`, or a
   * source that fails midway, leaves no file and no temp file behind.
   */
  async upload(
    source: UploadSource,
    target: string,
    options: UploadOptions & { readonly checksum: true },
  ): Promise<UploadResult & { readonly sha256: string }>;
  async upload(
    source: UploadSource,
    target: string,
    options?: UploadOptions | null,
  ): Promise<UploadResult>;
  async upload(
    source: UploadSource,
    target: string,
    options: UploadOptions | null = {},
  ): Promise<UploadResult> {
    options ??= {};
    const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    if (!(maxBytes >= 0)) {
      throw new FileError(
        'INVALID_INPUT',
        `maxBytes must be a number >= 0, got ${String(options.maxBytes)}.`,
      );
    }
    const chunks = chunksOf(source, this.#settings.chunkSize);
    return this.#run('upload', target, async (real) => {
      const hash = options.checksum === true ? createHash('sha256') : undefined;
      let size = 0;
      await writeAtomically(real, this.#atomic(options), async (handle) => {
        const pending = new ChunkBuffer(this.#settings.chunkSize, (bytes) =>
          writeAll(handle, bytes),
        );
        for await (const chunk of chunks) {
          size += chunk.length;
          if (size > maxBytes) {
            throw new FileError(
              'TOO_LARGE',
              `upload ${target}: more than maxBytes (${maxBytes}) bytes; nothing was stored.`,
            );
          }
          hash?.update(chunk);
          await pending.push(chunk);
        }
        await pending.flush();
      });
      return { size, sha256: hash === undefined ? null : hash.digest('hex') };
    });
  }

  /** Writes bytes or text (UTF-8) to a file atomically. */
  async write(
    file: string,
    data: Uint8Array | string,
    options: WriteOptions | null = {},
  ): Promise<void> {
    options ??= {};
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
      throw new FileError(
        'INVALID_INPUT',
        `write ${String(file)}: data must be a string or a Uint8Array.`,
      );
    }
    await this.#run('write', file, async (real) => {
      await writeAtomically(real, this.#atomic(options), (handle) => handle.writeFile(data));
    });
  }

  #durable(options: WriteOptions): boolean {
    return options.durable ?? this.#settings.durable;
  }

  #atomic(options: WriteOptions): { durable: boolean } {
    return { durable: this.#durable(options) };
  }

  async #resolve(operation: string, file: string, followFinal = true): Promise<string> {
    try {
      return await this.#paths.resolve(file, followFinal);
    } catch (error) {
      throw toFileError(error, operation, String(file));
    }
  }

  /** Resolves `file` under the root and runs `body` on it; every failure becomes a FileError. */
  async #run<T>(
    operation: string,
    file: string,
    body: (real: string) => Promise<T>,
    followFinal = true,
  ): Promise<T> {
    const real = await this.#resolve(operation, file, followFinal);
    try {
      return await body(real);
    } catch (error) {
      throw toFileError(error, operation, file);
    }
  }

  async #expectFile(real: string, file: string): Promise<Stats> {
    const info = await stat(real);
    if (!info.isFile())
      throw new FileError('NOT_A_FILE', `${file} is not a regular file (${kindOf(info)}).`);
    return info;
  }
}

/** Chunks at least this big are written as they come, without a copy. */
const DIRECT_WRITE_BYTES = 64 * 1024;

/**
 * Gathers small chunks (under 64 KiB: a web stream's or a reader's, say, would cost a syscall
 * each), with two buffers: the thread pool writes one while the other fills (and the caller
 * hashes), so writing overlaps with reading and hashing. At most one write is in flight.
 */
class ChunkBuffer {
  readonly #buffers: [Buffer, Buffer];
  readonly #write: (bytes: Uint8Array) => Promise<void>;
  #current = 0;
  #length = 0;
  #inFlight: Promise<void> | undefined;

  constructor(size: number, write: (bytes: Uint8Array) => Promise<void>) {
    this.#buffers = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
    this.#write = write;
  }

  async push(chunk: Uint8Array): Promise<void> {
    const size = this.#buffers[0].length;
    // Only small chunks are gathered: copying a Node stream's 64 KiB chunks into the buffers
    // measured slower (1.4-2x a bare pipeline on 512 MiB) than writing them as they come.
    if (chunk.length >= Math.min(size, DIRECT_WRITE_BYTES)) {
      // A large chunk is written as is, once everything before it is written.
      await this.flush();
      return this.#write(chunk);
    }
    let offset = 0;
    while (offset < chunk.length) {
      const count = Math.min(chunk.length - offset, size - this.#length);
      this.#filling().set(chunk.subarray(offset, offset + count), this.#length);
      this.#length += count;
      offset += count;
      if (this.#length === size) await this.#startWrite();
    }
  }

  /** Writes what is buffered and waits for every write. */
  async flush(): Promise<void> {
    if (this.#length > 0) await this.#startWrite();
    const last = this.#inFlight;
    this.#inFlight = undefined;
    await last;
  }

  #filling(): Buffer {
    return this.#buffers[this.#current] as Buffer;
  }

  /** Waits for the write in flight (its buffer becomes free), then starts writing the current one. */
  async #startWrite(): Promise<void> {
    const previous = this.#inFlight;
    this.#inFlight = undefined;
    await previous;
    const write = this.#write(this.#filling().subarray(0, this.#length));
    write.catch(() => {}); // surfaces at the next await of #inFlight, not as unhandled
    this.#inFlight = write;
    this.#current ^= 1;
    this.#length = 0;
  }
}

async function statOrUndefined(real: string): Promise<Stats | undefined> {
  try {
    return await stat(real);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

function kindOf(info: {
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isFile(): boolean;
}): string {
  if (info.isSymbolicLink()) return 'a symlink';
  if (info.isDirectory()) return 'a folder';
  return info.isFile() ? 'a file' : 'a special file';
}

const SHRED_MODES = ['require', 'fallback'];

/** The files section, checked at run time too: JavaScript callers get no compiler to help. */
function checkFilesSettings(config: unknown): FilesConfig {
  const section = (config as { files?: unknown } | null)?.files as Partial<FilesConfig> | undefined;
  const valid =
    typeof section === 'object' &&
    section !== null &&
    (section.root === undefined ||
      (typeof section.root === 'string' && path.isAbsolute(section.root))) &&
    Number.isInteger(section.chunkSize) &&
    (section.chunkSize as number) > 0 &&
    Number.isInteger(section.shredPasses) &&
    (section.shredPasses as number) > 0 &&
    typeof section.durable === 'boolean' &&
    SHRED_MODES.includes(section.shred as string);
  if (!valid) {
    throw new ConfigError([
      {
        path: 'files',
        value: section,
        expected: 'the files section of defineConfig() or loadConfig()',
        message: 'files: missing or invalid; pass the result of defineConfig() or loadConfig()',
      },
    ]);
  }
  return section as FilesConfig;
}
