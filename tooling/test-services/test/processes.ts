import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import ts from 'typescript';
import { expect } from 'vitest';

/** Whether something accepts TCP connections on the loopback port. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The state letter of `/proc/<pid>/stat` (R, S, T for stopped, Z for a zombie…), if readable. */
export function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/** Whether the process runs (a zombie waiting for its reaper counts as gone). */
export function isRunning(pid: number): boolean {
  const state = processState(pid);
  if (state !== undefined) return state !== 'Z';
  if (existsSync('/proc/self/stat')) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether the process id is in use at all, zombies included. */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What a started server or cluster leaves behind unless it is cleaned up. */
export interface Traces {
  readonly ports: readonly number[];
  readonly pids: readonly number[];
  readonly dir: string;
}

/** Asserts that nothing is left: ports closed, processes gone, directory gone. */
export async function expectGone(traces: Traces): Promise<void> {
  // Wait for the processes to be reaped too (an orphan's zombie lingers until init collects it),
  // so nothing of them shows up in the process list after the run.
  for (let i = 0; i < 100 && traces.pids.some(exists); i++) await sleep(100);
  for (const pid of traces.pids) expect(isRunning(pid), `pid ${pid}`).toBe(false);
  for (const port of traces.ports) expect(await accepts(port), `port ${port}`).toBe(false);
  expect(existsSync(traces.dir)).toBe(false);
}

/** Runs `fn` with a connection of its own to the server on the loopback `port`. */
export async function withNode<T>(
  port: number,
  fn: (client: { sendCommand(args: string[]): Promise<unknown> }) => Promise<T>,
): Promise<T> {
  const client = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: false } });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    client.destroy();
  }
}

/**
 * Runs the ES module `script(source)` in a plain node process, where `source('x')` is the quoted
 * path of this package's `src/x.ts`, transpiled; the process then dies of an uncaught error.
 * Returns the one JSON value the script printed. This is how a test sees what is left once the
 * process itself dies, which it cannot do inside the test runner.
 */
export async function printedBeforeCrash(
  script: (source: (name: string) => string) => string,
): Promise<unknown> {
  const failure = 'the test body failed';
  const { code, stdout, stderr } = await runWithPackageSource(
    (source) => `${script(source)}\nthrow new Error(${JSON.stringify(failure)});`,
  );
  expect(stderr).toContain(failure);
  expect(code).toBe(1);
  return JSON.parse(stdout.trim());
}

async function runWithPackageSource(
  script: (source: (name: string) => string) => string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // Next to node_modules, so that the transpiled modules resolve the package's dependencies.
  const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
  const outDir = join(
    packageDir,
    'node_modules',
    '.cache',
    `exit-test-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  await mkdir(outDir, { recursive: true });
  try {
    await writeFile(join(outDir, 'package.json'), '{ "type": "module" }\n');
    const srcDir = join(packageDir, 'src');
    for (const file of await readdir(srcDir)) {
      if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
      const source = readFileSync(join(srcDir, file), 'utf8');
      const { outputText } = ts.transpileModule(source, {
        compilerOptions: {
          module: ts.ModuleKind.ESNext,
          target: ts.ScriptTarget.ES2022,
          verbatimModuleSyntax: true,
        },
      });
      await writeFile(join(outDir, file.replace(/\.ts$/, '.js')), outputText);
    }
    const source = (name: string): string => JSON.stringify(join(outDir, `${name}.js`));
    const child = spawn(process.execPath, ['--input-type=module', '-e', script(source)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    return { code, stdout, stderr };
  } finally {
    await rm(outDir, { recursive: true, force: true });
    await rmdir(dirname(outDir)).catch(() => {}); // only when nothing else is cached there
  }
}
