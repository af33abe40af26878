import { defineConfig } from 'vitest/config';

// Not the shared preset: the preset depends on this package. The same reporters, though, so the
// CI summary counts these tests too.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results.json' },
  },
});
