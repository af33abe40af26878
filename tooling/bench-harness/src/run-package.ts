import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { fullOptions, measureSuite, quickOptions } from './measure.js';
import { writeReport } from './report.js';
import type { BenchSuite, MeasureOptions, PackageResults, SuiteResult } from './types.js';

export interface RunOptions {
  /** The package folder (holds `package.json` and `bench/`). */
  readonly packageDir: string;
  /** A smoke run: a few short samples, enough to prove every case runs. */
  readonly quick?: boolean;
  /** Overrides of the measuring durations (tests use tiny ones). */
  readonly measure?: MeasureOptions;
  /**
   * Where `<package>.json` is written; default `<workspace root>/benchmarks/results`, or
   * `<workspace root>/benchmarks/results/quick` for a quick run.
   */
  readonly resultsDir?: string;
  /**
   * Regenerate `benchmarks/README.md` and its charts after a full run; default: true when
   * `resultsDir` is not given. A quick run never does.
   */
  readonly report?: boolean;
  /** Receives progress lines; default: stdout. */
  readonly log?: (line: string) => void;
}

/** The folder holding `pnpm-workspace.yaml` above `start`, or `start` itself when there is none. */
export function findWorkspaceRoot(start: string): string {
  let dir = path.resolve(start);
  for (;;) {
    if (existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(start);
    dir = parent;
  }
}

/** The machine a benchmark ran on, as recorded in every results file. */
export function machineInfo(): PackageResults['machine'] {
  const cpus = os.cpus();
  return {
    node: process.version,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    platform: process.platform,
    arch: process.arch,
  };
}

/** `@x/crypto` → `crypto`: the results file name of a package. */
export function resultsFileName(packageName: string): string {
  return `${packageName.replace(/^@[^/]+\//, '')}.json`;
}

function isSuite(value: unknown): value is BenchSuite {
  return typeof value === 'object' && value !== null && 'cases' in value && 'baseline' in value;
}

async function loadSuites(file: string): Promise<BenchSuite[]> {
  const module = (await tsImport(pathToFileURL(file).href, import.meta.url)) as {
    default?: unknown;
  };
  // A package without "type": "module" loads as CommonJS, which nests the default export once more.
  const exported =
    isSuite(module.default) || Array.isArray(module.default)
      ? module.default
      : (module.default as { default?: unknown } | undefined)?.default;
  const suites = Array.isArray(exported) ? exported : [exported];
  if (suites.length === 0 || !suites.every(isSuite)) {
    throw new Error(
      `${file}: the default export must be a suite or an array of suites (defineSuite).`,
    );
  }
  return suites;
}

function formatNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(1)} ns`;
}

/**
 * Runs every `bench/*.bench.ts` of a package and writes `<package>.json` with each case's median,
 * min, max and ratio to the suite's baseline, plus the Node version and CPU model.
 */
export async function runPackageBenchmarks(options: RunOptions): Promise<PackageResults> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const manifest = JSON.parse(
    await readFile(path.join(options.packageDir, 'package.json'), 'utf8'),
  ) as {
    name: string;
    version?: string;
  };
  const benchDir = path.join(options.packageDir, 'bench');
  const files = existsSync(benchDir)
    ? (await readdir(benchDir)).filter((name) => name.endsWith('.bench.ts')).sort()
    : [];
  if (files.length === 0)
    throw new Error(`${manifest.name}: no bench/*.bench.ts files in ${benchDir}.`);

  const quick = options.quick ?? false;
  const measure = options.measure ?? (quick ? quickOptions : fullOptions);
  const suites: SuiteResult[] = [];
  for (const file of files) {
    for (const suite of await loadSuites(path.join(benchDir, file))) {
      log(`${manifest.name} › ${suite.name} (baseline: ${suite.baseline})`);
      await suite.setup?.();
      try {
        const cases = await measureSuite(suite, measure, (result) => {
          log(
            `  ${result.name.padEnd(40)} ${formatNs(result.medianNs).padStart(11)}  ×${result.ratioToBaseline.toFixed(2)}`,
          );
        });
        suites.push({ name: suite.name, file: `bench/${file}`, baseline: suite.baseline, cases });
      } finally {
        await suite.teardown?.();
      }
    }
  }

  const results: PackageResults = {
    package: manifest.name,
    version: manifest.version ?? '0.0.0',
    date: new Date().toISOString(),
    quick,
    machine: machineInfo(),
    options: measure,
    suites,
  };
  const root = findWorkspaceRoot(options.packageDir);
  const resultsDir = options.resultsDir ?? resultsFolder(root, quick);
  await mkdir(resultsDir, { recursive: true });
  const target = path.join(resultsDir, resultsFileName(manifest.name));
  await writeFile(target, `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${path.relative(process.cwd(), target) || target}`);
  if (!quick && (options.report ?? options.resultsDir === undefined)) {
    const { written } = await writeReport({ root });
    for (const file of written) log(`wrote ${path.relative(process.cwd(), file) || file}`);
  }
  return results;
}

/** Where results go: `<root>/benchmarks/results`, or its `quick/` folder for a smoke run. */
export function resultsFolder(root: string, quick: boolean): string {
  return path.join(root, 'benchmarks', 'results', ...(quick ? ['quick'] : []));
}

/**
 * Writes a results file of a package's own (complete destructive runs, peak-RSS checks) beside
 * x-bench's, in the same folder and with the same header (package, date, quick, machine), so
 * that a smoke run never replaces what the report shows. Returns the path written.
 */
export async function writeExtraResults(options: {
  readonly packageDir: string;
  readonly packageName: string;
  readonly fileName: string;
  readonly quick: boolean;
  readonly fields: Readonly<Record<string, unknown>>;
}): Promise<string> {
  const folder = resultsFolder(findWorkspaceRoot(options.packageDir), options.quick);
  await mkdir(folder, { recursive: true });
  const results = {
    package: options.packageName,
    date: new Date().toISOString(),
    quick: options.quick,
    machine: machineInfo(),
    ...options.fields,
  };
  const target = path.join(folder, options.fileName);
  await writeFile(target, `${JSON.stringify(results, null, 2)}\n`);
  return target;
}
