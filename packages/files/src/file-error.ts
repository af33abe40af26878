import { XError } from '@x/config';

/**
 * What went wrong, for a caller to act on:
 * - `NOT_FOUND`: the path does not exist (or its folder does not).
 * - `NOT_A_FILE`: a folder, symlink or device where a regular file is needed.
 * - `NOT_A_DIRECTORY`: a file where a folder is needed (also in the middle of a path).
 * - `NOT_EMPTY`: `rmdir` of a folder with content, without `recursive: true`.
 * - `ALREADY_EXISTS`: something is in the way.
 * - `OUTSIDE_ROOT`: the path leaves `files.root` (`..`, an absolute path, a symlink, a NUL byte).
 * - `TOO_LARGE`: an upload over `maxBytes`.
 * - `SHRED_UNAVAILABLE`: no `shred` program and `files.shred` is `'require'`.
 * - `SHRED_FAILED`: `shred` ran and failed.
 * - `PERMISSION_DENIED`, `NO_SPACE`: what the operating system said.
 * - `INVALID_INPUT`: an argument of the wrong type or value.
 * - `IO_ERROR`: any other failure of the operating system (see `cause`).
 */
export type FileErrorCode =
  | 'NOT_FOUND'
  | 'NOT_A_FILE'
  | 'NOT_A_DIRECTORY'
  | 'NOT_EMPTY'
  | 'ALREADY_EXISTS'
  | 'OUTSIDE_ROOT'
  | 'TOO_LARGE'
  | 'SHRED_UNAVAILABLE'
  | 'SHRED_FAILED'
  | 'PERMISSION_DENIED'
  | 'NO_SPACE'
  | 'INVALID_INPUT'
  | 'IO_ERROR';

/** The error of every `@x/files` failure; the operating system's error, if any, is its `cause`. */
export class FileError extends XError<FileErrorCode> {
  static override readonly brand: symbol = Symbol.for('@x/files/FileError');
}

const CODES_BY_ERRNO: Readonly<Record<string, FileErrorCode>> = {
  ENOENT: 'NOT_FOUND',
  EISDIR: 'NOT_A_FILE',
  ENOTDIR: 'NOT_A_DIRECTORY',
  ENOTEMPTY: 'NOT_EMPTY',
  EEXIST: 'ALREADY_EXISTS',
  EACCES: 'PERMISSION_DENIED',
  EPERM: 'PERMISSION_DENIED',
  EROFS: 'PERMISSION_DENIED',
  ENOSPC: 'NO_SPACE',
  EDQUOT: 'NO_SPACE',
};

/**
 * Wraps an error of the operating system (or anything thrown) into a FileError that names the
 * operation and the path; a FileError passes through unchanged.
 */
export function toFileError(error: unknown, operation: string, path: string): FileError {
  if (FileError.is(error)) return error;
  const errno = (error as { code?: unknown } | null)?.code;
  const code = (typeof errno === 'string' && CODES_BY_ERRNO[errno]) || 'IO_ERROR';
  const reason = error instanceof Error ? error.message : String(error);
  return new FileError(code, `${operation} ${path}: ${reason}`, { cause: error });
}
