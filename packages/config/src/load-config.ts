import type { ConfigIssue } from './config-error.js';
import { type FieldSource, fromInput, readInput, resolveConfig } from './resolve.js';
import type { Config, ConfigInput } from './types.js';

/** The environment `loadConfig` reads: variable names to values. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Builds a configuration from environment variables (`X_CACHE_TTL=60`, …; see the README for
 * the list), with `overrides` from code taking precedence over them, then checks it exactly as
 * {@link defineConfig} does. An empty variable counts as unset. Issues about a variable name it
 * (`X_CACHE_TTL`) and show its raw string.
 *
 * @param env the variables, `process.env` by default.
 * @param overrides fields set in code: win over the environment (`undefined` means not set).
 * @returns a fresh, deeply frozen {@link Config}.
 * @throws {ConfigError} listing every invalid variable and field at once.
 */
export function loadConfig(env: Env = process.env, overrides?: ConfigInput): Config {
  const issues: ConfigIssue[] = [];
  const sections = readInput(overrides, issues);
  return resolveConfig(
    (section, key, spec) =>
      fromInput(sections, section, key) ??
      fromEnv(env, spec.env) ??
      (spec.envFallback === undefined ? undefined : fromEnv(env, spec.envFallback)),
    issues,
  );
}

function fromEnv(env: Env, name: string): FieldSource | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : { kind: 'env', name, raw };
}
