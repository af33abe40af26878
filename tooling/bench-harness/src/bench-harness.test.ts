import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defineSuite } from './define-suite.js';
import { measureSuite } from './measure.js';
import { resultsFileName, runPackageBenchmarks, writeExtraResults } from './run-package.js';
import { median } from './statistics.js';
import type { PackageResults } from './types.js';

const tiny = { warmupMs: 5, sampleMs: 2, samples: 5 };

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/empty/);
  });
});

describe('defineSuite', () => {
  it('rejects a baseline that is not a case', () => {
    expect(() => defineSuite({ name: 's', baseline: 'nope', cases: { a: () => 1 } })).toThrow(
      /baseline "nope" is not one of its cases \(a\)/,
    );
  });
});

describe('measureSuite', () => {
  it('reports the baseline at ratio 1 and a ten times slower case well above it', async () => {
    let work = 0;
    const spin = (n: number) => {
      for (let i = 0; i < n; i++) work += i;
    };
    const results = await measureSuite(
      defineSuite({
        name: 's',
        baseline: 'fast',
        cases: { fast: () => spin(100), slow: () => spin(1000) },
      }),
      tiny,
    );
    const [fast, slow] = results;
    expect(fast?.ratioToBaseline).toBe(1);
    expect(slow?.ratioToBaseline).toBeGreaterThan(3);
    for (const result of results) {
      expect(result.samples).toBe(5);
      expect(result.minNs).toBeLessThanOrEqual(result.medianNs);
      expect(result.maxNs).toBeGreaterThanOrEqual(result.medianNs);
      expect(result.opsPerSecond).toBeCloseTo(1e9 / result.medianNs);
    }
    expect(work).toBeGreaterThan(0);
  });

  it('awaits asynchronous cases', async () => {
    let finished = 0;
    await measureSuite(
      defineSuite({
        name: 'async',
        baseline: 'tick',
        cases: {
          tick: async () => {
            await Promise.resolve();
            finished++;
          },
        },
      }),
      tiny,
    );
    expect(finished).toBeGreaterThan(5);
  });
});

describe('runPackageBenchmarks', () => {
  it('runs bench/*.bench.ts and writes <package>.json with medians, ratios and the machine', async () => {
    const packageDir = fileURLToPath(new URL('../test/fixture-package', import.meta.url));
    const resultsDir = await mkdtemp(path.join(os.tmpdir(), 'x-bench-'));
    const lines: string[] = [];
    try {
      await runPackageBenchmarks({
        packageDir,
        resultsDir,
        measure: tiny,
        log: (l) => lines.push(l),
      });
      const written = JSON.parse(
        await readFile(path.join(resultsDir, 'bench-fixture.json'), 'utf8'),
      ) as PackageResults;
      expect(written.package).toBe('@x/bench-fixture');
      expect(written.version).toBe('1.2.3');
      expect(written.machine.node).toBe(process.version);
      expect(written.machine.cpu.length).toBeGreaterThan(0);
      expect(written.suites).toHaveLength(1);
      const suite = written.suites[0];
      expect(suite?.file).toBe('bench/sleep.bench.ts');
      expect(suite?.cases.map((c) => c.name)).toEqual(['short', 'long', 'async']);
      expect(suite?.cases[0]?.ratioToBaseline).toBe(1);
      expect(suite?.cases[1]?.ratioToBaseline).toBeGreaterThan(2);
      expect(lines.some((line) => line.includes('spin loops (baseline: short)'))).toBe(true);
    } finally {
      await rm(resultsDir, { recursive: true, force: true });
    }
  });

  it('fails when a package has no benchmarks', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'x-bench-empty-'));
    try {
      await import('node:fs/promises').then((fs) =>
        fs.writeFile(path.join(empty, 'package.json'), '{"name":"@x/empty"}'),
      );
      await expect(runPackageBenchmarks({ packageDir: empty, log: () => {} })).rejects.toThrow(
        /no bench\/\*\.bench\.ts/,
      );
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('names the results file after the package without its scope', () => {
    expect(resultsFileName('@x/crypto')).toBe('crypto.json');
    expect(resultsFileName('plain')).toBe('plain.json');
  });
});

describe('writeExtraResults', () => {
  it('writes beside the harness results with the same header, and under quick/ for a smoke run', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'x-bench-extra-'));
    try {
      await writeFile(path.join(root, 'pnpm-workspace.yaml'), 'packages: []\n');
      const packageDir = path.join(root, 'packages', 'demo');
      await mkdir(packageDir, { recursive: true });
      for (const quick of [false, true]) {
        const written = await writeExtraResults({
          packageDir,
          packageName: '@x/demo',
          fileName: 'demo-memory.json',
          quick,
          fields: { note: 'n', checks: [1] },
        });
        const folder = path.join(root, 'benchmarks', 'results', ...(quick ? ['quick'] : []));
        expect(written).toBe(path.join(folder, 'demo-memory.json'));
        const results = JSON.parse(await readFile(written, 'utf8')) as Record<string, unknown>;
        expect(Object.keys(results)).toEqual([
          'package',
          'date',
          'quick',
          'machine',
          'note',
          'checks',
        ]);
        expect(results).toMatchObject({ package: '@x/demo', quick, note: 'n', checks: [1] });
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
