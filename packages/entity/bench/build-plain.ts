// Child process of delete-all.bench.ts: writes src/, bench/model.ts and bench/delete-child.ts as
// plain JavaScript into a folder (see buildPlain), so that the deletion children run on bare
// Node (under tsx an idle child peaks at about 110 MB instead of 84 MB: the loader's memory, not
// the package's). It runs in a process of its own so that the TypeScript compiler never sits in
// the memory of the process that times the suites.
//
// usage: node --import tsx bench/build-plain.ts <folder>   (prints the path of delete-child.js)
import path from 'node:path';
import { buildPlain } from '@x/bench-harness/build-plain';

const folder = process.argv[2];
if (folder === undefined) throw new Error('usage: build-plain.ts <folder>');
const scripts = await buildPlain({
  packageDir: path.resolve(import.meta.dirname, '..'),
  folder,
  benchFiles: ['model', 'delete-child'],
  resolve: (specifier) => import.meta.resolve(specifier),
});
process.stdout.write(`${scripts['delete-child']}\n`);
