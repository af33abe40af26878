#!/usr/bin/env node
// The command line of the demo: arguments and environment in, summary out, exit code 1 on
// failure. The demo itself, the tour of how the @x packages fit together, is vault.ts.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XError } from '@x/config';
import { DemoError, describeError } from './demo-error.js';
import { runVault } from './vault.js';

const USAGE = `usage: document-vault [samples folder]

Imports a folder of documents (one subfolder per owner, named by email; default: the samples
that come with the example), reads them back through the cache, finds an owner's documents by
email, deletes one, and prints a summary.

  DATABASE_URL   PostgreSQL to use (postgres://…); unset: PostgreSQL embedded in this process
  REDIS_URL      Redis to cache in (redis://…); unset: an in-process MemoryStore
  X_MASTER_KEY   master key, gocryptfs form or hex; unset: a key generated for this run only
  VAULT_DIR      keep the stored files (and the embedded database) in this folder
  X_*            any setting of @x/config (X_CACHE_TTL, X_FILES_SHRED_PASSES, …)`;

const [argument] = process.argv.slice(2);
if (argument === '--help' || argument === '-h') {
  console.log(USAGE);
} else {
  // Ctrl-C, TERM or a closed terminal stop the demo between two steps, and it closes what it
  // opened: the embedded database is written consistently, temporary documents are shredded.
  // A second signal means "now": exit at once.
  const interrupt = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (interrupt.signal.aborted) process.exit(130);
      interrupt.abort(new DemoError(`stopped by ${signal}.`));
    });
  }
  try {
    await runVault({
      env: process.env,
      samples:
        argument !== undefined
          ? path.resolve(argument)
          : fileURLToPath(new URL('../samples', import.meta.url)),
      out: process.stdout,
      signal: interrupt.signal,
    });
  } catch (error) {
    // Errors the user fixes outside the code print their message, which says what to do;
    // anything else is a bug and keeps its stack.
    if (XError.is(error) || error instanceof DemoError) {
      console.error(`\ndocument-vault failed: ${describeError(error)}`);
    } else {
      console.error('\ndocument-vault failed:', error);
    }
    process.exitCode = 1;
  }
}
