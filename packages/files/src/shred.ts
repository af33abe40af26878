import { execFile } from 'node:child_process';
import { randomFill } from 'node:crypto';
import { open, unlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import { FileError } from './file-error.js';

const run = promisify(execFile);

/**
 * Runs `shred -n <passes> -z -u -- <path>` without a shell. Resolves `false` when there is no
 * `shred` program on the PATH, so that the caller can decide what that means.
 */
export async function runShred(file: string, passes: number): Promise<boolean> {
  try {
    await run('shred', ['-n', String(passes), '-z', '-u', '--', file]);
    return true;
  } catch (error) {
    const failure = error as { code?: unknown; stderr?: string; message: string };
    if (failure.code === 'ENOENT') return false;
    throw new FileError(
      'SHRED_FAILED',
      `shred ${file} failed: ${(failure.stderr ?? '').trim() || failure.message}`,
      { cause: error },
    );
  }
}

/**
 * What `shred -n <passes> -z -u` does, in process: `passes` passes of random bytes, then one of
 * zeros, each written over the whole file and flushed to the device, then the unlink.
 */
export async function overwriteAndUnlink(
  file: string,
  passes: number,
  chunkSize: number,
): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    const { size } = await handle.stat();
    const chunk = Buffer.allocUnsafe(Math.min(chunkSize, Math.max(size, 1)));
    for (let pass = 0; pass <= passes; pass++) {
      const zeros = pass === passes;
      for (let offset = 0; offset < size; offset += chunk.length) {
        const length = Math.min(chunk.length, size - offset);
        const bytes = chunk.subarray(0, length);
        if (zeros) bytes.fill(0);
        else await promisify(randomFill)(bytes);
        let written = 0;
        while (written < length) {
          written += (await handle.write(bytes, written, length - written, offset + written))
            .bytesWritten;
        }
      }
      await handle.sync();
    }
  } finally {
    await handle.close();
  }
  await unlink(file);
}
