import { definePackageConfig } from '@x/vitest-preset';
import type { ViteUserConfig } from 'vitest/config';

const config: ViteUserConfig = definePackageConfig({
  services: ['postgres', 'mariadb'],
  testTimeout: 60_000,
});

export default config;
