import { fileURLToPath } from 'node:url';
import type { ServiceName } from '@x/test-services';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

/** Options of {@link definePackageConfig}. */
export interface PackageTestOptions {
  /**
   * Services the package's tests talk to. The global setup checks each one before any test
   * runs, starts it when it is down and its binary is installed, and otherwise fails the
   * run with what to start: a missing service is never a silent pass.
   */
  readonly services?: readonly ServiceName[];
  /** Per-test timeout in milliseconds (default 20 000: integration tests talk to real servers). */
  readonly testTimeout?: number;
}

const globalSetupPath = fileURLToPath(new URL('./global-setup.js', import.meta.url));

/**
 * The vitest configuration of a workspace package: tests beside the code (`src/**\/*.test.ts`)
 * and in `test/`, integration tests named `*.integration.test.ts`, and the services they need.
 *
 * @example
 * // packages/cache/vitest.config.ts
 * export default definePackageConfig({ services: ['redis', 'postgres'] });
 */
export function definePackageConfig(options: PackageTestOptions = {}): ViteUserConfig {
  const services = options.services ?? [];
  return defineConfig({
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: options.testTimeout ?? 20_000,
      hookTimeout: 60_000,
      globalSetup: services.length > 0 ? [globalSetupPath] : [],
      provide: { xServices: [...services] },
      // test-results.json feeds the one-line summary CI prints after all packages ran.
      reporters: ['default', 'json'],
      outputFile: { json: 'test-results.json' },
      typecheck: { enabled: true, include: ['src/**/*.test-d.ts', 'test/**/*.test-d.ts'] },
    },
  });
}
