// Child process of delete-all.bench.ts: writes src/, bench/model.ts and bench/delete-child.ts as
// plain JavaScript into a folder, so that the deletion children run on bare Node, as a service
// runs the published package (under tsx an idle child peaks at about 110 MB instead of 84 MB:
// the loader's memory, not the package's). Transpiled with TypeScript's transpileModule (what
// the build emits, file by file); bare imports are pinned to the file URLs this package resolves
// them to, so the output runs from any folder. It runs in a process of its own so that the
// TypeScript compiler never sits in the memory of the process that times the suites.
//
// usage: node --import tsx bench/build-plain.ts <folder>   (prints the path of delete-child.js)
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
for (const name of ['model', 'delete-child']) {
  await transpile(
    path.join(packageDir, 'bench', `${name}.ts`),
    path.join(folder, 'bench', `${name}.js`),
  );
}
process.stdout.write(`${path.join(folder, 'bench', 'delete-child.js')}\n`);
