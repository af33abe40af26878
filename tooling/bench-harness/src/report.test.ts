import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatRatio, formatTime, writeReport } from './report.js';
import type { CaseResult, PackageResults } from './types.js';

const machine = { node: 'v20.0.0', cpu: 'Test CPU', cores: 4, platform: 'linux', arch: 'x64' };

function bench(name: string, medianNs: number, baselineNs: number): CaseResult {
  return {
    name,
    medianNs,
    minNs: medianNs * 0.9,
    maxNs: medianNs * 1.2,
    opsPerSecond: 1e9 / medianNs,
    ratioToBaseline: medianNs / baselineNs,
    samples: 5,
    iterationsPerSample: 10,
  };
}

const demo: PackageResults = {
  package: '@x/demo',
  version: '0.0.0',
  date: '2026-01-02T03:04:05.000Z',
  quick: false,
  machine,
  options: { warmupMs: 1, sampleMs: 1, samples: 5 },
  suites: [
    {
      name: 'get <hit> & decode',
      file: 'bench/get.bench.ts',
      baseline: 'bare get',
      cases: [
        bench('bare get', 1000, 1000),
        bench('Demo.get', 1100, 1000),
        bench('other-lib get', 2200, 1000),
        bench('Demo.get (local)', 20, 1000),
      ],
    },
    {
      name: 'huge',
      file: 'bench/huge.bench.ts',
      baseline: 'fast',
      cases: [bench('fast', 1e6, 1e6), bench('slow', 3e9, 1e6)],
    },
  ],
};

const memory = {
  package: '@x/demo',
  date: '2026-01-02T03:04:05.000Z',
  machine,
  limitBytes: 100_000_000,
  note: 'Peak RSS of one operation.',
  checks: [
    { suite: 'copy', operation: 'idle', peakBytes: 48_000_000, ms: 0.0371 },
    { suite: 'copy', operation: 'Demo.copy', peakBytes: 60_000_000, ms: 1010.12 },
    { suite: 'copy', operation: 'Demo.upload', peakBytes: 150_000_000, ms: 1388.6 },
  ],
};

const targets = {
  peers: { '@x/demo': ['other-lib'] },
  targets: [
    {
      package: '@x/demo',
      issue: 7,
      suite: 'get <hit> & decode',
      case: 'Demo.get',
      maxRatio: 1.25,
      text: 'get within 1.25× of bare get',
    },
    {
      package: '@x/demo',
      issue: 8,
      suite: 'get <hit> & decode',
      case: 'Demo.get',
      against: 'other-lib get',
      maxRatio: 0.4,
      text: 'get 2.5× faster than other-lib',
    },
  ],
};

let root: string;
let readme: string;
let svg: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'x-bench-report-'));
  const results = path.join(root, 'benchmarks', 'results');
  await mkdir(path.join(results, 'quick'), { recursive: true });
  await writeFile(path.join(results, 'demo.json'), JSON.stringify(demo));
  await writeFile(path.join(results, 'demo-memory.json'), JSON.stringify(memory));
  // Quick results never reach the report.
  await writeFile(
    path.join(results, 'quick', 'quick-only.json'),
    JSON.stringify({ ...demo, package: '@x/quick-only', quick: true }),
  );
  await writeFile(path.join(root, 'benchmarks', 'targets.json'), JSON.stringify(targets));
  await writeReport({ root });
  readme = await readFile(path.join(root, 'benchmarks', 'README.md'), 'utf8');
  svg = await readFile(path.join(root, 'benchmarks', 'demo.svg'), 'utf8');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('formatting', () => {
  it('gives times and ratios 3 significant digits', () => {
    expect(formatTime(812.34)).toBe('812 ns');
    expect(formatTime(999.7)).toBe('1 µs');
    expect(formatTime(1234)).toBe('1.23 µs');
    expect(formatTime(45_670_000)).toBe('45.7 ms');
    expect(formatTime(2_010_000_000)).toBe('2.01 s');
    expect(formatRatio(0.041234)).toBe('0.0412×');
    expect(formatRatio(2377.4)).toBe('2,377×');
  });
});

describe('writeReport', () => {
  it('checks every target, against the baseline or the named case', () => {
    expect(readme).toContain(
      '| @x/demo | #7 | get within 1.25× of bare get | 1.25× | 1.1× | 0.909× | met |',
    );
    expect(readme).toContain(
      '| @x/demo | #8 | get 2.5× faster than other-lib | 0.4× | 0.5× | 2× | NOT MET |',
    );
    expect(readme).toMatch(/1 of 2 targets are not met: @x\/demo #8 \(get 2\.5× faster/);
  });

  it('gives each case its ratio to the peer cases of its suite', () => {
    expect(readme).toContain('| case | median | min–max | ratio to baseline | vs other-lib get |');
    expect(readme).toContain('| Demo.get | 1.1 µs | 990 ns – 1.32 µs | 1.1× | 0.5× |');
    expect(readme).toContain('| other-lib get | 2.2 µs | 1.98 µs – 2.64 µs | 2.2× | — |');
    // The suite without peer cases has no peer column.
    expect(readme).toContain('| slow | 3 s | 2.7 s – 3.6 s | 3,000× |');
    expect(readme).toContain(
      'Test CPU, 4 cores, Node v20.0.0, linux x64; run 2026-01-02 03:04 UTC.',
    );
    expect(readme).toContain("![@x/demo: ratio of each case to its suite's baseline](demo.svg)");
    expect(readme).not.toContain('quick-only');
  });

  it('renders the other results files as tables, with the memory limit verdict', () => {
    expect(readme).toContain('### demo-memory.json');
    expect(readme).toContain('Peak RSS of one operation.');
    expect(readme).toContain('| suite | operation | peakBytes | ms | peak under 100.0 MB |');
    expect(readme).toContain('| copy | idle | 48.0 MB | 0.0371 | — |');
    expect(readme).toContain('| copy | Demo.copy | 60.0 MB | 1010 | met |');
    expect(readme).toContain('| copy | Demo.upload | 150.0 MB | 1389 | NOT met |');
    expect(readme).toContain('Over the 100.0 MB limit: copy › Demo.upload.');
  });

  it('draws a well-formed SVG with one bar per non-baseline case', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<rect class="bar"/g)).toHaveLength(4);
    expect(svg).toContain('get &lt;hit&gt; &amp; decode');
    expect(svg).not.toMatch(/&(?!amp;|lt;|gt;|quot;|apos;)/);
    expect(svg).toContain('1× = baseline');
  });
});
