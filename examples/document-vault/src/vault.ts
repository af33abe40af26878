import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CacheManager } from '@x/cache';
import { type Env, loadConfig } from '@x/config';
import { EncryptionManager } from '@x/crypto';
import { EntityManager } from '@x/entity';
import { FileManager } from '@x/files';
import { Document, defineDocument, normalizeEmail, ownerEmailContext } from './document.js';
import { openCache, openDatabase, SetupError } from './services.js';
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
/** No sample document may be larger than this; `upload` stops (and keeps nothing) past it. */
const MAX_DOCUMENT_BYTES = 10 * 2 ** 20;

export interface VaultOptions {
  /** DATABASE_URL, REDIS_URL, X_MASTER_KEY, VAULT_DIR and the X_* settings of @x/config. */
  readonly env: Env;
  /** A folder with one subfolder per owner, named by the owner's email. */
  readonly samples: string;
  readonly out: Output;
}

export interface StepTiming {
  readonly step: string;
  readonly items: number | null;
  readonly bytes: number | null;
  readonly milliseconds: number;
}

export interface VaultSummary {
  readonly imported: number;
  readonly importedBytes: number;
  readonly deleted: { readonly id: string; readonly name: string; readonly path: string };
  readonly remaining: number;
  readonly remainingBytes: number;
  readonly cache: { readonly hits: number; readonly misses: number; readonly loads: number };
  readonly services: { readonly database: string; readonly cache: string; readonly files: string };
  readonly steps: readonly StepTiming[];
}

/**
 * The whole demo, top to bottom: connect, import, read back through the cache, find an
 * owner's documents by email, delete one, print the summary. Every service it opens is
 * closed again, whether it succeeds or fails.
 */
export async function runVault({ env, samples, out }: VaultOptions): Promise<VaultSummary> {
  const say = (text = ''): void => {
    out.write(`${text}\n`);
  };
  const steps: StepTiming[] = [];
  const startedAt = performance.now();
  let stepStartedAt = startedAt;
  const endStep = (step: string, items: number | null, bytes: number | null): void => {
    const now = performance.now();
    steps.push({ step, items, bytes, milliseconds: now - stepStartedAt });
    stepStartedAt = now;
  };
  const closers: (() => Promise<void>)[] = [];

  try {
    const documents = await listSamples(samples);

    // ── Settings and services ─────────────────────────────────────────────────────────────
    // VAULT_DIR keeps the stored files (and the embedded database) after the run, to look at.
    const vaultDir = env.VAULT_DIR ? path.resolve(env.VAULT_DIR) : undefined;
    const storageRoot = vaultDir
      ? path.join(vaultDir, 'files')
      : await mkdtemp(path.join(tmpdir(), 'document-vault-'));
    await mkdir(storageRoot, { recursive: true });
    if (!vaultDir) closers.push(() => rm(storageRoot, { recursive: true, force: true }));

    // The demo's own defaults go first, so any X_* variable still overrides them; the storage
    // root is the demo's choice. 'fallback': overwrite in process where `shred` is missing.
    const config = loadConfig(
      { X_CACHE_PREFIX: 'vault', X_FILES_SHRED: 'fallback', ...env },
      { files: { root: storageRoot } },
    );
    const demoKey = !env.X_MASTER_KEY;
    const crypto = new EncryptionManager(config, env.X_MASTER_KEY || randomBytes(32));
    const files = new FileManager(config);

    const database = await openDatabase(
      config.database.url,
      vaultDir ? path.join(vaultDir, 'pgdata') : undefined,
    );
    closers.push(() => database.close());
    const redisUrl = env.X_CACHE_URL || env.REDIS_URL ? config.cache.url : undefined;
    const backend = await openCache(redisUrl);
    closers.push(() => backend.close());

    defineDocument(database.sequelize);
    await Document.sync(); // CREATE TABLE IF NOT EXISTS vault_documents
    const em = new EntityManager(database.sequelize);
    const cache = new CacheManager(backend.client, config.cache.ttl, {
      prefix: config.cache.prefix,
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
    say(
      `document-vault: ${documents.length} documents of ${new Set(documents.map((d) => d.owner)).size} owners`,
    );
    say(`  database  ${services.database}`);
    say(`  cache     ${services.cache}`);
    say(`  files     ${services.files}`);
    say(
      demoKey
        ? `  key       generated for this run (key id ${crypto.keyId}): for the demo only, what it encrypts cannot be read after the run; set X_MASTER_KEY for a real key`
        : `  key       X_MASTER_KEY (key id ${crypto.keyId})`,
    );
    endStep('connect', null, null);

    // ── A clean slate: what an earlier run left (a kept VAULT_DIR, a real database) ───────
    const leftovers = await em.selectAll(Document, {});
    for (const leftover of leftovers) await files.delete(leftover.path);
    const cleared = await em.deleteAll(Document, {}, { commit: true }); // batched DELETEs
    await cache.deleteAll(Document); // every process stops seeing cached Documents at once
    if (cleared > 0) say(`\nRemoved ${cleared} documents an earlier run left.`);
    endStep('clear an earlier run', cleared, null);

    // ── 1. Import: file first (atomic, hashed while streaming), then its row ──────────────
    say(`\n1. Import ${path.relative(process.cwd(), samples) || '.'}`);
    const progress = new ProgressBar(out, documents.length);
    const stored: string[] = []; // files of this import, removed again if it fails
    const imported: Document[] = [];
    try {
      for (const sample of documents) {
        const id = randomUUID();
        const storedPath = `documents/${id.slice(0, 2)}/${id}${path.extname(sample.name)}`;
        const { size, sha256 } = await files.upload(createReadStream(sample.file), storedPath, {
          checksum: true,
          maxBytes: MAX_DOCUMENT_BYTES,
        });
        stored.push(storedPath);
        const document = Document.build({
          id,
          name: sample.name,
          ownerEmail: crypto.encryptStr(sample.owner, { aad: ownerEmailContext(id) }),
          ownerHash: crypto.getHash(normalizeEmail(sample.owner)),
          path: storedPath,
          size,
          type: await files.mimetype(storedPath),
          sha256,
        });
        await em.insert(document, { flush: false, commit: false }); // queued in the unit of work
        imported.push(document);
        progress.tick(`${sample.owner}/${sample.name}`);
      }
      await em.commit(); // one transaction: every row of the import, or none
    } catch (error) {
      await em.rollback();
      for (const storedPath of stored) await files.delete(storedPath); // no file without a row
      throw error;
    }
    const importedBytes = imported.reduce((sum, document) => sum + document.size, 0);
    say();
    say(
      table(
        [
          ['name', 'owner', 'type', 'size', 'sha256'],
          ...imported.map((document, index) => [
            document.name,
            documents[index]?.owner ?? '',
            document.type ?? '(unknown)',
            formatBytes(document.size),
            `${document.sha256.slice(0, 12)}…`,
          ]),
        ],
        [3],
      ).trimEnd(),
    );
    endStep('import (file + row)', imported.length, importedBytes);

    // ── 2. Read back through the cache, checking every file against its row ──────────────
    say(`\n2. Read every document ${READS_PER_DOCUMENT} times through the cache`);
    for (let round = 1; round <= READS_PER_DOCUMENT; round++) {
      for (const { id } of imported) {
        // A miss loads the row (one load per id, however many callers ask at once) and caches it.
        const document = await cache.getOrLoad(Document, id, () => em.select(Document, id));
        if (document === null) throw new Error(`document ${id} vanished while being read`);
        if (round === 1) await verify(document, files, crypto);
      }
    }
    const { hits, misses, loads } = cache.stats();
    say(
      `  ${hits + misses} reads: ${hits} hits, ${misses} misses (${loads} loads from the database); ` +
        `hit rate ${formatPercent(hits, hits + misses)}`,
    );
    say('  every file matches its SHA-256, every owner email decrypts in its own row');
    endStep(`read back (${READS_PER_DOCUMENT}× each)`, hits + misses, null);

    // ── 3. An owner's documents, found by email without decrypting a single row ──────────
    const firstOwner = documents[0]?.owner ?? '';
    const asked = ` ${firstOwner.toUpperCase()} `; // as a user might type it
    say(`\n3. Documents of "${asked}", by blind index (HMAC-SHA-512 of the normalized email)`);
    const owned = await em.selectAll(Document, {
      ownerHash: crypto.getHash(normalizeEmail(asked)),
      orderBy: 'name',
    });
    for (const document of owned) {
      const owner = crypto.decryptStr(document.ownerEmail, { aad: ownerEmailContext(document.id) });
      say(`  ${document.name.padEnd(28)} ${formatBytes(document.size).padStart(10)}  ${owner}`);
    }
    endStep('owner lookup (blind index)', owned.length, null);

    // ── 4. Delete one: the row, then its cache entry, then the bytes on disk ─────────────
    const victim = owned[0];
    if (victim === undefined) throw new Error(`no document found for ${firstOwner}`);
    say(`\n4. Delete ${victim.name}`);
    await em.delete(victim, { commit: true }); // from here on no request is given the document
    await cache.delete(victim); // rejects if the cache cannot confirm: never serve a deleted row
    await files.delete(victim.path); // shred: overwrite, zero, unlink
    const stillCached = await cache.get(Document, victim.id);
    const stillStored = await files.isfile(victim.path);
    const stillInDatabase = await em.exists(Document, { id: victim.id });
    if (stillCached !== null || stillStored || stillInDatabase) {
      throw new Error(`${victim.name} was not deleted everywhere`);
    }
    say('  row deleted, cache entry invalidated, file shredded; none of them serves it any more');
    endStep('delete one (row, cache, file)', 1, victim.size);

    // ── Summary ───────────────────────────────────────────────────────────────────────────
    const remaining = await em.countAll(Document);
    const remainingBytes = Number(await em.sumAll(Document, 'size'));
    const totalMilliseconds = performance.now() - startedAt;
    say('\nSummary');
    say(
      table(
        [
          ['step', 'items', 'bytes', 'time'],
          ...steps.map((step) => [
            step.step,
            step.items === null ? '-' : String(step.items),
            step.bytes === null ? '-' : formatBytes(step.bytes),
            formatDuration(step.milliseconds),
          ]),
          ['total', '', '', formatDuration(totalMilliseconds)],
        ],
        [1, 2, 3],
      ).trimEnd(),
    );
    say();
    say(
      `  documents   ${imported.length} imported (${formatBytes(importedBytes)}), 1 deleted, ${remaining} in the vault (${formatBytes(remainingBytes)})`,
    );
    say(
      `  cache       hit rate ${formatPercent(hits, hits + misses)} (${hits} hits, ${misses} misses)`,
    );
    say(`  database    ${services.database}`);
    say(`  cache store ${services.cache}`);
    say(`  files       ${services.files}`);

    return {
      imported: imported.length,
      importedBytes,
      deleted: { id: victim.id, name: victim.name, path: victim.path },
      remaining,
      remainingBytes,
      cache: { hits, misses, loads },
      services,
      steps,
    };
  } finally {
    for (const close of closers.reverse()) await close();
  }
}

interface Sample {
  readonly owner: string;
  readonly name: string;
  readonly file: string;
}

/** `folder/<owner email>/<file>`, owners and files in name order. */
async function listSamples(folder: string): Promise<Sample[]> {
  const owners = await readdir(folder, { withFileTypes: true }).catch((error: unknown) => {
    throw new SetupError(`Cannot read the samples folder ${folder}: ${(error as Error).message}`, {
      cause: error,
    });
  });
  const samples: Sample[] = [];
  for (const owner of owners.filter((e) => e.isDirectory() && e.name.includes('@')).sort(byName)) {
    const entries = await readdir(path.join(folder, owner.name), { withFileTypes: true });
    for (const entry of entries.filter((e) => e.isFile()).sort(byName)) {
      samples.push({
        owner: owner.name,
        name: entry.name,
        file: path.join(folder, owner.name, entry.name),
      });
    }
  }
  if (samples.length === 0) {
    throw new SetupError(
      `No documents in ${folder}: expected one folder per owner, named by email, holding files.`,
    );
  }
  return samples;
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The stored file still has the checksum of its row, and the email opens in its own row. */
async function verify(
  document: Document,
  files: FileManager,
  crypto: EncryptionManager,
): Promise<void> {
  if ((await files.checksum(document.path)) !== document.sha256) {
    throw new Error(`${document.name}: the stored file does not match its SHA-256`);
  }
  crypto.decryptStr(document.ownerEmail, { aad: ownerEmailContext(document.id) });
}
