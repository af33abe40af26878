import type { ConfigIssue } from './config-error.js';
import { fromInput, readInput, resolveConfig } from './resolve.js';
import type { Config, ConfigInput } from './types.js';

/**
 * Builds a configuration from code: fills in the defaults, checks every field and rejects
 * unknown sections and keys. The input is never mutated nor shared with the result.
 *
 * @returns a fresh, deeply frozen {@link Config}.
 * @throws {ConfigError} listing every invalid field at once.
 *
 * @example
 * const config = defineConfig({ cache: { ttl: 60 }, files: { root: '/srv/files' } });
 */
export function defineConfig(input?: ConfigInput): Config {
  const issues: ConfigIssue[] = [];
  const sections = readInput(input, issues);
  return resolveConfig((section, key) => fromInput(sections, section, key), issues);
}
