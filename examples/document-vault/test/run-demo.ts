import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export const DEMO = fileURLToPath(new URL('../dist/main.js', import.meta.url));
export const SAMPLES = fileURLToPath(new URL('../samples', import.meta.url));

/** A fixed master key in gocryptfs's printed form, so a test can decrypt what the demo stored. */
export const MASTER_KEY =
  '5e1f0c2a-9b7d4e36-a8c1f205-d93b6e7a-\n14c8e0f2-6a3d9b57-e2f4a1c8-0b7d3e96';

export interface DemoRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A demo process started with {@link startDemo}. */
export interface StartedDemo {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** Resolves once the demo has printed `text` on its standard output. */
  waitForOutput(text: string): Promise<void>;
  readonly done: Promise<DemoRun>;
}

/**
 * Starts the built demo as a user would, in its own process. The environment starts from this
 * process's without the variables that choose services or settings, so each test says
 * exactly which ones the demo sees.
 */
export function startDemo(env: Record<string, string>, args: readonly string[] = []): StartedDemo {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) =>
        !['DATABASE_URL', 'REDIS_URL', 'VAULT_DIR'].includes(name) && !name.startsWith('X_'),
    ),
  );
  const child = spawn(process.execPath, [DEMO, ...args], {
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiting: { text: string; resolve: () => void }[] = [];
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    for (const waiter of waiting.filter(({ text }) => stdout.includes(text))) {
      waiting.splice(waiting.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const done = new Promise<DemoRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return {
    child,
    done,
    waitForOutput: (text) =>
      stdout.includes(text)
        ? Promise.resolve()
        : Promise.race([
            new Promise<void>((resolve) => waiting.push({ text, resolve })),
            done.then((run) => {
              throw new Error(
                `the demo ended without printing ${JSON.stringify(text)}:\n${run.stdout}${run.stderr}`,
              );
            }),
          ]),
  };
}

/** Runs the built demo to its end (see {@link startDemo}). */
export function runDemo(
  env: Record<string, string>,
  args: readonly string[] = [],
): Promise<DemoRun> {
  return startDemo(env, args).done;
}
