import { definePackageConfig } from '@x/vitest-preset';

export default definePackageConfig();
