// Peak RSS of one operation on a large file. The harness measures time, not memory, so each
// figure comes from a fresh child process (peak-rss.ts) that runs one operation and reports its
// kernel high-water mark. The io suites call checkPeakRss from their setup: the figures land in
// the log and in benchmarks/results/files-memory.json, and a peak over the limit fails the run.
//
// The child runs on plain Node, as a service runs the published package: src/ and peak-rss.ts
// are transpiled to JavaScript once per run (build-plain.ts). Under tsx the same child would
// start at about 80 MB instead of 48 MB: the loader's own memory, not the package's.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { writeExtraResults } from '@x/bench-harness';
import type { PeakRssMethod } from '@x/bench-harness/peak-rss';
import {
  makeScratchFolder,
  megabytes,
  packageDir,
  quick,
  RSS_LIMIT_BYTES,
  sizeLabel,
} from './fixtures.js';

const execFileAsync = promisify(execFile);

/** What peak-rss.ts prints. */
export interface PeakRss {
  readonly operation: string;
  /** Peak resident set size of the whole child process, in bytes. */
  readonly peakBytes: number;
  /** Resident set size just before the operation (Node and the package loaded), in bytes. */
  readonly beforeBytes: number;
  /** How the peak was read. */
  readonly method: PeakRssMethod;
  /** Duration of the operation, in milliseconds. */
  readonly ms: number;
}

interface Check extends PeakRss {
  readonly suite: string;
  readonly fileBytes: number;
  /** Whether the limit applies (FileManager operations) or the figure is a reference. */
  readonly limited: boolean;
}

const checks: Check[] = [];

let childBuild: Promise<string> | undefined;

/** peak-rss.ts and src/ as plain JavaScript (built once per run by build-plain.ts). */
function childScript(): Promise<string> {
  childBuild ??= (async () => {
    const folder = await makeScratchFolder();
    const { stdout } = await execFileAsync(
      process.execPath,
      ['--import', 'tsx', path.join(packageDir, 'bench', 'build-plain.ts'), folder],
      { cwd: packageDir },
    );
    return stdout.trim();
  })();
  return childBuild;
}

async function measure(operation: string, folder: string, name: string): Promise<PeakRss> {
  const { stdout } = await execFileAsync(
    process.execPath,
    [await childScript(), operation, folder, name],
    { timeout: 300_000 },
  );
  const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as PeakRss;
  if (report.operation !== operation) throw new Error(`peak-rss.ts answered for ${stdout}`);
  return report;
}

async function writeReport(): Promise<void> {
  await writeExtraResults({
    packageDir,
    packageName: '@x/files',
    fileName: 'files-memory.json',
    quick,
    fields: {
      limitBytes: RSS_LIMIT_BYTES,
      note: 'Peak RSS (kernel high-water mark) of a fresh plain-Node process running one operation of bench/peak-rss.ts on a file of fileBytes; "idle" loads the same modules and runs nothing.',
      checks,
    },
  });
}

/**
 * Runs `operation` (a FileManager method) and the `references` (bare Node equivalents, and an
 * idle child) on `folder/fileName` in child processes, logs and records their peaks, and throws
 * when the FileManager operation peaks over {@link RSS_LIMIT_BYTES}.
 */
export async function checkPeakRss(
  suite: string,
  operation: string,
  references: readonly string[],
  folder: string,
  fileName: string,
  fileBytes: number,
): Promise<void> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(
    `  peak RSS, one operation on ${sizeLabel(fileBytes)} in a fresh child process (limit ${megabytes(RSS_LIMIT_BYTES)}):`,
  );
  const measured: Check[] = [];
  for (const child of ['idle', ...references, operation]) {
    const result = await measure(child, folder, fileName);
    const check: Check = { suite, fileBytes, limited: child === operation, ...result };
    measured.push(check);
    out(
      `    ${child.padEnd(38)} ${megabytes(result.peakBytes).padStart(9)}  (${result.method}; ${megabytes(result.beforeBytes)} before the operation; ${(result.ms / 1000).toFixed(2)} s)`,
    );
  }
  checks.push(...measured);
  await writeReport();
  const over = measured.filter((check) => check.limited && check.peakBytes > RSS_LIMIT_BYTES);
  if (over.length > 0) {
    throw new Error(
      `${over.map((check) => `${check.operation} peaked at ${megabytes(check.peakBytes)}`).join('; ')} on ${sizeLabel(fileBytes)}: over the ${megabytes(RSS_LIMIT_BYTES)} limit.`,
    );
  }
}
