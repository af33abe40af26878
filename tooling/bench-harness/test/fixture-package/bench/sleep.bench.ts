import { defineSuite } from '../../../src/define-suite.js';

function spin(iterations: number): number {
  let total = 0;
  for (let i = 0; i < iterations; i++) total += Math.sqrt(i);
  return total;
}

export default defineSuite({
  name: 'spin loops',
  baseline: 'short',
  cases: {
    short: () => spin(200),
    long: () => spin(2000),
    async: async () => spin(200),
  },
});
