export { FileError, type FileErrorCode } from './file-error.js';
export {
  FileManager,
  type FilesSettings,
  type UploadOptions,
  type UploadResult,
  type WriteOptions,
} from './file-manager.js';
export { canonicalMime, MIME_ALIASES } from './mime.js';
export type { ByteReader, UploadSource } from './upload-source.js';
