import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findExecutable } from './executables.js';
import { errorMessage } from './timeout.js';

export const HOST = '127.0.0.1';

/** A `redis-server` child process of this package, serving (or about to) on `port`. */
export interface RedisProcess {
  readonly port: number;
  readonly child: ChildProcess;
  /** Resolves once the process exited, or once it turned out it never started. */
  readonly exited: Promise<void>;
  /** The last few kilobytes the server printed. */
  log(): string;
}

/** How a server is started: {@link startRedisProcess}. */
export interface RedisProcessSpec {
  /** The `redis-server` binary, from {@link findRedisServer}. */
  readonly server: string;
  /** The directory the server keeps its files in. */
  readonly dir: string;
  /** Arguments after the common ones (port, loopback, no persistence, `dir`, foreground). */
  readonly extraArgs?: (port: number) => readonly string[];
  /** How long the server may take to answer, in ms. */
  readonly readyTimeoutMs: number;
}

/** Processes and directories still there, removed when this process exits. */
const liveChildren = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;

// A test that fails before it stops its servers must leave no process and no directory behind.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of liveChildren) {
      try {
        child.kill('SIGKILL');
      } catch {}
    }
    for (const dir of liveDirs) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {}
    }
  });
}

/** The absolute path of `explicit`, or of `redis-server` when none is given; throws saying how to install it. */
export function findRedisServer(explicit: string | undefined): string {
  const found = findExecutable(explicit ?? 'redis-server');
  if (found === undefined) {
    throw new Error(
      `${explicit ?? 'redis-server'} was not found or is not executable. A Redis server for the ` +
        'tests needs the redis-server binary (7.0 or newer): install it (Debian package ' +
        '`redis-server`, e.g. `apt-get install redis-server`) or pass its path as `redisServer`.',
    );
  }
  return found;
}

/** A fresh temporary directory, removed at the latest when this process exits. */
export async function makeServerDir(prefix: string): Promise<string> {
  installExitHook();
  const dir = await mkdtemp(join(tmpdir(), prefix));
  liveDirs.add(dir);
  return dir;
}

export async function removeServerDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  liveDirs.delete(dir);
}

/** How often {@link startRedisProcess} tries again when the port turns out to be taken. */
export interface RetryPolicy {
  /** Tries at most (default: no limit but `withinMs`). */
  readonly attempts?: number;
  /** No new try after this many ms (default: no limit but `attempts`). */
  readonly withinMs?: number;
  /** Between two tries, in ms (default 0). */
  readonly pauseMs?: number;
}

/**
 * Starts a server on the port `pickPort` gives and waits until it answers as itself. When the
 * port turns out to be taken, asks `pickPort` again (another port, or the same one a little
 * later) as `retry` allows.
 */
export async function startRedisProcess(
  spec: RedisProcessSpec,
  pickPort: () => Promise<number>,
  retry: RetryPolicy,
): Promise<RedisProcess> {
  const attempts = retry.attempts ?? Number.POSITIVE_INFINITY;
  const giveUpAt = Date.now() + (retry.withinMs ?? Number.POSITIVE_INFINITY);
  let lastError: unknown;
  let tries = 0;
  while (tries < Math.max(1, attempts) && (tries === 0 || Date.now() < giveUpAt)) {
    if (tries++ > 0 && retry.pauseMs !== undefined) await sleep(retry.pauseMs);
    const node = spawnRedisProcess(spec, await pickPort());
    try {
      await waitUntilServing(node, spec.readyTimeoutMs);
      return node;
    } catch (error) {
      lastError = error;
      await endRedisProcess(node, 0);
      if (!/address already in use/i.test(node.log())) throw error;
    }
  }
  throw new Error(
    `gave up after ${tries} tries, the port was taken each time: ${errorMessage(lastError)}`,
    { cause: lastError },
  );
}

function spawnRedisProcess(spec: RedisProcessSpec, port: number): RedisProcess {
  installExitHook();
  const args = [
    '--port',
    String(port),
    '--bind',
    HOST,
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    spec.dir,
    '--daemonize',
    'no',
    ...(spec.extraArgs?.(port) ?? []),
  ];
  const child = spawn(spec.server, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  liveChildren.add(child);
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    const done = (): void => {
      liveChildren.delete(child);
      resolve();
    };
    child.once('exit', done);
    child.once('error', (error) => {
      keep(Buffer.from(`\n${error.message}\n`));
      if (child.pid === undefined) done();
    });
  });
  // A server a test forgot to stop must not keep the process alive; the exit hook kills it.
  child.unref();
  for (const stream of [child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }
  return { port, child, exited, log: () => output };
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null || child.pid === undefined;
}

/**
 * Ends the server and resolves once it exited: SIGTERM first when `graceMs` > 0, SIGKILL when it
 * still runs after that long (at once with 0). SIGKILL also ends a server stopped by SIGSTOP.
 */
export async function endRedisProcess(node: RedisProcess, graceMs: number): Promise<void> {
  if (hasExited(node.child)) return;
  if (graceMs > 0) {
    node.child.kill('SIGTERM');
    const ended = await Promise.race([node.exited.then(() => true), sleep(graceMs, false)]);
    if (ended) return;
  }
  node.child.kill('SIGKILL');
  await node.exited;
}

async function waitUntilServing(node: RedisProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (hasExited(node.child)) {
      throw new Error(
        `redis-server on port ${node.port} exited (${node.child.exitCode ?? node.child.signalCode}): ${node.log().trim()}`,
      );
    }
    try {
      const pid = await serverPid(node.port, node.exited);
      if (pid === node.child.pid) return;
      lastError = new Error(`port ${node.port} is served by another process (${pid})`);
    } catch (error) {
      lastError = error;
    }
    await sleep(20);
  }
  throw new Error(
    `redis-server on port ${node.port} did not answer within ${timeoutMs} ms: ${errorMessage(lastError)}\n${node.log().trim()}`,
  );
}

/**
 * The process id the server on `port` reports (inline `INFO server` over a plain socket), so that
 * a server of someone else that happens to hold the port is never mistaken for ours. Gives up
 * once `exited` resolves: whatever holds the port then is not ours.
 */
function serverPid(port: number, exited: Promise<void>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: HOST, port });
    let reply = '';
    const fail = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(1_000, () => fail(new Error('INFO timed out')));
    void exited.then(() => fail(new Error('the server exited')));
    socket.once('error', fail);
    // A listener that hangs up without answering would otherwise leave this pending for good.
    socket.once('close', () => fail(new Error('the connection closed before INFO was answered')));
    socket.once('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.startsWith('-')) return fail(new Error(`INFO answered ${reply.trim()}`));
      const match = /\bprocess_id:(\d+)\r\n/.exec(reply);
      if (match === null) return;
      socket.destroy();
      resolve(Number(match[1]));
    });
  });
}
