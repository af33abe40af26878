// Adds up the test-results.json that each package's vitest run wrote (restored by turbo on a
// cache hit too) and prints one closing line: "tests: N passed, N failed, N skipped".
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
for (const group of ['packages', 'tooling', 'examples']) {
  const groupDir = path.join(root, group);
  if (!existsSync(groupDir)) continue;
  for (const name of readdirSync(groupDir).sort()) {
    const file = path.join(groupDir, name, 'test-results.json');
    if (!existsSync(file)) continue;
    const result = JSON.parse(readFileSync(file, 'utf8'));
    passed += result.numPassedTests;
    failed += result.numFailedTests;
    skipped += result.numPendingTests + result.numTodoTests;
    rows.push(
      `  ${`${group}/${name}`.padEnd(28)} ${result.numPassedTests} passed, ${result.numFailedTests} failed`,
    );
  }
}
if (rows.length === 0) {
  console.log('no test results found: did the test task run?');
  process.exit(1);
}
console.log(rows.join('\n'));
console.log(
  `tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`,
);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
