import { describeValue } from './describe-value.js';
import { XError } from './x-error.js';

/** One invalid field of a configuration. */
export interface ConfigIssue {
  /**
   * Where the value came from: a field path such as `'cache.ttl'` or `'cache.cluster[1]'`, or
   * the environment variable it was read from, such as `'X_CACHE_TTL'`.
   */
  readonly path: string;
  /** The value received (for an environment variable, its raw string). */
  readonly value: unknown;
  /** The accepted form, e.g. `'an integer number of seconds >= 1'`. */
  readonly expected: string;
  /** One line naming the path, the value received and the accepted form. */
  readonly message: string;
}

/** The codes a {@link ConfigError} carries. */
export type ConfigErrorCode = 'INVALID_CONFIG';

/**
 * Thrown by `defineConfig` and `loadConfig` when the configuration is invalid. It lists every
 * invalid field at once, in `issues` and in the message (one line each).
 */
export class ConfigError extends XError<ConfigErrorCode> {
  static override readonly brand: symbol = Symbol.for('@x/config/ConfigError');

  /** Every invalid field, in the order they were checked. */
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super('INVALID_CONFIG', formatMessage(issues));
    this.issues = Object.freeze(issues.map((issue) => Object.freeze({ ...issue })));
  }
}

/** Builds an issue whose message reads `path: received <value>; expected <expected>`. */
export function configIssue(path: string, value: unknown, expected: string): ConfigIssue {
  return {
    path,
    value,
    expected,
    message: `${path}: received ${describeValue(value)}; expected ${expected}`,
  };
}

function formatMessage(issues: readonly ConfigIssue[]): string {
  const count = issues.length === 1 ? '1 issue' : `${issues.length} issues`;
  return [
    `Invalid configuration (${count}):`,
    ...issues.map((issue) => `  - ${issue.message}`),
  ].join('\n');
}
