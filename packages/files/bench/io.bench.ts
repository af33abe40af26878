// checksum, write, copy and upload of a large file against the platform's limit (openssl, and
// the bare node:fs call each method wraps). Target: at least 0.8x the throughput of the baseline
// (ratio <= 1.25). The setups of checksum, copy and upload also measure the peak RSS of the
// operation on a larger file in a child process (memory.ts; target: under 100 MB).
//
// Files live in a fresh folder under os.tmpdir(), the FileManager's root (default configuration:
// 1 MiB chunks, durable false). Every timed case that writes removes its output before
// returning, baseline and FileManager alike, so each iteration writes a new file.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, readdir, truncate, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { type BenchSuite, defineSuite } from '@x/bench-harness';
import type { FileManager } from '../src/index.js';
import {
  createManager,
  expectEach,
  expectPatternFile,
  makeScratchFolder,
  patternBuffer,
  patternDigest,
  RSS_BYTES,
  removeScratchFolder,
  sizeLabel,
  TIMED_BYTES,
  writePatternFile,
} from './fixtures.js';
import { checkPeakRss } from './memory.js';

const execFileAsync = promisify(execFile);
const SIZE = sizeLabel(TIMED_BYTES);
const SOURCE = 'source.bin';
const TARGET = 'target.bin';

/** A scratch folder with a FileManager rooted in it, for one suite (setup → teardown). */
class Scratch {
  #folder: string | undefined;
  #files: FileManager | undefined;

  get folder(): string {
    if (this.#folder === undefined) throw new Error('the suite setup has not run');
    return this.#folder;
  }

  get files(): FileManager {
    if (this.#files === undefined) throw new Error('the suite setup has not run');
    return this.#files;
  }

  get source(): string {
    return path.join(this.folder, SOURCE);
  }

  get target(): string {
    return path.join(this.folder, TARGET);
  }

  /** Creates the folder, runs `prepare`, and removes the folder if `prepare` fails. */
  async open(prepare: () => Promise<void>): Promise<void> {
    this.#folder = await makeScratchFolder();
    this.#files = createManager(this.#folder);
    try {
      await prepare();
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    await removeScratchFolder(this.#folder);
    this.#folder = undefined;
    this.#files = undefined;
  }

  /**
   * The source file: written at the peak-RSS size, the peak RSS of `operation` (and of its
   * `references`) measured on it, then cut to the timed size (its head is the same pattern).
   */
  async sourceWithPeakRss(
    suite: string,
    operation: string,
    references: readonly string[],
  ): Promise<void> {
    await writePatternFile(this.source, RSS_BYTES);
    await checkPeakRss(suite, operation, references, this.folder, SOURCE, RSS_BYTES);
    await truncate(this.source, TIMED_BYTES);
  }

  /**
   * Runs each operation once and checks the target holds the pattern (and no temp file is left);
   * `upload`'s own digest and size are checked too.
   */
  async expectWrites(operations: Readonly<Record<string, () => Promise<unknown>>>): Promise<void> {
    const digest = patternDigest(TIMED_BYTES);
    for (const [name, run] of Object.entries(operations)) {
      const result = (await run()) as { size?: number; sha256?: string } | undefined;
      await expectPatternFile(this.target, TIMED_BYTES, name);
      if (typeof result === 'object' && result !== null && typeof result.sha256 === 'string') {
        if (result.sha256 !== digest || result.size !== TIMED_BYTES) {
          throw new Error(`bench case "${name}" returned ${JSON.stringify(result)}`);
        }
      }
      await unlink(this.target);
      const left = (await readdir(this.folder)).filter((entry) => entry !== SOURCE);
      if (left.length > 0) throw new Error(`bench case "${name}" left ${left.join(', ')} behind`);
    }
  }

  /** The timed form of write operations: write the target, then remove it. */
  timed(
    operations: Readonly<Record<string, () => Promise<unknown>>>,
  ): Record<string, () => Promise<void>> {
    return Object.fromEntries(
      Object.entries(operations).map(([name, run]) => [
        name,
        async () => {
          await run();
          await unlink(this.target);
        },
      ]),
    );
  }
}

// --- checksum -------------------------------------------------------------------------------

const sums = new Scratch();
const OPENSSL = 'openssl dgst -sha256';
const checksumCases = {
  [OPENSSL]: async () => {
    const { stdout } = await execFileAsync('openssl', ['dgst', '-sha256', '-r', sums.source]);
    return stdout.slice(0, 64);
  },
  'FileManager.checksum': () => sums.files.checksum(SOURCE),
  'createHash over fs.createReadStream (64 KiB)': async () => {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(sums.source)) hash.update(chunk);
    return hash.digest('hex');
  },
};
const checksum: BenchSuite = defineSuite({
  name: `checksum (SHA-256) of ${SIZE}`,
  baseline: OPENSSL,
  cases: checksumCases,
  setup: () =>
    sums.open(async () => {
      await sums.sourceWithPeakRss('checksum', 'FileManager.checksum', [
        'createHash over fs.createReadStream',
      ]);
      await expectEach(checksumCases, patternDigest(TIMED_BYTES));
    }),
  teardown: () => sums.close(),
});

// --- write ----------------------------------------------------------------------------------

const writes = new Scratch();
let data: Buffer | undefined;
const bytes = (): Buffer => {
  if (data === undefined) throw new Error('the suite setup has not run');
  return data;
};
const writeOperations = {
  'fs.promises.writeFile': () => writeFile(writes.target, bytes()),
  'FileManager.write': () => writes.files.write(TARGET, bytes()),
};
const write: BenchSuite = defineSuite({
  name: `write ${SIZE} from memory`,
  baseline: 'fs.promises.writeFile',
  cases: writes.timed(writeOperations),
  setup: () =>
    writes.open(async () => {
      data = patternBuffer(TIMED_BYTES);
      await writes.expectWrites(writeOperations);
    }),
  teardown: async () => {
    data = undefined;
    await writes.close();
  },
});

// --- copy -----------------------------------------------------------------------------------

const copies = new Scratch();
const copyOperations = {
  'fs.promises.copyFile': () => copyFile(copies.source, copies.target),
  'FileManager.copy': () => copies.files.copy(SOURCE, TARGET),
};
const copy: BenchSuite = defineSuite({
  name: `copy ${SIZE}`,
  baseline: 'fs.promises.copyFile',
  cases: copies.timed(copyOperations),
  setup: () =>
    copies.open(async () => {
      await copies.sourceWithPeakRss('copy', 'FileManager.copy', ['fs.promises.copyFile']);
      await copies.expectWrites(copyOperations);
    }),
  teardown: () => copies.close(),
});

// --- upload ---------------------------------------------------------------------------------

const uploads = new Scratch();
const PIPELINE = 'stream.pipeline(read stream, write stream)';
const uploadOperations = {
  [PIPELINE]: () => pipeline(createReadStream(uploads.source), createWriteStream(uploads.target)),
  // The same work as the baseline: no digest (the default).
  'FileManager.upload(read stream)': () =>
    uploads.files.upload(createReadStream(uploads.source), TARGET),
  // Informative: hashing while writing, compared with the SHA-256 Transform case below.
  'FileManager.upload(read stream, { checksum: true })': () =>
    uploads.files.upload(createReadStream(uploads.source), TARGET, { checksum: true }),
  // Informative: the same work as upload (hash while writing) with bare streams.
  'stream.pipeline + SHA-256 Transform': async () => {
    const hash = createHash('sha256');
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(createReadStream(uploads.source), hashing, createWriteStream(uploads.target));
    return hash.digest('hex');
  },
};
const upload: BenchSuite = defineSuite({
  name: `upload ${SIZE} from a fs.createReadStream (64 KiB chunks)`,
  baseline: PIPELINE,
  cases: uploads.timed(uploadOperations),
  setup: () =>
    uploads.open(async () => {
      await uploads.sourceWithPeakRss('upload', 'FileManager.upload', ['stream.pipeline']);
      await uploads.expectWrites(uploadOperations);
    }),
  teardown: () => uploads.close(),
});

const suites: BenchSuite[] = [checksum, write, copy, upload];

export default suites;
