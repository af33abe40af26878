export { CryptoError, type CryptoErrorCode } from './crypto-error.js';
export {
  type CallOptions,
  type CryptoSettings,
  EncryptionManager,
  type EncryptionManagerOptions,
} from './encryption-manager.js';
export type { KeyInput } from './key-format.js';
