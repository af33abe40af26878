import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkPackage } from './check-package.js';

const fixture = (name: string) =>
  fileURLToPath(new URL(`../test/fixtures/${name}`, import.meta.url));

describe('checkPackage', () => {
  it('passes a well-formed package and measures each named import on its own', async () => {
    const result = await checkPackage(fixture('good'));
    expect(result.report).toContain('publint passed');
    expect(result.report).toContain('are-the-types-wrong (esm-only) passed');
    expect(result.ok).toBe(true);
    const [small, large] = result.sizes;
    // Tree-shaking is measured, not assumed: the small import must not carry the large one.
    expect(small?.bytes).toBeLessThan(100);
    expect(large?.bytes).toBeGreaterThan(small?.bytes ?? 0);
  });

  it('fails on publint findings, wrong types order and a size over budget', async () => {
    const result = await checkPackage(fixture('bad'));
    expect(result.ok).toBe(false);
    expect(result.report).toContain('publint FAILED');
    expect(result.report).toMatch(/types/);
  });

  it('leaves peer dependencies (and their sub-paths) out of the measured bundle', async () => {
    // The peer is installed nowhere: bundling it would fail to resolve.
    const result = await checkPackage(fixture('with-peer'));
    expect(result.report).toContain('size budget passed');
    expect(result.sizes[0]?.bytes).toBeLessThan(300);
  });

  it('reports a budget that is exceeded', async () => {
    const result = await checkPackage(fixture('over-budget'));
    expect(result.ok).toBe(false);
    expect(result.report).toContain('size budget FAILED');
    expect(result.report).toMatch(/OVER import \{ large \}: \d+ B minified .*budget 50 B/);
    expect(result.sizes.find((size) => size.name === 'small')?.ok).toBe(true);
  });
});
