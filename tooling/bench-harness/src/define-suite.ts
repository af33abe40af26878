import type { BenchSuite } from './types.js';

/**
 * Declares a benchmark suite; a `bench/*.bench.ts` file default-exports one suite or an array.
 * Throws at once when the baseline is not one of the cases, so a typo is not a silent ratio of 1.
 *
 * @example
 * export default defineSuite({
 *   name: 'HMAC-SHA-512, 64 bytes',
 *   baseline: 'node:crypto',
 *   cases: { 'node:crypto': () => createHmac('sha512', key).update(data).digest(), ... },
 * });
 */
export function defineSuite(suite: BenchSuite): BenchSuite {
  const names = Object.keys(suite.cases);
  if (!names.includes(suite.baseline)) {
    throw new Error(
      `Benchmark suite "${suite.name}": baseline "${suite.baseline}" is not one of its cases (${names.join(', ')}).`,
    );
  }
  return suite;
}
