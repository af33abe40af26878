import { randomBytes } from 'node:crypto';
import { type FileHandle, lstat, mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { FileError } from './file-error.js';

/** Options of an atomic write. */
export interface AtomicOptions {
  /** fsync the file before the rename and its folder after it. */
  readonly durable: boolean;
}

/**
 * A temp name in the target's folder that no other process can pick: 48 random bits, and the
 * file is created with O_EXCL anyway. Dot-prefixed, so directory listings tend to hide it.
 */
export function tempPathFor(target: string): string {
  const name = path.basename(target).slice(0, 64);
  return path.join(path.dirname(target), `.${name}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Writes `target` atomically: `fill` writes a fresh temp file in the target's folder (created
 * exclusively), which is then renamed over the target. Readers see the old file or the new
 * one, never a part; on any failure the temp file is removed and the target is untouched.
 */
export async function writeAtomically(
  target: string,
  options: AtomicOptions,
  fill: (handle: FileHandle, tempPath: string) => Promise<void>,
): Promise<void> {
  await refuseFolder(target);
  const folder = path.dirname(target);
  await makeParentFolder(target);
  const temp = tempPathFor(target);
  let handle: FileHandle | undefined = await open(temp, 'wx');
  try {
    await fill(handle, temp);
    if (options.durable) await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, target);
  } catch (error) {
    await handle?.close().catch(() => {});
    await rm(temp, { force: true }).catch(() => {}); // the original error is the one to report
    throw error;
  }
  if (options.durable) await syncFolder(folder);
}

/** A folder (the storage root itself, say) is never a write target: refused before anything is created. */
async function refuseFolder(target: string): Promise<void> {
  const info = await lstat(target).catch(() => undefined);
  if (info?.isDirectory()) {
    throw new FileError(
      'NOT_A_FILE',
      `${path.basename(target) || target} is a folder; a file cannot be written over it.`,
    );
  }
}

/** Creates the folder of `target`; a file in the way is `NOT_A_DIRECTORY`, as for reads. */
export async function makeParentFolder(target: string): Promise<void> {
  try {
    await mkdir(path.dirname(target), { recursive: true });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'EEXIST' && code !== 'ENOTDIR') throw error;
    throw new FileError('NOT_A_DIRECTORY', `A file is in the way of the folder of ${target}.`, {
      cause: error,
    });
  }
}

/** fsync a folder, so that a rename or unlink in it survives a power loss. */
export async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes all of `bytes` at the handle's position (a short write is continued, never dropped). */
export async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}
