import { spawn } from 'node:child_process';
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

/**
 * Runs the built demo as a user would, in its own process. The environment starts from this
 * process's without the variables that choose services or settings, so each test says
 * exactly which ones the demo sees.
 */
export function runDemo(
  env: Record<string, string>,
  args: readonly string[] = [],
): Promise<DemoRun> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) =>
        !['DATABASE_URL', 'REDIS_URL', 'VAULT_DIR'].includes(name) && !name.startsWith('X_'),
    ),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEMO, ...args], {
      env: { ...base, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
