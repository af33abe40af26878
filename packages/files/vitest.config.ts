import { definePackageConfig } from '@x/vitest-preset';
import type { ViteUserConfig } from 'vitest/config';

const config: ViteUserConfig = definePackageConfig();

export default config;
