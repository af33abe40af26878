import { definePackageConfig } from '@x/vitest-preset';
import type { ViteUserConfig } from 'vitest/config';

const config: ViteUserConfig = definePackageConfig({
  services: ['postgres', 'redis'],
  testTimeout: 120_000,
});

export default config;
