import { definePackageConfig } from '@x/vitest-preset';

// Packing and bundling take a few seconds per fixture.
export default definePackageConfig({ testTimeout: 60_000 });
