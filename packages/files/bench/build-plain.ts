// Child process of memory.ts: writes src/ and bench/peak-rss.ts as plain JavaScript into a
// folder, so that the peak-RSS children run on bare Node, as a service runs the published
// package. Transpiled with TypeScript's transpileModule (what the build emits, file by file);
// bare imports are pinned to the file URLs this package resolves them to, so the output runs
// from any folder.
//
// It runs in its own process because loading the TypeScript compiler into the timing process
// slowed its stream cases (stream.pipeline of 512 MiB: 0.64 s → 1.0 s).
//
// usage: node --import tsx bench/build-plain.ts <folder>   (prints the path of peak-rss.js)
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';

const packageDir = path.resolve(import.meta.dirname, '..');

/** `from 'x'`, `import('x')`: the module specifiers of transpiled code. */
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*)(['"])([^'"]+)\2/g;

/** Transpiles `file` to `target`, with bare specifiers replaced by the file URLs they resolve to. */
async function transpile(file: string, target: string): Promise<void> {
  const { outputText } = ts.transpileModule(await readFile(file, 'utf8'), {
    fileName: file,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
    },
  });
  const pinned = outputText.replace(
    SPECIFIER,
    (whole, head: string, quote: string, spec: string) =>
      spec.startsWith('.') || spec.startsWith('node:')
        ? whole
        : `${head}${quote}${import.meta.resolve(spec)}${quote}`,
  );
  await writeFile(target, pinned);
}

const folder = process.argv[2];
if (folder === undefined) throw new Error('usage: build-plain.ts <folder>');
await mkdir(path.join(folder, 'src'), { recursive: true });
await mkdir(path.join(folder, 'bench'), { recursive: true });
await writeFile(path.join(folder, 'package.json'), '{ "type": "module" }\n');
const sources = (await readdir(path.join(packageDir, 'src'))).filter(
  (name) => name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts'),
);
for (const name of sources) {
  await transpile(
    path.join(packageDir, 'src', name),
    path.join(folder, 'src', name.replace(/\.ts$/, '.js')),
  );
}
const script = path.join(folder, 'bench', 'peak-rss.js');
await transpile(path.join(packageDir, 'bench', 'peak-rss.ts'), script);
process.stdout.write(`${script}\n`);
