import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CaseResult, PackageResults, SuiteResult } from './types.js';

/** One target of `benchmarks/targets.json`: the largest allowed ratio of a case to `against`. */
export interface BenchTarget {
  readonly package: string;
  readonly issue: number;
  readonly suite: string;
  readonly case: string;
  /** The case divided by; default: the suite's baseline. */
  readonly against?: string;
  readonly maxRatio: number;
  readonly text: string;
}

/** `benchmarks/targets.json`. */
export interface BenchTargets {
  /** Per package, the starts of the case names that are other libraries. */
  readonly peers?: Readonly<Record<string, readonly string[]>>;
  readonly targets?: readonly BenchTarget[];
}

/** Any other JSON file of `benchmarks/results/` (memory checks, one-shot timings…). */
export interface ExtraResults {
  /** The file name, e.g. `files-memory.json`. */
  readonly file: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** Everything the report is built from. */
export interface ReportInput {
  readonly results: readonly PackageResults[];
  readonly extras: readonly ExtraResults[];
  readonly targets: BenchTargets;
}

/** A target checked against the results. */
export interface TargetVerdict {
  readonly target: BenchTarget;
  /** Case median / `against` median, or undefined when either is missing from the results. */
  readonly ratio: number | undefined;
  readonly met: boolean;
}

/** The generated files: `README.md` and one chart per package, keyed by file name. */
export interface Report {
  readonly readme: string;
  readonly charts: ReadonlyMap<string, string>;
  readonly verdicts: readonly TargetVerdict[];
}

/** `@x/cache` → `cache`. */
export function shortName(packageName: string): string {
  return packageName.replace(/^@[^/]+\//, '');
}

function sig3(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString('en-US');
  if (abs === 0) return '0';
  return String(Number(value.toPrecision(3)));
}

/** Nanoseconds, human-readable with 3 significant digits: `812 ns`, `1.23 µs`, `45.6 ms`, `2.01 s`. */
export function formatTime(ns: number): string {
  const units: [number, string][] = [
    [1e9, 's'],
    [1e6, 'ms'],
    [1e3, 'µs'],
  ];
  for (const [scale, unit] of units) {
    // Compare after rounding, so 999.7 ns reads `1 µs`, not `1,000 ns`.
    if (Number((ns / scale).toPrecision(3)) >= 1) return `${sig3(ns / scale)} ${unit}`;
  }
  return `${sig3(ns)} ns`;
}

/** A ratio with 3 significant digits: `0.0412×`, `1.04×`, `2,377×`. */
export function formatRatio(ratio: number): string {
  return `${sig3(ratio)}×`;
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(escapeCell).join(' | ')} |`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [row(header), row(header.map(() => '---')), ...rows.map(row)];
}

function machineLine(machine: unknown, date: unknown): string {
  const m = (typeof machine === 'object' && machine !== null ? machine : {}) as Partial<
    PackageResults['machine']
  >;
  const when = typeof date === 'string' ? `${date.slice(0, 16).replace('T', ' ')} UTC` : 'unknown';
  const platform = `${m.platform ?? '?'} ${m.arch ?? ''}`.trimEnd();
  return `${m.cpu ?? 'unknown CPU'}, ${m.cores ?? '?'} cores, Node ${m.node ?? '?'}, ${platform}; run ${when}.`;
}

function isPackageResults(value: unknown): value is PackageResults {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { package?: unknown }).package === 'string' &&
    Array.isArray((value as { suites?: unknown }).suites)
  );
}

function findCase(suite: SuiteResult | undefined, name: string): CaseResult | undefined {
  return suite?.cases.find((c) => c.name === name);
}

/** Checks every target against the results (case median / `against` median ≤ maxRatio). */
export function checkTargets(
  results: readonly PackageResults[],
  targets: readonly BenchTarget[],
): TargetVerdict[] {
  return targets.map((target) => {
    const suite = results
      .find((r) => r.package === target.package)
      ?.suites.find((s) => s.name === target.suite);
    const measured = findCase(suite, target.case);
    const against = findCase(suite, target.against ?? suite?.baseline ?? '');
    const ratio =
      measured !== undefined && against !== undefined
        ? measured.medianNs / against.medianNs
        : undefined;
    return { target, ratio, met: ratio !== undefined && ratio <= target.maxRatio };
  });
}

// ---------------------------------------------------------------------------------------------
// Generic tables of the other results files

const SKIPPED_KEYS = new Set(['package', 'date', 'quick', 'machine', 'note']);

function formatValue(key: string, value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') {
    if (/Bytes$/.test(key)) return `${(value / 1e6).toFixed(1)} MB`;
    if (key === 'ms' || /Ms$/.test(key))
      return value >= 10 ? String(Math.round(value)) : sig3(value);
    if (Number.isInteger(value)) return value.toLocaleString('en-US');
    return sig3(value);
  }
  if (Array.isArray(value)) return `${value.length} entries`;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function objectTable(
  rows: readonly Record<string, unknown>[],
  limitBytes: number | undefined,
): string[] {
  const keys: string[] = [];
  for (const r of rows) for (const key of Object.keys(r)) if (!keys.includes(key)) keys.push(key);
  const withLimit = limitBytes !== undefined && keys.includes('peakBytes');
  const header = [...keys];
  if (withLimit) header.push(`peak under ${formatValue('limitBytes', limitBytes)}`);
  return table(
    header,
    rows.map((r) => {
      const cells = keys.map((key) => formatValue(key, r[key]));
      if (withLimit && limitBytes !== undefined) {
        const idle = r.operation === 'idle' || r.variant === 'idle';
        const peak = r.peakBytes;
        cells.push(idle || typeof peak !== 'number' ? '—' : peak < limitBytes ? 'met' : 'NOT met');
      }
      return cells;
    }),
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function renderExtra(extra: ExtraResults): string[] {
  const { data } = extra;
  const lines = [`### ${extra.file}`, '', machineLine(data.machine, data.date), ''];
  if (typeof data.note === 'string') lines.push(data.note, '');
  const limitBytes = typeof data.limitBytes === 'number' ? data.limitBytes : undefined;
  const scalars = Object.entries(data).filter(
    ([key, value]) => !SKIPPED_KEYS.has(key) && (value === null || typeof value !== 'object'),
  );
  if (scalars.length > 0) {
    lines.push(...scalars.map(([key, value]) => `- ${key}: ${formatValue(key, value)}`), '');
  }
  for (const [key, value] of Object.entries(data)) {
    if (SKIPPED_KEYS.has(key)) continue;
    const rows = Array.isArray(value) ? value.filter(isRecord) : isRecord(value) ? [value] : [];
    if (rows.length === 0) continue;
    lines.push(`${key}:`, '', ...objectTable(rows, limitBytes), '');
    if (limitBytes !== undefined && rows.some((r) => typeof r.peakBytes === 'number')) {
      const checked = rows.filter(
        (r) => r.operation !== 'idle' && r.variant !== 'idle' && typeof r.peakBytes === 'number',
      );
      const over = checked.filter((r) => (r.peakBytes as number) >= limitBytes);
      const name = (r: Record<string, unknown>) =>
        [r.suite, r.operation ?? r.variant].filter((p) => p !== undefined).join(' › ');
      lines.push(
        over.length === 0
          ? `Every non-idle peak is under the ${formatValue('limitBytes', limitBytes)} limit.`
          : `Over the ${formatValue('limitBytes', limitBytes)} limit: ${over.map(name).join('; ')}.`,
        '',
      );
    }
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Charts

const BAR_HEIGHT = 16;
const ROW_HEIGHT = 22;
const PLOT_WIDTH = 520;
const CHAR_WIDTH = 6.6;

/** A horizontal bar chart (log scale, from the baseline at 1×) of every non-baseline case. */
export function renderChart(results: PackageResults): string {
  const groups = results.suites.map((suite) => ({
    suite,
    cases: suite.cases.filter((c) => c.name !== suite.baseline),
  }));
  const ratios = groups.flatMap((g) => g.cases.map((c) => c.ratioToBaseline)).filter((r) => r > 0);
  const low = Math.floor(Math.log10(Math.min(1, ...ratios)));
  const high = Math.ceil(Math.log10(Math.max(1, ...ratios)));
  const lo = high === low ? low - 1 : low;
  const names = groups.flatMap((g) => [g.suite.name, ...g.cases.map((c) => c.name)]);
  const labelWidth = Math.min(
    480,
    Math.ceil(Math.max(10, ...names.map((n) => n.length)) * CHAR_WIDTH) + 16,
  );
  const left = labelWidth;
  const right = 90;
  const top = 44;
  const x = (ratio: number) =>
    left + ((Math.log10(Math.max(ratio, 10 ** lo)) - lo) / (high - lo)) * PLOT_WIDTH;
  const body: string[] = [];
  let y = top;
  for (const { suite, cases } of groups) {
    if (cases.length === 0) continue;
    body.push(
      `<text x="8" y="${y + 14}" font-weight="bold">${escapeXml(suite.name)} (baseline: ${escapeXml(suite.baseline)})</text>`,
    );
    y += ROW_HEIGHT;
    for (const c of cases) {
      const x0 = x(1);
      const x1 = x(c.ratioToBaseline);
      const barX = Math.min(x0, x1);
      const barW = Math.max(1, Math.abs(x1 - x0));
      const fill = c.ratioToBaseline <= 1 ? '#2e7d32' : '#c62828';
      const labelX = c.ratioToBaseline > 1 ? x1 + 4 : x0 + 4;
      body.push(
        `<text x="16" y="${y + 12}">${escapeXml(truncate(c.name, labelWidth))}</text>`,
        `<rect class="bar" x="${barX.toFixed(1)}" y="${y}" width="${barW.toFixed(1)}" height="${BAR_HEIGHT}" fill="${fill}"><title>${escapeXml(`${c.name}: ${formatRatio(c.ratioToBaseline)}`)}</title></rect>`,
        `<text x="${labelX.toFixed(1)}" y="${y + 12}">${escapeXml(formatRatio(c.ratioToBaseline))}</text>`,
      );
      y += ROW_HEIGHT;
    }
    y += 6;
  }
  const height = y + 30;
  const width = left + PLOT_WIDTH + right;
  const axis: string[] = [];
  for (let e = lo; e <= high; e++) {
    const tx = x(10 ** e).toFixed(1);
    const label = e >= 0 ? `${10 ** e}×` : `${Number((10 ** e).toPrecision(1))}×`;
    axis.push(
      `<line x1="${tx}" y1="${top - 4}" x2="${tx}" y2="${y}" stroke="#ddd"/>`,
      `<text x="${tx}" y="${y + 16}" text-anchor="middle" fill="#555">${escapeXml(label)}</text>`,
    );
  }
  const one = x(1).toFixed(1);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(results.package)}: median time of each case / its suite's baseline (log scale, lower is faster)</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="8" y="20" font-size="14" font-weight="bold">${escapeXml(results.package)}: median time / baseline (log scale, lower is faster)</text>`,
    ...axis,
    ...body,
    `<line x1="${one}" y1="${top - 4}" x2="${one}" y2="${y}" stroke="#000" stroke-width="1.5"/>`,
    `<text x="${one}" y="${top - 8}" text-anchor="middle">1× = baseline</text>`,
    '</svg>',
    '',
  ].join('\n');
}

function truncate(text: string, width: number): string {
  const max = Math.floor((width - 20) / CHAR_WIDTH);
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

// ---------------------------------------------------------------------------------------------
// README

function peerColumns(suite: SuiteResult, prefixes: readonly string[]): CaseResult[] {
  return suite.cases.filter(
    (c) => c.name !== suite.baseline && prefixes.some((prefix) => c.name.startsWith(prefix)),
  );
}

function renderSuite(suite: SuiteResult, prefixes: readonly string[]): string[] {
  const peers = peerColumns(suite, prefixes);
  const header = [
    'case',
    'median',
    'min–max',
    'ratio to baseline',
    ...peers.map((p) => `vs ${p.name}`),
  ];
  const rows = suite.cases.map((c) => [
    c.name === suite.baseline ? `${c.name} (baseline)` : c.name,
    formatTime(c.medianNs),
    `${formatTime(c.minNs)} – ${formatTime(c.maxNs)}`,
    formatRatio(c.ratioToBaseline),
    ...peers.map((p) => (p.name === c.name ? '—' : formatRatio(c.medianNs / p.medianNs))),
  ]);
  return [`### ${suite.name}`, '', `\`${suite.file}\``, '', ...table(header, rows), ''];
}

function targetName(verdict: TargetVerdict): string {
  return `${verdict.target.package} #${verdict.target.issue} (${verdict.target.text})`;
}

/** Builds `README.md` and the charts from the results, in memory. */
export function renderReport(input: ReportInput): Report {
  const results = [...input.results].sort((a, b) => a.package.localeCompare(b.package));
  const verdicts = checkTargets(results, input.targets.targets ?? []);
  const lines = [
    '# Benchmarks',
    '',
    '<!-- Generated from benchmarks/results/*.json and benchmarks/targets.json by x-bench-report (@x/bench-harness): do not edit by hand. -->',
    '',
    "`pnpm bench` at the root runs every package's benchmarks (`bench/*.bench.ts`), writes `benchmarks/results/<package>.json`, then regenerates this file and the charts; `pnpm bench --filter <package>` runs one package's. Quick mode (`X_BENCH_QUICK=1`, or `x-bench --quick`) is a smoke run that writes to `benchmarks/results/quick/` and never touches this report. A ratio is the median time of a case divided by the median time of its suite's baseline, measured in the same process run with the cases interleaved: lower is faster, 0.5× is twice as fast as the baseline, 2× twice as slow.",
    '',
  ];

  if (verdicts.length > 0) {
    lines.push(
      '## Targets',
      '',
      "Each target is the largest allowed ratio of a case's median time to its suite's baseline (or to the case the target names); throughput is 1 / ratio: the case's operations per second as a multiple of the baseline's.",
      '',
      ...table(
        ['package', 'issue', 'target', 'max ratio', 'measured ratio', 'throughput', 'verdict'],
        verdicts.map((v) => [
          v.target.package,
          `#${v.target.issue}`,
          v.target.text,
          formatRatio(v.target.maxRatio),
          v.ratio === undefined ? 'no result' : formatRatio(v.ratio),
          v.ratio === undefined ? '—' : formatRatio(1 / v.ratio),
          v.met ? 'met' : 'NOT MET',
        ]),
      ),
      '',
    );
    const notMet = verdicts.filter((v) => !v.met);
    lines.push(
      notMet.length === 0
        ? `All ${verdicts.length} targets are met.`
        : `${notMet.length} of ${verdicts.length} targets are not met: ${notMet
            .map(
              (v) =>
                `${targetName(v)}, ${v.ratio === undefined ? 'no result' : `measured ${formatRatio(v.ratio)}`}`,
            )
            .join('; ')}.`,
      '',
    );
  }

  const packages = [
    ...new Set([
      ...results.map((r) => r.package),
      ...input.extras.map((e) => String(e.data.package)),
    ]),
  ].sort();
  const charts = new Map<string, string>();
  for (const name of packages) {
    const short = shortName(name);
    const result = results.find((r) => r.package === name);
    lines.push(`## ${name}`, '');
    if (result !== undefined) {
      const chart = `${short}.svg`;
      charts.set(chart, renderChart(result));
      lines.push(
        machineLine(result.machine, result.date),
        '',
        `![${name}: ratio of each case to its suite's baseline](${chart})`,
        '',
      );
      const prefixes = input.targets.peers?.[name] ?? [];
      for (const suite of result.suites) lines.push(...renderSuite(suite, prefixes));
    }
    for (const extra of input.extras.filter((e) => e.data.package === name)) {
      lines.push(...renderExtra(extra));
    }
  }
  return { readme: `${lines.join('\n').trimEnd()}\n`, charts, verdicts };
}

/** Reads `benchmarks/results/*.json` (not `results/quick/`) and `benchmarks/targets.json`. */
export async function readReportInput(root: string): Promise<ReportInput> {
  const folder = path.join(root, 'benchmarks', 'results');
  const files = existsSync(folder)
    ? (await readdir(folder, { withFileTypes: true }))
        .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
        .map((entry) => entry.name)
        .sort()
    : [];
  const results: PackageResults[] = [];
  const extras: ExtraResults[] = [];
  for (const file of files) {
    const data = JSON.parse(await readFile(path.join(folder, file), 'utf8')) as unknown;
    if (isPackageResults(data)) results.push(data);
    else if (isRecord(data) && typeof data.package === 'string') extras.push({ file, data });
  }
  const targetsFile = path.join(root, 'benchmarks', 'targets.json');
  const targets = existsSync(targetsFile)
    ? (JSON.parse(await readFile(targetsFile, 'utf8')) as BenchTargets)
    : {};
  return { results, extras, targets };
}

export interface WriteReportOptions {
  /** The workspace root (holds `benchmarks/`). */
  readonly root: string;
}

/**
 * Regenerates `benchmarks/README.md` and `benchmarks/<package>.svg` from `benchmarks/results/*.json`
 * and `benchmarks/targets.json`. Returns the report and the paths written.
 */
export async function writeReport(
  options: WriteReportOptions,
): Promise<Report & { readonly written: readonly string[] }> {
  const report = renderReport(await readReportInput(options.root));
  const folder = path.join(options.root, 'benchmarks');
  const written: string[] = [];
  for (const [file, svg] of report.charts) {
    const target = path.join(folder, file);
    await writeFile(target, svg);
    written.push(target);
  }
  const readme = path.join(folder, 'README.md');
  await writeFile(readme, report.readme);
  written.push(readme);
  return { ...report, written };
}
