import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPlain } from './build-plain.js';
import { currentRss, peakRss } from './peak-rss.js';

describe('peakRss', () => {
  it('reports a peak no lower than the current resident set size', () => {
    const before = currentRss();
    const { peakBytes, method } = peakRss();
    expect(before).toBeGreaterThan(0);
    expect(peakBytes).toBeGreaterThanOrEqual(before);
    expect(method).toBe(process.platform === 'linux' ? 'VmHWM' : 'getrusage');
  });
});

describe('buildPlain', () => {
  const scratch: string[] = [];
  afterAll(async () => {
    for (const folder of scratch) await rm(folder, { recursive: true, force: true });
  });

  it('transpiles src/ and the named bench files, pinning only bare specifiers', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'build-plain-'));
    scratch.push(root);
    const packageDir = path.join(root, 'package');
    const folder = path.join(root, 'out');
    await mkdir(path.join(packageDir, 'src'), { recursive: true });
    await mkdir(path.join(packageDir, 'bench'), { recursive: true });
    await writeFile(
      path.join(packageDir, 'src', 'index.ts'),
      "import type { A } from 'dep';\nimport { b } from 'dep/b';\nexport const x: A = b as number;\n",
    );
    await writeFile(path.join(packageDir, 'src', 'index.test.ts'), 'throw new Error();\n');
    await writeFile(path.join(packageDir, 'src', 'types.d.ts'), 'export type T = 1;\n');
    await writeFile(
      path.join(packageDir, 'bench', 'child.ts'),
      "import { readFileSync } from 'node:fs';\nimport { x } from '../src/index.js';\nawait import('dep');\nexport const y: number = x + readFileSync.length;\n",
    );
    await writeFile(path.join(packageDir, 'bench', 'other.ts'), 'export {};\n');

    const scripts = await buildPlain({
      packageDir,
      folder,
      benchFiles: ['child'],
      resolve: (specifier) => `file:///pinned/${specifier}.js`,
    });

    expect(scripts).toEqual({ child: path.join(folder, 'bench', 'child.js') });
    expect(JSON.parse(await readFile(path.join(folder, 'package.json'), 'utf8'))).toEqual({
      type: 'module',
    });
    const index = await readFile(path.join(folder, 'src', 'index.js'), 'utf8');
    expect(index).toContain("from 'file:///pinned/dep/b.js'");
    expect(index).not.toContain('import type');
    expect(index).not.toContain(': A');
    const child = await readFile(path.join(folder, 'bench', 'child.js'), 'utf8');
    expect(child).toContain("from 'node:fs'");
    expect(child).toContain("from '../src/index.js'");
    expect(child).toContain("import('file:///pinned/dep.js')");
    await expect(readFile(path.join(folder, 'src', 'index.test.js'))).rejects.toThrow();
    await expect(readFile(path.join(folder, 'src', 'types.d.js'))).rejects.toThrow();
    await expect(readFile(path.join(folder, 'bench', 'other.js'))).rejects.toThrow();
  });
});
