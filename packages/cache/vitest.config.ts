import { definePackageConfig } from '@x/vitest-preset';
import type { ViteUserConfig } from 'vitest/config';

const config: ViteUserConfig = definePackageConfig({
  services: ['redis', 'postgres'],
  testTimeout: 30_000,
});

export default config;
