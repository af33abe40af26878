export { ConfigError, type ConfigErrorCode, type ConfigIssue } from './config-error.js';
export { defineConfig } from './define-config.js';
export { type Env, loadConfig } from './load-config.js';
export type {
  CacheConfig,
  CacheConfigInput,
  Charset,
  CharsetName,
  Config,
  ConfigInput,
  CryptoConfig,
  CryptoConfigInput,
  CryptoFormat,
  DatabaseConfig,
  DatabaseConfigInput,
  FilesConfig,
  FilesConfigInput,
  SectionInput,
  ShredMode,
} from './types.js';
export { XError, type XErrorClass, type XErrorJSON, type XErrorOptions } from './x-error.js';
