import { ConfigError } from '../src/config-error.js';
import type { Config } from '../src/types.js';

/** Every default, written out. */
export const DEFAULTS: Config = {
  crypto: {
    hkdf: true,
    hkdfInfo: 'x/crypto aead v1',
    associatedData: '',
    charset: 'utf8',
    format: 'v1',
  },
  cache: { url: 'redis://127.0.0.1:6379', ttl: 300, prefix: 'x', cluster: [] },
  database: { url: undefined },
  files: { root: undefined, chunkSize: 1048576, shredPasses: 3, durable: false, shred: 'require' },
};

/** The defaults with one field replaced. */
export function defaultsWith(section: keyof Config, field: string, value: unknown): Config {
  return { ...DEFAULTS, [section]: { ...DEFAULTS[section], [field]: value } };
}

/** Runs `build`, which must throw a ConfigError, and returns it. */
export function configErrorOf(build: () => unknown): ConfigError {
  try {
    build();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}
