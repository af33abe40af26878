// Child process of the peak-RSS checks (see memory.ts): runs ONE operation on a large file in a
// fresh Node process, then prints its peak resident set size as JSON on stdout.
//
// usage (once transpiled, see memory.ts): node peak-rss.js <operation> <folder> <file name>
//
// The peak is the kernel's high-water mark (VmHWM in /proc/self/status, or getrusage's maxRSS
// where there is no /proc): every page the process ever held at once, startup included, with
// nothing missed between samples.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { currentRss, peakRss } from '@x/bench-harness/peak-rss';
import { defineConfig } from '@x/config';
import { FileManager } from '../src/index.js';
import type { PeakRss } from './memory.js';

async function main(): Promise<void> {
  const [operation, folder, name] = process.argv.slice(2);
  if (operation === undefined || folder === undefined || name === undefined) {
    throw new Error('usage: peak-rss.ts <operation> <folder> <file name>');
  }
  // As fixtures.ts builds it, without importing fixtures.ts (its 4 MiB pattern would count here).
  const files = new FileManager(defineConfig({ files: { root: folder } }));
  const source = path.join(folder, name);
  const targetName = `${name}.rss-copy`;
  const target = path.join(folder, targetName);

  const operations: Record<string, () => Promise<unknown>> = {
    idle: async () => {},
    'FileManager.checksum': () => files.checksum(name),
    'FileManager.copy': () => files.copy(name, targetName),
    'FileManager.upload': () => files.upload(createReadStream(source), targetName),
    'createHash over fs.createReadStream': async () => {
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(source)) hash.update(chunk);
      return hash.digest('hex');
    },
    'fs.promises.copyFile': () => copyFile(source, target),
    'stream.pipeline': () => pipeline(createReadStream(source), createWriteStream(target)),
  };
  const run = operations[operation];
  if (run === undefined) throw new Error(`unknown operation ${operation}`);

  const beforeBytes = currentRss();
  const start = performance.now();
  await run();
  const ms = performance.now() - start;
  const { peakBytes, method } = peakRss();
  await rm(target, { force: true });
  const report: PeakRss = { operation, peakBytes, beforeBytes, method, ms };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

await main();
