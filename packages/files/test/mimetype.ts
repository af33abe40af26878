/**
 * A child process: prints, as JSON, what FileManager.mimetype says of a file, or the error.
 * Runs the package the way a tsx (or bundled) application does.
 *
 *   mimetype.ts <file>
 */
import { defineConfig } from '@x/config';
import { FileError } from '../src/file-error.js';
import { FileManager } from '../src/file-manager.js';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: mimetype.ts <file>');
const files = new FileManager(defineConfig({}));
try {
  process.stdout.write(`${JSON.stringify({ mime: await files.mimetype(file) })}\n`);
} catch (error) {
  const code = FileError.is(error) ? error.code : 'not a FileError';
  process.stdout.write(`${JSON.stringify({ code, message: String(error) })}\n`);
}
