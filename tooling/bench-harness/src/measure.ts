import { median } from './statistics.js';
import type { BenchFunction, BenchSuite, CaseResult, MeasureOptions } from './types.js';

export const fullOptions: MeasureOptions = { warmupMs: 500, sampleMs: 100, samples: 15 };
export const quickOptions: MeasureOptions = { warmupMs: 20, sampleMs: 5, samples: 3 };

/** Runs `fn` `iterations` times and returns the elapsed nanoseconds. */
async function timeIterations(fn: BenchFunction, iterations: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const result = fn();
    if (result instanceof Promise) await result;
  }
  return Number(process.hrtime.bigint() - start);
}

/** Warms a case up for `warmupMs`, then returns how many iterations fill one `sampleMs` sample. */
async function calibrate(fn: BenchFunction, options: MeasureOptions): Promise<number> {
  const warmupEnd = performance.now() + options.warmupMs;
  let iterations = 1;
  let elapsedNs = await timeIterations(fn, iterations);
  while (performance.now() < warmupEnd) {
    if (elapsedNs < (options.sampleMs * 1e6) / 4) iterations *= 2;
    elapsedNs = await timeIterations(fn, iterations);
  }
  const perIterationNs = Math.max(elapsedNs / iterations, 1);
  return Math.max(1, Math.round((options.sampleMs * 1e6) / perIterationNs));
}

/**
 * Measures every case of a suite. Cases are interleaved (one sample of each per round), so a
 * burst of load from a neighbour on a shared machine hits all of them alike and the ratios hold.
 */
export async function measureSuite(
  suite: BenchSuite,
  options: MeasureOptions,
  onCase?: (result: CaseResult) => void,
): Promise<CaseResult[]> {
  const entries = Object.entries(suite.cases);
  const iterations = new Map<string, number>();
  for (const [name, fn] of entries) iterations.set(name, await calibrate(fn, options));

  const samples = new Map<string, number[]>(entries.map(([name]) => [name, []]));
  for (let round = 0; round < options.samples; round++) {
    for (const [name, fn] of entries) {
      const count = iterations.get(name) as number;
      const elapsed = await timeIterations(fn, count);
      samples.get(name)?.push(elapsed / count);
    }
  }

  const baselineMedian = median(samples.get(suite.baseline) ?? []);
  return entries.map(([name]) => {
    const values = samples.get(name) ?? [];
    const medianNs = median(values);
    const result: CaseResult = {
      name,
      medianNs,
      minNs: Math.min(...values),
      maxNs: Math.max(...values),
      opsPerSecond: 1e9 / medianNs,
      ratioToBaseline: medianNs / baselineMedian,
      samples: values.length,
      iterationsPerSample: iterations.get(name) as number,
    };
    onCase?.(result);
    return result;
  });
}
