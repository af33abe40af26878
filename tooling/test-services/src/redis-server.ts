import { findFreeServerPort } from './free-port.js';
import {
  endRedisProcess,
  findRedisServer,
  HOST,
  makeServerDir,
  type RedisProcess,
  type RedisProcessSpec,
  removeServerDir,
  startRedisProcess,
} from './redis-process.js';
import { errorMessage } from './timeout.js';

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** The `redis-server` binary (default: found on `PATH` or in the system directories). */
  readonly redisServer?: string;
  /**
   * How long the server may take to answer after a start, in ms (default 10 000). A restart
   * waits as long for the port to be released.
   */
  readonly readyTimeoutMs?: number;
}

/**
 * A `redis-server` owned by one test file, that the test may kill, restart on the same port or
 * freeze: the faults a shared server must never suffer.
 */
export interface RedisServerHandle {
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** The process id of the running server; -1 while none runs. */
  readonly pid: number;
  /** The temporary directory holding the server's files; removed by `stop()`. */
  readonly dir: string;
  /**
   * Starts the server again on `port` after `kill()` and waits until it answers. The new server
   * starts empty. Rejects while a server runs and after `stop()`.
   */
  start(): Promise<void>;
  /** SIGKILL: the server dies without closing its connections cleanly. Resolves once it exited. */
  kill(): Promise<void>;
  /** SIGSTOP: the server keeps its connections open but answers nothing. */
  pause(): void;
  /** SIGCONT after `pause()`. */
  resume(): void;
  /** Kills the server if it runs (SIGKILL, also when paused) and removes `dir`. Idempotent. */
  stop(): Promise<void>;
}

/** Between two tries to restart on a port the system has not released yet. */
const RESTART_PAUSE_MS = 50;

/**
 * Starts a fresh `redis-server` on a free loopback port, with its files in a temporary directory
 * of its own and no persistence (`--save "" --appendonly no`), and waits until the server on the
 * port answers with this process's id. Call `stop()` when done (for instance in `afterAll`); a
 * server still running when this process exits is killed.
 */
export async function startRedisServer(
  options: RedisServerOptions = {},
): Promise<RedisServerHandle> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  const spec: RedisProcessSpec = {
    server: findRedisServer(options.redisServer),
    dir: await makeServerDir('x-redis-server-'),
    readyTimeoutMs,
  };
  const { dir } = spec;
  let running: RedisProcess | undefined;
  try {
    running = await startRedisProcess(spec, findFreeServerPort, { attempts: 5 });
  } catch (error) {
    await removeServerDir(dir);
    throw new Error(`Could not start a Redis server: ${errorMessage(error)}`, { cause: error });
  }
  const { port } = running;
  let starting: Promise<void> | undefined;
  let stopped = false;

  const restart = async (): Promise<void> => {
    running = await startRedisProcess(spec, async () => port, {
      withinMs: readyTimeoutMs,
      pauseMs: RESTART_PAUSE_MS,
    });
  };

  const end = async (): Promise<void> => {
    const node = running;
    running = undefined;
    if (node !== undefined) await endRedisProcess(node, 0);
  };

  return {
    port,
    url: `redis://${HOST}:${port}`,
    get pid() {
      return running?.child.pid ?? -1;
    },
    dir,
    async start() {
      if (stopped) throw new Error('the Redis server was stopped for good');
      if (running !== undefined || starting !== undefined) {
        throw new Error('the Redis server is running already');
      }
      starting = restart();
      try {
        await starting;
      } finally {
        starting = undefined;
      }
    },
    kill: end,
    pause() {
      running?.child.kill('SIGSTOP');
    },
    resume() {
      running?.child.kill('SIGCONT');
    },
    async stop() {
      stopped = true;
      // A start still under way would otherwise leave its server running until the process exits.
      await starting?.catch(() => {});
      await end();
      await removeServerDir(dir);
    },
  };
}
