/**
 * A child process for the crash-safety and concurrency tests: writes one file again and again
 * through FileManager.write.
 *
 *   writer.ts [--wait] <root> <file> <size> <count> <fill>...
 *
 * Writes `<size>` bytes, each `<fill>` (a byte value), cycling through the fills, `<count>`
 * times (0: until killed). Prints `ready` once loaded; with `--wait`, then waits for a line on
 * stdin before it starts (so that a test can start the next process while one is writing).
 * Prints `writing` before the first write and `wrote <n>` after each.
 */
import { once } from 'node:events';
import { defineConfig } from '@x/config';
import { FileManager } from '../src/file-manager.js';

const args = process.argv.slice(2);
const wait = args[0] === '--wait';
const [root, file, sizeText, countText, ...fillTexts] = wait ? args.slice(1) : args;
if (root === undefined || file === undefined || fillTexts.length === 0) {
  throw new Error('usage: writer.ts [--wait] <root> <file> <size> <count> <fill>...');
}
const size = Number(sizeText);
const count = Number(countText);
const contents = fillTexts.map((fill) => Buffer.alloc(size, Number(fill)));
const files = new FileManager(defineConfig({ files: { root } }));

process.stdout.write('ready\n');
if (wait) await once(process.stdin, 'data');
process.stdout.write('writing\n');
for (let n = 0; count === 0 || n < count; n++) {
  await files.write(file, contents[n % contents.length] as Buffer);
  process.stdout.write(`wrote ${n + 1}\n`);
}
if (wait) process.stdin.destroy();
