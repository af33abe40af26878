import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { defineConfig } from '@x/config';
import { EncryptionManager } from '@x/crypto';
import { createTestDatabase, serviceUrls, type TestDatabase } from '@x/test-services';
import pg from 'pg';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBytes } from '../src/terminal.js';
import { type DemoRun, MASTER_KEY, runDemo, startDemo } from './run-demo.js';
import {
  DELETED,
  type DocumentRow,
  expectVaultState,
  listFiles,
  readSamples,
} from './vault-state.js';

const samples = await readSamples();
/** The real shred, which a logging wrapper hands over to. */
const realShred = execFileSync('sh', ['-c', 'command -v shred'], { encoding: 'utf8' }).trim();
const importedBytes = samples.reduce((sum, sample) => sum + sample.size, 0);
const deletedBytes = samples.find((sample) => sample.name === DELETED)?.size ?? 0;

/** What every successful run prints, whichever services it used. */
function expectSuccessfulOutput(run: DemoRun, cache: 'memory' | 'redis' = 'memory'): void {
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('document-vault: 9 documents of 3 owners');
  // The progress, one line per document in order (the output is not a terminal here).
  const progress = run.stdout.split('\n').filter((line) => /^ {2}\d\/9 {2}/.test(line));
  expect(progress).toEqual(samples.map((s, index) => `  ${index + 1}/9  ${s.owner}/${s.name}`));
  if (cache === 'memory') {
    expect(run.stdout).toContain(
      '  27 reads: 18 hits, 9 misses (9 loads from the database, 0 cache errors); hit rate 66.7 %',
    );
  } else {
    // Over Redis a command slower than the cache's timeout is a miss (reads fail open), so on a
    // loaded machine only the invariants hold: every read counted, one load per miss.
    const reads =
      /^ {2}27 reads: (\d+) hits, (\d+) misses \((\d+) loads from the database, (\d+) cache errors\)/m.exec(
        run.stdout,
      );
    expect(reads, run.stdout).not.toBeNull();
    const [hits, misses, loads] = (reads ?? []).slice(1, 4).map(Number);
    expect((hits ?? 0) + (misses ?? 0)).toBe(27);
    expect(loads).toBe(misses);
  }
  expect(run.stdout).toContain('3. Documents of " ADA@EXAMPLE.COM ", by blind index');
  expect(run.stdout).toMatch(/^ {2}floor-plan\.svg +611 B {2}ada@example\.com$/m);
  expect(run.stdout).toContain(`4. Delete ${DELETED}`);
  // The summary: one row per step, with its counts and a time.
  const summary = run.stdout.slice(run.stdout.indexOf('\nSummary\n'));
  const time = String.raw`\d+(\.\d+)? (ms|s)`;
  for (const [step, items, bytes] of [
    ['connect', '-', '-'],
    ['import \\(file \\+ row\\)', '9', formatBytes(importedBytes)],
    ['read back \\(3× each\\)', '27', '-'],
    ['owner lookup \\(blind index\\)', '3', '-'],
    ['delete one \\(row, cache, file\\)', '1', formatBytes(deletedBytes)],
    ['total', '', ''],
  ]) {
    expect(summary).toMatch(new RegExp(`^ {2}${step} +${items} +${bytes} +${time}$`, 'm'));
  }
  expect(summary).toContain(
    `  documents   9 imported (${formatBytes(importedBytes)}), 1 deleted, 8 in the vault (${formatBytes(importedBytes - deletedBytes)})`,
  );
  if (cache === 'memory') {
    expect(summary).toContain('  cache       hit rate 66.7 % (18 hits, 9 misses)');
  }
}

describe('with no services configured: embedded PostgreSQL and an in-memory cache', () => {
  let vaultDir: string;
  let first: DemoRun;

  beforeAll(async () => {
    vaultDir = await mkdtemp(path.join(tmpdir(), 'vault-embedded-'));
    first = await runDemo({ VAULT_DIR: vaultDir, X_MASTER_KEY: MASTER_KEY });
  });
  afterAll(async () => {
    await rm(vaultDir, { recursive: true, force: true });
  });

  async function embeddedRows(): Promise<DocumentRow[]> {
    const database = await PGlite.create(path.join(vaultDir, 'pgdata'));
    try {
      return (await database.query<DocumentRow>('SELECT * FROM vault_documents')).rows;
    } finally {
      await database.close();
    }
  }

  it('prints the progress, the lookup and the summary', () => {
    expectSuccessfulOutput(first);
    expect(first.stdout).toMatch(
      /^ {2}database {2}PostgreSQL \d+\.\d+, embedded \(PGlite, kept in .+; DATABASE_URL not set\)$/m,
    );
    expect(first.stdout).toContain('  cache     MemoryStore in this process (REDIS_URL not set)');
    expect(first.stdout).toMatch(/^ {2}key {7}X_MASTER_KEY \(key id [0-9a-f]{8}\)$/m);
    expect(first.stdout).not.toContain('Removed');
  });

  it('leaves each remaining document in the database and on disk, and nothing of the deleted one', async () => {
    await expectVaultState(await embeddedRows(), path.join(vaultDir, 'files'));
  });

  it('starts a second run from a clean slate: the same state, no leftovers', async () => {
    const second = await runDemo({ VAULT_DIR: vaultDir, X_MASTER_KEY: MASTER_KEY });
    expectSuccessfulOutput(second);
    expect(second.stdout).toContain('Removed 8 documents an earlier run left.');
    await expectVaultState(await embeddedRows(), path.join(vaultDir, 'files'));
  });
});

describe('exactly as the quick start runs it: no variable at all', () => {
  it('uses a demo key and an in-memory database, and leaves nothing behind', async () => {
    const temporary = await mkdtemp(path.join(tmpdir(), 'vault-default-'));
    const tools = await mkdtemp(path.join(tmpdir(), 'vault-tools-'));
    try {
      // A shred that logs its arguments, then runs the real one: which files were shredded.
      const shredLog = path.join(tools, 'shred.log');
      await writeFile(
        path.join(tools, 'shred'),
        `#!/bin/sh\nprintf '%s\\n' "$*" >> '${shredLog}'\nexec '${realShred}' "$@"\n`,
        { mode: 0o755 },
      );
      const run = await runDemo({ TMPDIR: temporary, PATH: `${tools}:${process.env.PATH}` });
      expectSuccessfulOutput(run);
      // The deleted document, then the 8 left in the temporary storage root as it is removed.
      const shredded = (await readFile(shredLog, 'utf8')).trim().split('\n');
      expect(shredded).toHaveLength(9);
      for (const line of shredded) {
        expect(line).toMatch(
          new RegExp(
            `^-n 3 -z -u -- ${temporary}/document-vault-\\w+/documents/[0-9a-f]{2}/[0-9a-f-]{36}\\.\\w+$`,
          ),
        );
      }
      expect(new Set(shredded).size).toBe(9);
      expect(run.stdout).toMatch(
        /^ {2}database {2}PostgreSQL \d+\.\d+, embedded \(PGlite, in memory; DATABASE_URL not set\)$/m,
      );
      expect(run.stdout).toMatch(
        /^ {2}key {7}generated for this run \(key id [0-9a-f]{8}\): for the demo only, what it encrypts cannot be read after the run; set X_MASTER_KEY for a real key$/m,
      );
      expect(run.stdout).toContain(`  files     ${temporary}/document-vault-`);
      expect(await readdir(temporary)).toEqual([]); // the temporary storage root is gone
    } finally {
      await rm(temporary, { recursive: true, force: true });
      await rm(tools, { recursive: true, force: true });
    }
  });

  it('Ctrl-C stops it in the middle of the import, and nothing of the import stays', async () => {
    const vaultDir = await mkdtemp(path.join(tmpdir(), 'vault-interrupted-'));
    const folder = await mkdtemp(path.join(tmpdir(), 'vault-many-'));
    try {
      // Enough documents that the import is still running when the signal arrives.
      await mkdir(path.join(folder, 'ann@example.com'));
      for (let index = 0; index < 300; index++) {
        const name = `note-${String(index).padStart(3, '0')}.txt`;
        await writeFile(path.join(folder, 'ann@example.com', name), `note ${index}\n`);
      }
      const demo = startDemo({ VAULT_DIR: vaultDir }, [folder]);
      await demo.waitForOutput('  1/300  ');
      demo.child.kill('SIGINT');
      const run = await demo.done;
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('document-vault failed: stopped by SIGINT.');
      expect(run.stdout).not.toContain('300/300');
      expect(run.stdout).not.toMatch(/cleanup failed|closing failed/);
      // Rolled back and removed: no stored file, and the database (closed cleanly) has no row.
      expect(await listFiles(path.join(vaultDir, 'files'))).toEqual([]);
      const database = await PGlite.create(path.join(vaultDir, 'pgdata'));
      try {
        const count = await database.query<{ count: number }>(
          'SELECT count(*)::int AS count FROM vault_documents',
        );
        expect(count.rows[0]?.count).toBe(0);
      } finally {
        await database.close();
      }
    } finally {
      await rm(vaultDir, { recursive: true, force: true });
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe('with DATABASE_URL and REDIS_URL', () => {
  const redisUrl = serviceUrls().redis;
  let database: TestDatabase;
  let vaultDir: string;
  let prefix: string;

  beforeAll(async () => {
    database = await createTestDatabase('postgres', 'vault');
    vaultDir = await mkdtemp(path.join(tmpdir(), 'vault-services-'));
    prefix = `vault-test-${process.pid}-${Date.now()}`;
  });
  afterAll(async () => {
    await database?.drop();
    await rm(vaultDir, { recursive: true, force: true });
    await withRedis(async (redis) => {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(keys);
    });
  });

  function servicesEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl,
      X_CACHE_PREFIX: prefix,
      X_MASTER_KEY: MASTER_KEY,
      ...extra,
    };
  }

  interface RedisKeys {
    keys(pattern: string): Promise<string[]>;
    del(keys: string[]): Promise<number>;
  }

  async function withRedis<T>(work: (redis: RedisKeys) => Promise<T>): Promise<T> {
    const redis = createClient({ url: redisUrl });
    redis.on('error', () => {});
    await redis.connect();
    try {
      return await work(redis);
    } finally {
      await redis.close();
    }
  }

  async function sql(statement: string): Promise<void> {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  }

  async function serverRows(): Promise<DocumentRow[]> {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const table = await client.query<{ name: string | null }>(
        "SELECT to_regclass('vault_documents')::text AS name",
      );
      if (table.rows[0]?.name === null) return [];
      return (await client.query<DocumentRow>('SELECT * FROM vault_documents')).rows;
    } finally {
      await client.end();
    }
  }

  it('runs on the servers, leaves their state consistent, and caches only what exists', async () => {
    const run = await runDemo(servicesEnv({ VAULT_DIR: vaultDir }));
    expectSuccessfulOutput(run, 'redis');
    expect(run.stdout).toMatch(/^ {2}database {2}PostgreSQL \d+\.\d+ at postgres:\/\/.+$/m);
    expect(run.stdout).toMatch(/^ {2}cache {5}Redis \d+\.\d+\.\d+ at redis:\/\/.+$/m);

    const rows = await serverRows();
    await expectVaultState(rows, path.join(vaultDir, 'files'));
    // Every document read stays cached but the deleted one (plus the model's generation stamp).
    const cached = await withRedis((redis) => redis.keys(`${prefix}:e:*`));
    expect(cached.map((key) => key.slice(key.lastIndexOf(':') + 1)).sort()).toEqual(
      rows.map((row) => row.id).sort(),
    );
  });

  it('starts a second run from a clean slate on the servers too', async () => {
    const run = await runDemo(servicesEnv({ VAULT_DIR: vaultDir }));
    expectSuccessfulOutput(run, 'redis');
    expect(run.stdout).toContain('Removed 8 documents an earlier run left.');
    await expectVaultState(await serverRows(), path.join(vaultDir, 'files'));
  });

  it('rolls the whole import back when its commit fails: no row, no file', async () => {
    // The table refuses one of the documents, so the failure comes at commit, after every
    // file was stored and every row queued.
    // (The table is the one the first test of this group created.)
    await sql(
      "ALTER TABLE vault_documents ADD CONSTRAINT no_poison CHECK (name <> 'b-poison.txt')",
    );
    const folder = await mkdtemp(path.join(tmpdir(), 'vault-samples-'));
    try {
      await mkdir(path.join(folder, 'zoe@example.com'));
      await writeFile(path.join(folder, 'zoe@example.com', 'a-note.txt'), 'fine\n');
      await writeFile(path.join(folder, 'zoe@example.com', 'b-poison.txt'), 'refused\n');
      await writeFile(path.join(folder, 'zoe@example.com', 'c-note.txt'), 'fine too\n');
      const run = await runDemo(servicesEnv({ VAULT_DIR: vaultDir }), [folder]);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('  3/3  zoe@example.com/c-note.txt');
      expect(run.stderr).toContain('document-vault failed: CONSTRAINT:');
      expect(run.stdout).not.toMatch(/cleanup failed|closing failed/);
      expect(await serverRows()).toEqual([]);
      expect(await listFiles(path.join(vaultDir, 'files'))).toEqual([]);
    } finally {
      await sql('ALTER TABLE vault_documents DROP CONSTRAINT no_poison');
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('stops at a document over the size limit, names it, and keeps nothing', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'vault-samples-'));
    try {
      await mkdir(path.join(folder, 'zoe@example.com'));
      await writeFile(path.join(folder, 'zoe@example.com', 'a-note.txt'), 'fine\n');
      await writeFile(
        path.join(folder, 'zoe@example.com', 'b-huge.bin'),
        Buffer.alloc(10 * 2 ** 20 + 1),
      );
      const run = await runDemo(servicesEnv({ VAULT_DIR: vaultDir }), [folder]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        'document-vault failed: zoe@example.com/b-huge.bin: TOO_LARGE: upload documents/',
      );
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(run.stdout).not.toMatch(/cleanup failed|closing failed/);
      expect(await serverRows()).toEqual([]);
      expect(await listFiles(path.join(vaultDir, 'files'))).toEqual([]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('says what it skips in a folder of its own, and normalizes a non-ASCII owner', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'vault-odd-'));
    try {
      // Decomposed and capitalized, as a macOS folder may be named.
      const owner = 'Jose\u0301.Straße@Example.com';
      await mkdir(path.join(folder, owner));
      await writeFile(path.join(folder, owner, 'résumé 2026.txt'), 'CV\n');
      await writeFile(path.join(folder, owner, 'zeugnis.txt'), 'reference\n');
      await writeFile(path.join(folder, owner, '.DS_Store'), 'junk');
      await mkdir(path.join(folder, owner, 'nested'));
      await symlink('/etc/hostname', path.join(folder, owner, 'link.txt'));
      await mkdir(path.join(folder, 'not-an-owner'));
      await writeFile(path.join(folder, 'loose.txt'), 'x');
      const run = await runDemo(servicesEnv(), [folder]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      for (const line of [
        `  skipped   ${owner}/.DS_Store: a hidden file`,
        `  skipped   ${owner}/link.txt: not a regular file`,
        `  skipped   ${owner}/nested: not a regular file`,
        '  skipped   loose.txt: not in an owner folder',
        '  skipped   not-an-owner/: not named by an email',
      ]) {
        expect(run.stdout).toContain(line);
      }
      expect(run.stdout).toContain('document-vault: 2 documents of 1 owner');
      expect(run.stdout).toContain('4. Delete résumé 2026.txt');
      // The row left: the email as given, the blind index of its one normalized spelling.
      const [row, ...others] = await serverRows();
      expect(others).toEqual([]);
      const encryption = new EncryptionManager(defineConfig(), MASTER_KEY);
      expect(
        encryption.decryptStr(row?.owner_email ?? '', {
          aad: `vault_documents.owner_email:${row?.id}`,
        }),
      ).toBe(owner);
      expect(row?.owner_hash).toBe(encryption.getHash('jos\u00e9.straße@example.com'));
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe('bad input is refused with what to fix, and exit code 1', () => {
  it.each([
    [
      'an unreachable DATABASE_URL',
      { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test' },
      'document-vault failed: Cannot reach PostgreSQL at postgres://postgres@127.0.0.1:1/test (connect ECONNREFUSED 127.0.0.1:1). Start it, or unset DATABASE_URL to use the embedded database.',
    ],
    [
      'a DATABASE_URL of another database',
      { DATABASE_URL: 'mysql://root:secret@127.0.0.1/test' },
      'document-vault failed: DATABASE_URL must be a postgres:// URL, got mysql://root:***@127.0.0.1/test.',
    ],
    [
      'an unreachable REDIS_URL',
      { DATABASE_URL: serviceUrls().postgres, REDIS_URL: 'redis://127.0.0.1:1' },
      'document-vault failed: Cannot reach Redis at redis://127.0.0.1:1 (connect ECONNREFUSED 127.0.0.1:1). Start it, or unset REDIS_URL to cache in memory.',
    ],
    [
      'a master key that is not one',
      { X_MASTER_KEY: 'not-a-key' },
      'document-vault failed: INVALID_KEY: key is text but not hex digits',
    ],
  ])('%s', async (_, env, message) => {
    const temporary = await mkdtemp(path.join(tmpdir(), 'vault-refused-'));
    try {
      const run = await runDemo({ ...env, TMPDIR: temporary });
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(message);
      expect(run.stderr).not.toMatch(/^\s+at /m); // a message to act on, not a stack
      expect(run.stderr).not.toMatch(/cleanup failed|closing failed/);
      expect(await readdir(temporary)).toEqual([]); // nothing left behind
    } finally {
      await rm(temporary, { recursive: true, force: true });
    }
  });

  it('a folder without owner folders', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'vault-empty-'));
    try {
      const run = await runDemo({}, [folder]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`document-vault failed: No documents in ${folder}`);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('--help prints the usage and the variables', async () => {
    const run = await runDemo({}, ['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^usage: document-vault \[samples folder\]/);
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'X_MASTER_KEY', 'VAULT_DIR']) {
      expect(run.stdout).toContain(name);
    }
  });
});
