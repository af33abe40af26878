// Its own export (`@x/bench-harness/build-plain`), never the index: it loads the TypeScript
// compiler, which must stay out of the processes that time suites or measure memory. Callers
// run it in a child process of its own (see a package's bench/build-plain.ts).
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';

/** Options of {@link buildPlain}. */
export interface BuildPlainOptions {
  /** The package whose src/*.ts (tests and declarations left out) is transpiled. */
  readonly packageDir: string;
  /** Where src/ and bench/ are written, as in the package. */
  readonly folder: string;
  /** Files of the package's bench/ folder to transpile as well, by name without `.ts`. */
  readonly benchFiles: readonly string[];
  /**
   * Resolves a bare specifier to a file URL as the package does: pass
   * `(specifier) => import.meta.resolve(specifier)` from the package's own script, since the
   * harness does not depend on the package's dependencies.
   */
  readonly resolve: (specifier: string) => string;
}

/** `from 'x'`, `import('x')`: the module specifiers of transpiled code. */
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*)(['"])([^'"]+)\2/g;

async function transpile(
  file: string,
  target: string,
  resolve: (specifier: string) => string,
): Promise<void> {
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
        : `${head}${quote}${resolve(spec)}${quote}`,
  );
  await writeFile(target, pinned);
}

/**
 * Writes a package's src/ and some of its bench/ files as plain JavaScript into `folder`, so that
 * benchmark children run on bare Node, as a service runs the published package, instead of
 * under tsx (whose loader adds tens of megabytes to every peak). Transpiled file by file with
 * TypeScript's transpileModule (what the build emits); bare imports are pinned to the file URLs
 * the package resolves them to, so the output runs from any folder.
 *
 * @returns the path of each transpiled bench file, by the name it was given.
 */
export async function buildPlain(
  options: BuildPlainOptions,
): Promise<Readonly<Record<string, string>>> {
  const { packageDir, folder, benchFiles, resolve } = options;
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
      resolve,
    );
  }
  const scripts: Record<string, string> = {};
  for (const name of benchFiles) {
    const script = path.join(folder, 'bench', `${name}.js`);
    await transpile(path.join(packageDir, 'bench', `${name}.ts`), script, resolve);
    scripts[name] = script;
  }
  return scripts;
}
