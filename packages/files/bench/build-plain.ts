// Child process of memory.ts: writes src/ and bench/peak-rss.ts as plain JavaScript into a
// folder (see buildPlain). It runs in its own process because loading the TypeScript compiler
// into the timing process slowed its stream cases (stream.pipeline of 512 MiB: 0.64 s → 1.0 s).
//
// usage: node --import tsx bench/build-plain.ts <folder>   (prints the path of peak-rss.js)
import path from 'node:path';
import { buildPlain } from '@x/bench-harness/build-plain';

const folder = process.argv[2];
if (folder === undefined) throw new Error('usage: build-plain.ts <folder>');
const scripts = await buildPlain({
  packageDir: path.resolve(import.meta.dirname, '..'),
  folder,
  benchFiles: ['peak-rss'],
  resolve: (specifier) => import.meta.resolve(specifier),
});
process.stdout.write(`${scripts['peak-rss']}\n`);
