#!/usr/bin/env node
import { runPackageBenchmarks } from './run-package.js';

const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== '--quick');
if (unknown.length > 0) {
  process.stderr.write(
    `x-bench: unknown argument ${unknown.join(' ')}\nusage: x-bench [--quick]\n`,
  );
  process.exit(2);
}
const quick = args.includes('--quick') || ['1', 'true'].includes(process.env.X_BENCH_QUICK ?? '');

try {
  await runPackageBenchmarks({ packageDir: process.cwd(), quick });
} catch (error) {
  process.stderr.write(
    `x-bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
}
