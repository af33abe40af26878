/** One measured operation. It may return a promise; the harness awaits it. */
export type BenchFunction = () => unknown;

/** A group of cases compared against one of them, the baseline, in the same process run. */
export interface BenchSuite {
  /** What is measured, e.g. `encryptStr, 1 KiB`. */
  readonly name: string;
  /** The name of the case every other case is divided by (the platform limit, or the raw dependency call). */
  readonly baseline: string;
  /** Case name → operation. */
  readonly cases: Readonly<Record<string, BenchFunction>>;
  /** Runs once before the suite is measured (open clients, create fixtures). */
  readonly setup?: () => unknown;
  /** Runs once after the suite, even when a case throws. */
  readonly teardown?: () => unknown;
}

/** How long the harness measures. */
export interface MeasureOptions {
  /** Time spent running each case before any sample is kept. */
  readonly warmupMs: number;
  /** Target duration of one sample; the harness picks the iterations per sample to reach it. */
  readonly sampleMs: number;
  /** How many samples are kept per case (cases are interleaved, one sample each per round). */
  readonly samples: number;
}

/** Statistics of one case, in nanoseconds per operation. */
export interface CaseResult {
  readonly name: string;
  readonly medianNs: number;
  readonly minNs: number;
  readonly maxNs: number;
  readonly opsPerSecond: number;
  /** `medianNs` of this case divided by `medianNs` of the baseline: 2 means twice as slow. */
  readonly ratioToBaseline: number;
  readonly samples: number;
  readonly iterationsPerSample: number;
}

export interface SuiteResult {
  readonly name: string;
  readonly file: string;
  readonly baseline: string;
  readonly cases: readonly CaseResult[];
}

/** The file written to `benchmarks/results/<package>.json`. */
export interface PackageResults {
  readonly package: string;
  readonly version: string;
  readonly date: string;
  readonly quick: boolean;
  readonly machine: {
    readonly node: string;
    readonly cpu: string;
    readonly cores: number;
    readonly platform: string;
    readonly arch: string;
  };
  readonly options: MeasureOptions;
  readonly suites: readonly SuiteResult[];
}
