import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CacheManager } from '@x/cache';
import { type Env, loadConfig, XError } from '@x/config';
import { EncryptionManager } from '@x/crypto';
import { EntityManager } from '@x/entity';
import { FileManager } from '@x/files';
import { DemoError, describeError, settleEach } from './demo-error.js';
import { Document, defineDocument, normalizeEmail, ownerEmailContext } from './document.js';
import { openCache, openDatabase } from './services.js';
import {
  formatBytes,
  formatDuration,
  formatPercent,
  type Output,
  ProgressBar,
  table,
} from './terminal.js';

/** Each document is read this many times, as a page would be opened by several requests. */
export const READS_PER_DOCUMENT = 3;
/** No document may be larger than this; `upload` stops past it and keeps nothing. */
const MAX_DOCUMENT_BYTES = 10 * 2 ** 20;
/** Where stored files go, under the storage root. */
const DOCUMENTS_FOLDER = 'documents';

export interface VaultOptions {
  /** DATABASE_URL, REDIS_URL, X_MASTER_KEY, VAULT_DIR and the X_* settings of @x/config. */
  readonly env: Env;
  /** A folder with one subfolder per owner, named by the owner's email. */
  readonly samples: string;
  readonly out: Output;
  /** Aborting stops the demo between two steps; what it opened is closed again. */
  readonly signal?: AbortSignal;
}

interface StepTiming {
  readonly step: string;
  readonly items: number | null;
  readonly bytes: number | null;
  readonly milliseconds: number;
}

/**
 * The whole demo, top to bottom: connect, import, read back through the cache, find an
 * owner's documents by email, delete one, print the summary. Every service it opens is
 * closed again, whether it succeeds, fails or is aborted.
 */
export async function runVault({ env, samples, out, signal }: VaultOptions): Promise<void> {
  const say = (text = ''): void => {
    out.write(`${text}\n`);
  };
  const steps: StepTiming[] = [];
  const startedAt = performance.now();
  let stepStartedAt = startedAt;
  /** Records the step's time for the summary, then stops here if the run was aborted. */
  const finishStep = (step: string, items: number | null, bytes: number | null): void => {
    const now = performance.now();
    steps.push({ step, items, bytes, milliseconds: now - stepStartedAt });
    stepStartedAt = now;
    signal?.throwIfAborted();
  };
  const closers: (() => Promise<unknown>)[] = []; // run last to first at the end

  let closingProblems: unknown[] = [];
  try {
    const { documents, skipped } = await listSamples(samples);

    // ── Settings and services ─────────────────────────────────────────────────────────────
    // VAULT_DIR keeps the stored files (and the embedded database) after the run, to look at.
    const vaultDir = env.VAULT_DIR ? path.resolve(env.VAULT_DIR) : undefined;
    const storageRoot = vaultDir
      ? path.join(vaultDir, 'files')
      : await mkdtemp(path.join(tmpdir(), 'document-vault-'));
    if (!vaultDir) closers.push(() => rm(storageRoot, { recursive: true, force: true }));
    await mkdir(storageRoot, { recursive: true }).catch((error: unknown) => {
      throw new DemoError(`Cannot create ${storageRoot}: ${describeError(error)}`, {
        cause: error,
      });
    });

    // The demo's defaults apply unless a variable sets them ('fallback': overwrite in process
    // where `shred` is missing); the storage root is the demo's own (X_FILES_ROOT is not used).
    const config = loadConfig(
      {
        ...env,
        X_CACHE_PREFIX: env.X_CACHE_PREFIX || 'vault',
        X_FILES_SHRED: env.X_FILES_SHRED || 'fallback',
      },
      { files: { root: storageRoot } },
    );
    const demoKey = !env.X_MASTER_KEY;
    const encryption = new EncryptionManager(config, env.X_MASTER_KEY || randomBytes(32));
    const files = new FileManager(config);
    // Before a temporary storage root is removed, its documents are shredded like any other.
    if (!vaultDir) closers.push(() => shredStoredFiles(files, storageRoot));

    const database = await openDatabase(
      config.database.url, // X_DATABASE_URL or DATABASE_URL; unset: embedded
      vaultDir ? path.join(vaultDir, 'pgdata') : undefined,
    );
    closers.push(() => database.close());
    // config.cache.url always has a value (its default): Redis only when a variable names one.
    const redisConfigured = Boolean(env.X_CACHE_URL || env.REDIS_URL);
    const backend = await openCache(redisConfigured ? config.cache.url : undefined);
    closers.push(() => backend.close());

    defineDocument(database.sequelize);
    // CREATE TABLE IF NOT EXISTS vault_documents
    await Document.sync().catch((error: unknown) => {
      const message = `Cannot create the table ${Document.tableName}: ${describeError(error)}`;
      throw new DemoError(message, { cause: error });
    });
    const em = new EntityManager(database.sequelize);
    closers.push(() => em[Symbol.asyncDispose]()); // rolls back whatever a failure left open
    const cache = new CacheManager(backend.client, config.cache.ttl, {
      prefix: config.cache.prefix,
      // Generous for a demo on a busy laptop; a service would keep the 250 ms default.
      timeout: 1000,
      // Reads fail open: a cache failure is a miss served from the database, reported here.
      onError: (error, operation) =>
        say(`  cache ${operation} failed, served without it: ${error.message}`),
    });
    closers.push(async () => cache.close());

    const services = {
      database: database.description,
      cache: backend.description,
      files:
        `${storageRoot} (${vaultDir ? 'kept' : 'removed at the end; set VAULT_DIR to keep it'}), ` +
        `deleted with shred -n ${config.files.shredPasses}` +
        (config.files.shred === 'fallback'
          ? ' (or an in-process overwrite where shred is missing)'
          : ''),
    };
    const owners = new Set(documents.map((sample) => sample.owner));
    say(
      `document-vault: ${plural(documents.length, 'document')} of ${plural(owners.size, 'owner')}`,
    );
    for (const reason of skipped) say(`  skipped   ${reason}`);
    say(`  database  ${services.database}`);
    say(`  cache     ${services.cache}`);
    say(`  files     ${services.files}`);
    say(
      demoKey
        ? `  key       generated for this run (key id ${encryption.keyId}): for the demo only, what it encrypts cannot be read after the run; set X_MASTER_KEY for a real key`
        : `  key       X_MASTER_KEY (key id ${encryption.keyId})`,
    );
    finishStep('connect', null, null);

    // ── A clean slate: what an earlier run left (a kept VAULT_DIR, a real database) ───────
    // Rows first, then cache entries, then files: no row ever points at a shredded file.
    const cleared = await em.deleteAll(Document, {}, { commit: true }); // in batches
    await cache.deleteAll(Document); // every process stops seeing cached Documents at once
    await shredStoredFiles(files, storageRoot); // with no row left, no stored file is needed
    if (cleared > 0) say(`\nRemoved ${cleared} documents an earlier run left.`);
    finishStep('clear an earlier run', cleared, null);

    // ── 1. Import: file first (atomic, hashed while streaming), then its row ──────────────
    say(`\n1. Import ${path.relative(process.cwd(), samples) || '.'}`);
    const progress = new ProgressBar(out, documents.length);
    const stored: string[] = []; // files of this import, removed again if it fails
    const imported: { readonly document: Document; readonly owner: string }[] = [];
    /** Stores one sample's file and queues its row. */
    async function importOne(sample: Sample): Promise<{ document: Document; owner: string }> {
      try {
        const id = randomUUID();
        const storedPath = `${DOCUMENTS_FOLDER}/${id.slice(0, 2)}/${id}${path.extname(sample.name)}`;
        stored.push(storedPath);
        // @x/files: streamed into a temp file, hashed on the way, renamed into place.
        const { size, sha256 } = await files.upload(createReadStream(sample.file), storedPath, {
          checksum: true,
          maxBytes: MAX_DOCUMENT_BYTES,
        });
        const type = await files.mimetype(storedPath); // content first, then the extension
        const document = Document.build({
          id,
          name: sample.name,
          // @x/crypto: the email encrypted for this row only, and its blind index.
          ownerEmail: encryption.encryptStr(sample.owner, { aad: ownerEmailContext(id) }),
          ownerHash: encryption.getHash(normalizeEmail(sample.owner)),
          path: storedPath,
          size,
          type,
          sha256,
        });
        // @x/entity: queued in the unit of work, written at commit.
        await em.insert(document, { flush: false, commit: false });
        return { document, owner: sample.owner };
      } catch (error) {
        // Name the sample, not the stored path: that is what the user can fix.
        if (!XError.is(error)) throw error;
        throw new DemoError(`${sample.owner}/${sample.name}: ${describeError(error)}`, {
          cause: error,
        });
      }
    }
    try {
      for (const sample of documents) {
        signal?.throwIfAborted();
        imported.push(await importOne(sample));
        progress.tick(`${sample.owner}/${sample.name}`);
      }
      await em.commit(); // one transaction: every row of the import, or none
    } catch (error) {
      progress.end();
      // No file without a row: roll back, then remove every file this import stored.
      const problems = await settleEach([
        () => em.rollback(),
        ...stored.map((storedPath) => () => files.delete(storedPath)),
      ]);
      for (const problem of problems) say(`  cleanup failed: ${describeError(problem)}`);
      throw error;
    }

    const importedBytes = imported.reduce((sum, { document }) => sum + document.size, 0);
    say();
    say(
      table(
        [
          ['name', 'owner', 'type', 'size', 'sha256'],
          ...imported.map(({ document, owner }) => [
            document.name,
            owner,
            document.type ?? '(unknown)',
            formatBytes(document.size),
            `${document.sha256.slice(0, 12)}…`,
          ]),
        ],
        [3],
      ).trimEnd(),
    );
    finishStep('import (file + row)', imported.length, importedBytes);

    // ── 2. Read back through the cache, checking every file against its row ──────────────
    say(`\n2. Read every document ${READS_PER_DOCUMENT} times through the cache`);
    for (let round = 1; round <= READS_PER_DOCUMENT; round++) {
      for (const id of imported.map(({ document }) => document.id)) {
        // A miss loads the row (one load per id, however many callers ask at once) and caches it.
        const document = await cache.getOrLoad(Document, id, () => em.select(Document, id));
        if (document === null) throw new Error(`document ${id} vanished while being read`);
        if (round === 1) await verify(document, files, encryption);
      }
    }
    const { hits, misses, loads, errors } = cache.stats();
    say(
      `  ${hits + misses} reads: ${hits} hits, ${misses} misses (${loads} loads from the database, ` +
        `${errors} cache errors); hit rate ${formatPercent(hits, hits + misses)}`,
    );
    say('  every file matches its SHA-256, every owner email decrypts in its own row');
    finishStep(`read back (${READS_PER_DOCUMENT}× each)`, hits + misses, null);

    // ── 3. An owner's documents, found by email without decrypting a single row ──────────
    const firstOwner = documents[0]?.owner ?? '';
    // As a user might type it: spaces around, capitals (ASCII only: 'ß'.toUpperCase() is 'SS').
    const asked = ` ${firstOwner.replace(/[a-z]/g, (letter) => letter.toUpperCase())} `;
    say(`\n3. Documents of "${asked}", by blind index (HMAC-SHA-512 of the normalized email)`);
    const owned = await em.selectAll(Document, {
      ownerHash: encryption.getHash(normalizeEmail(asked)),
      orderBy: 'name',
    });
    for (const document of owned) {
      const owner = encryption.decryptStr(document.ownerEmail, {
        aad: ownerEmailContext(document.id),
      });
      say(`  ${document.name.padEnd(28)} ${formatBytes(document.size).padStart(10)}  ${owner}`);
    }
    finishStep('owner lookup (blind index)', owned.length, null);

    // ── 4. Delete one: the row, then its cache entry, then the bytes on disk ─────────────
    const victim = owned[0];
    if (victim === undefined) throw new Error(`the blind index found nothing for ${firstOwner}`);
    say(`\n4. Delete ${victim.name}`);
    await em.delete(victim, { commit: true }); // from here on no request is given the document
    const deleteProblems = await settleEach([
      () => cache.delete(victim), // rejects if the cache cannot confirm: the caller must know
      () => files.delete(victim.path), // shred: overwrite, zero, unlink; even if the cache failed
    ]);
    if (deleteProblems.length > 0) throw deleteProblems[0];
    const stillCached = await cache.get(Document, victim.id);
    const stillStored = await files.isfile(victim.path);
    const stillInDatabase = await em.exists(Document, { id: victim.id });
    if (stillCached !== null || stillStored || stillInDatabase) {
      throw new Error(`${victim.name} was not deleted everywhere`);
    }
    say('  row deleted, cache entry invalidated, file shredded; none of them serves it any more');
    finishStep('delete one (row, cache, file)', 1, victim.size);

    // ── Summary ───────────────────────────────────────────────────────────────────────────
    const remaining = await em.countAll(Document);
    // sumAll is exact: a string for BIGINT/DECIMAL columns, a number for INTEGER ones like size.
    const remainingBytes = Number(await em.sumAll(Document, 'size'));
    steps.push({
      step: 'total',
      items: null,
      bytes: null,
      milliseconds: performance.now() - startedAt,
    });
    say(`\nSummary\n${stepTable(steps)}`);
    say(
      `  documents   ${imported.length} imported (${formatBytes(importedBytes)}), 1 deleted, ` +
        `${remaining} in the vault (${formatBytes(remainingBytes)})`,
    );
    say(
      `  cache       hit rate ${formatPercent(hits, hits + misses)} (${hits} hits, ${misses} misses)`,
    );
    say(`  database    ${services.database}`);
    say(`  cache store ${services.cache}`);
    say(`  files       ${services.files}`);
  } finally {
    // Every closer runs, even after a failure; the failure stays the error that is reported.
    closingProblems = await settleEach(closers.reverse());
    for (const problem of closingProblems) say(`  closing failed: ${describeError(problem)}`);
  }
  if (closingProblems.length > 0) {
    throw new DemoError('The demo ran, but closing what it opened failed (see above).');
  }
}

interface Sample {
  readonly owner: string;
  readonly name: string;
  readonly file: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * `folder/<owner email>/<file>`, owners and files in name order, and why anything else in
 * the folder was left out.
 */
async function listSamples(folder: string): Promise<{ documents: Sample[]; skipped: string[] }> {
  const entries = await readdir(folder, { withFileTypes: true }).catch((error: unknown) => {
    throw new DemoError(`Cannot read the samples folder ${folder}: ${describeError(error)}`, {
      cause: error,
    });
  });
  const documents: Sample[] = [];
  const skipped: string[] = [];
  for (const owner of entries.sort(byName)) {
    if (!owner.isDirectory()) skipped.push(`${owner.name}: not in an owner folder`);
    else if (!EMAIL.test(owner.name)) skipped.push(`${owner.name}/: not named by an email`);
    else {
      const ownerFolder = path.join(folder, owner.name);
      const files = await readdir(ownerFolder, { withFileTypes: true }).catch((error: unknown) => {
        throw new DemoError(`Cannot read ${ownerFolder}: ${describeError(error)}`, {
          cause: error,
        });
      });
      for (const entry of files.sort(byName)) {
        const shown = `${owner.name}/${entry.name}`;
        if (entry.name.startsWith('.')) skipped.push(`${shown}: a hidden file`);
        else if (!entry.isFile()) skipped.push(`${shown}: not a regular file`);
        else {
          const file = path.join(folder, owner.name, entry.name);
          documents.push({ owner: owner.name, name: entry.name, file });
        }
      }
    }
  }
  if (documents.length === 0) {
    throw new DemoError(
      `No documents in ${folder}: expected one folder per owner, named by email, holding files.`,
    );
  }
  return { documents, skipped };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Shreds every file stored under the documents folder of `root`. Every file is tried even when
 * one fails; the failures are thrown together.
 */
async function shredStoredFiles(files: FileManager, root: string): Promise<void> {
  const folder = path.join(root, DOCUMENTS_FOLDER);
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(
    (error: { code?: string }) => {
      if (error.code === 'ENOENT') return []; // nothing stored yet
      throw error;
    },
  );
  const problems = await settleEach(
    entries
      .filter((entry) => entry.isFile())
      .map(
        (entry) => () => files.delete(path.relative(root, path.join(entry.parentPath, entry.name))),
      ),
  );
  if (problems.length > 0) {
    throw new AggregateError(problems, `${problems.length} stored files could not be shredded`);
  }
}

/** The summary's table: one row per step with its items, bytes and time. */
function stepTable(steps: readonly StepTiming[]): string {
  const rows = steps.map((step) => [
    step.step,
    step.items === null ? (step.step === 'total' ? '' : '-') : String(step.items),
    step.bytes === null ? (step.step === 'total' ? '' : '-') : formatBytes(step.bytes),
    formatDuration(step.milliseconds),
  ]);
  return table([['step', 'items', 'bytes', 'time'], ...rows], [1, 2, 3]);
}

/** The stored file still has the checksum of its row, and the email opens in its own row. */
async function verify(
  document: Document,
  files: FileManager,
  encryption: EncryptionManager,
): Promise<void> {
  if ((await files.checksum(document.path)) !== document.sha256) {
    throw new Error(`${document.name}: the stored file does not match its SHA-256`);
  }
  encryption.decryptStr(document.ownerEmail, { aad: ownerEmailContext(document.id) });
}
