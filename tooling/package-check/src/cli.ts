#!/usr/bin/env node
import { checkPackage } from './check-package.js';

try {
  const result = await checkPackage(process.cwd());
  process.stdout.write(`${result.report}\n`);
  if (!result.ok) process.exitCode = 1;
} catch (error) {
  process.stderr.write(
    `x-package-check: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
}
