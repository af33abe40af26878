import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAttw, runPublint } from './lint-tarball.js';
import { extractTarball, packPackage } from './pack.js';
import { type ImportSize, measureImport, readSizeBudget } from './size-budget.js';

export interface PackageCheckResult {
  readonly packageName: string;
  readonly ok: boolean;
  readonly report: string;
  readonly sizes: readonly ImportSize[];
}

/**
 * Packs a published package and checks its tarball: publint (strict), are-the-types-wrong
 * (ESM-only profile), and the size budget of each named import in `size-budget.json`.
 */
export async function checkPackage(packageDir: string): Promise<PackageCheckResult> {
  const manifest = JSON.parse(await readFile(path.join(packageDir, 'package.json'), 'utf8')) as {
    name: string;
    peerDependencies?: Record<string, string>;
  };
  const budget = await readSizeBudget(packageDir);
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'x-package-check-'));
  try {
    const tarball = await packPackage(packageDir, path.join(workDir, 'pack'));
    const [publintOutcome, attwOutcome] = await Promise.all([
      runPublint(tarball),
      runAttw(tarball),
    ]);
    const extractedDir = await extractTarball(tarball, path.join(workDir, 'extract'));

    const sizes: ImportSize[] = [];
    for (const [name, limit] of Object.entries(budget)) {
      const { bytes, gzipBytes } = await measureImport({
        packageName: manifest.name,
        extractedDir,
        dependenciesDir: path.join(packageDir, 'node_modules'),
        workDir,
        name,
        peers: Object.keys(manifest.peerDependencies ?? {}),
      });
      sizes.push({ name, bytes, gzipBytes, limit, ok: bytes <= limit });
    }

    const sizeLines = sizes.map(
      (size) =>
        `  ${size.ok ? 'ok  ' : 'OVER'} import { ${size.name} }: ${size.bytes} B minified (${size.gzipBytes} B gzip), budget ${size.limit} B`,
    );
    const report = [
      `${manifest.name}: ${path.basename(tarball)}`,
      `publint ${publintOutcome.ok ? 'passed' : 'FAILED'}`,
      publintOutcome.report,
      `are-the-types-wrong (esm-only) ${attwOutcome.ok ? 'passed' : 'FAILED'}`,
      attwOutcome.report,
      `size budget ${sizes.every((size) => size.ok) ? 'passed' : 'FAILED'}`,
      ...sizeLines,
    ].join('\n');
    const ok = publintOutcome.ok && attwOutcome.ok && sizes.every((size) => size.ok);
    return { packageName: manifest.name, ok, report, sizes };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
