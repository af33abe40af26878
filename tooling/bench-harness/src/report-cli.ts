#!/usr/bin/env node
import { writeReport } from './report.js';
import { findWorkspaceRoot } from './run-package.js';

const args = process.argv.slice(2);
if (args.length > 0) {
  process.stderr.write(
    `x-bench-report: unknown argument ${args.join(' ')}\nusage: x-bench-report\n`,
  );
  process.exit(2);
}

try {
  const root = findWorkspaceRoot(process.cwd());
  const { written, verdicts } = await writeReport({ root });
  for (const file of written) process.stdout.write(`wrote ${file}\n`);
  const notMet = verdicts.filter((verdict) => !verdict.met).length;
  process.stdout.write(`targets: ${verdicts.length - notMet} met, ${notMet} not met\n`);
} catch (error) {
  process.stderr.write(
    `x-bench-report: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
}
