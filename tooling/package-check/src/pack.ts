import { execFile } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Packs the package with pnpm (so `workspace:` and `catalog:` ranges become real versions, as on
 * publish) into `outDir` and returns the tarball's path.
 */
export async function packPackage(packageDir: string, outDir: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  await run('pnpm', ['pack', '--pack-destination', outDir], { cwd: packageDir });
  const tarballs = (await readdir(outDir)).filter((name) => name.endsWith('.tgz'));
  if (tarballs.length !== 1) {
    throw new Error(
      `pnpm pack in ${packageDir} left ${tarballs.length} tarballs in ${outDir}, expected one.`,
    );
  }
  return path.join(outDir, tarballs[0] as string);
}

/** Extracts a tarball into `<outDir>/package` (npm's layout) and returns that folder. */
export async function extractTarball(tarball: string, outDir: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', outDir]);
  return path.join(outDir, 'package');
}
