import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePort } from '@x/test-services';

/**
 * A `redis-server` owned by one test file, on a free loopback port, that the test may kill,
 * restart on the same port, or freeze: the faults a shared server must never suffer.
 */
export interface PrivateRedis {
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** The process id of the running server; -1 while none runs. */
  readonly pid: number;
  /** Starts the server on `port` again after `kill()`, and waits until it answers. */
  start(): Promise<void>;
  /** SIGKILL: the server dies without closing connections cleanly. Resolves once it exited. */
  kill(): Promise<void>;
  /** SIGSTOP: the server keeps its connections open but answers nothing. */
  pause(): void;
  /** SIGCONT after `pause()`. */
  resume(): void;
  /** Kills the server (if running) and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 10_000;

/** Servers still running, killed when this process exits (also after a failed afterAll). */
const live = new Set<ChildProcess>();
const dirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) {
      try {
        child.kill('SIGKILL');
      } catch {}
    }
    for (const dir of dirs) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {}
    }
  });
}

interface Running {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  log(): string;
}

/**
 * Starts a private `redis-server` (no persistence, its files in a fresh temporary directory)
 * on a free loopback port and waits until it answers.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), 'x-cache-redis-'));
  dirs.add(dir);
  let port = 0;
  let running: Running | undefined;

  const launch = async (): Promise<void> => {
    const node = spawnServer(port, dir);
    running = node;
    try {
      await waitForPing(port, node);
    } catch (error) {
      await killRunning(node);
      running = undefined;
      throw error;
    }
  };

  let lastError: unknown;
  for (let attempt = 0; attempt < 5 && running === undefined; attempt++) {
    port = await findFreePort();
    try {
      await launch();
    } catch (error) {
      lastError = error;
      if (!/address already in use/i.test(String((error as Error).message))) break;
    }
  }
  if (running === undefined) {
    rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
    throw new Error(`could not start a private redis-server: ${String(lastError)}`, {
      cause: lastError,
    });
  }

  let stopped = false;
  return {
    port,
    url: `redis://${HOST}:${port}`,
    get pid() {
      return running?.child.pid ?? -1;
    },
    async start() {
      if (stopped) throw new Error('the private redis-server was stopped for good');
      if (running !== undefined) throw new Error('the private redis-server is running already');
      // The port was this server's a moment ago; retry briefly should the system hold it.
      const deadline = Date.now() + READY_TIMEOUT_MS;
      for (;;) {
        try {
          await launch();
          return;
        } catch (error) {
          if (
            Date.now() > deadline ||
            !/address already in use/i.test(String((error as Error).message))
          )
            throw error;
          await sleep(50);
        }
      }
    },
    async kill() {
      const node = running;
      running = undefined;
      if (node !== undefined) await killRunning(node);
    },
    pause() {
      running?.child.kill('SIGSTOP');
    },
    resume() {
      running?.child.kill('SIGCONT');
    },
    async stop() {
      stopped = true;
      const node = running;
      running = undefined;
      if (node !== undefined) await killRunning(node);
      rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
  };
}

function spawnServer(port: number, dir: string): Running {
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
    dir,
    '--daemonize',
    'no',
  ];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    const done = (): void => {
      live.delete(child);
      resolve();
    };
    child.once('exit', done);
    child.once('error', (error) => {
      keep(Buffer.from(`\n${error.message}\n`));
      if (child.pid === undefined) done();
    });
  });
  // A server a test forgot to stop must not keep the worker alive; the exit hook kills it.
  child.unref();
  for (const stream of [child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }
  return { child, exited, log: () => output };
}

async function killRunning(node: Running): Promise<void> {
  if (node.child.exitCode !== null || node.child.signalCode !== null) return;
  // A stopped process still dies of SIGKILL.
  node.child.kill('SIGKILL');
  await node.exited;
}

async function waitForPing(port: number, node: Running): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (node.child.exitCode !== null || node.child.signalCode !== null) {
      throw new Error(
        `redis-server on port ${port} exited (${node.child.exitCode ?? node.child.signalCode}): ${node.log().trim()}`,
      );
    }
    try {
      const pid = await serverPid(port);
      if (pid === node.child.pid) return;
      lastError = new Error(`port ${port} is served by another process (${pid})`);
    } catch (error) {
      lastError = error;
    }
    await sleep(20);
  }
  throw new Error(
    `redis-server on port ${port} did not answer within ${READY_TIMEOUT_MS} ms: ${String(lastError)}\n${node.log().trim()}`,
  );
}

/**
 * The process id the server on `port` reports (inline `INFO server` over a plain socket), so that
 * a server of someone else that happens to hold the port is never mistaken for ours.
 */
function serverPid(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: HOST, port });
    let reply = '';
    const fail = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(1_000, () => fail(new Error('INFO timed out')));
    socket.once('error', fail);
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
