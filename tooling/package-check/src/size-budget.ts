import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** `size-budget.json` in a package folder: named import → the most minified bytes it may bundle to. */
export type SizeBudget = Readonly<Record<string, number>>;

export interface ImportSize {
  readonly name: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly limit: number;
  readonly ok: boolean;
}

/** Reads and validates a package's `size-budget.json`. */
export async function readSizeBudget(packageDir: string): Promise<SizeBudget> {
  const file = path.join(packageDir, 'size-budget.json');
  if (!existsSync(file)) {
    throw new Error(
      `${file} is missing: name each public import and its budget in minified bytes.`,
    );
  }
  const budget = JSON.parse(await readFile(file, 'utf8')) as unknown;
  if (typeof budget !== 'object' || budget === null || Array.isArray(budget)) {
    throw new Error(`${file} must be an object of import name → byte limit.`);
  }
  for (const [name, limit] of Object.entries(budget)) {
    if (!Number.isInteger(limit) || (limit as number) <= 0) {
      throw new Error(`${file}: the budget of "${name}" must be a positive integer of bytes.`);
    }
  }
  return budget as SizeBudget;
}

/**
 * Bundles `import { name } from '<package>'` against the extracted tarball the way an application
 * would: esbuild, minified, node platform, dependencies included (resolved from the package's own
 * node_modules), Node built-ins and peer dependencies excluded (the application brings those,
 * whatever it imports from this package). What is left is what tree-shaking really keeps.
 */
export async function measureImport(options: {
  readonly packageName: string;
  readonly extractedDir: string;
  readonly dependenciesDir: string;
  readonly workDir: string;
  readonly name: string;
  /** Peer dependency names, left out of the bundle. */
  readonly peers?: readonly string[];
}): Promise<{ bytes: number; gzipBytes: number }> {
  const scopeDir = path.join(options.workDir, 'node_modules', path.dirname(options.packageName));
  const linked = path.join(options.workDir, 'node_modules', options.packageName);
  if (!existsSync(linked)) {
    await mkdir(scopeDir, { recursive: true });
    await rename(options.extractedDir, linked);
  }
  const entry = path.join(options.workDir, `entry-${options.name}.js`);
  await writeFile(entry, `export { ${options.name} } from '${options.packageName}';\n`);
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    nodePaths: [options.dependenciesDir],
    external: (options.peers ?? []).flatMap((peer) => [peer, `${peer}/*`]),
  });
  const output = result.outputFiles[0]?.contents ?? new Uint8Array();
  return { bytes: output.byteLength, gzipBytes: gzipSync(output).byteLength };
}
