import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { findFreeClusterPort } from './free-port.js';
import {
  endRedisProcess,
  findRedisServer,
  HOST,
  hasExited,
  makeServerDir,
  type RedisProcess,
  removeServerDir,
  startRedisProcess,
} from './redis-process.js';
import { errorMessage, withTimeout } from './timeout.js';

/** Options of {@link startRedisCluster}. */
export interface RedisClusterOptions {
  /** Number of masters, each owning an equal share of the 16384 slots (default 3). */
  readonly masters?: number;
  /** The `redis-server` binary (default: found on `PATH` or in the system directories). */
  readonly redisServer?: string;
  /** How long the cluster may take to reach `cluster_state:ok`, in ms (default 20 000). */
  readonly readyTimeoutMs?: number;
}

/** A running throwaway Redis Cluster owned by this process. */
export interface RedisClusterHandle {
  /** The masters, in slot order: node `i` owns the `i`-th share of the slots. */
  readonly nodes: { host: '127.0.0.1'; port: number }[];
  /** Ready for node-redis: `createCluster({ rootNodes: cluster.rootNodes })`. */
  readonly rootNodes: { url: string }[];
  /** Process ids of the `redis-server` processes. */
  readonly pids: number[];
  /** The temporary directory holding the nodes' files; removed by `stop()`. */
  readonly dir: string;
  /** Stops every node (SIGTERM, SIGKILL after 2 s), waits for them, removes `dir`. Idempotent. */
  stop(): Promise<void>;
}

const SLOTS = 16_384;

/**
 * Starts a Redis Cluster of `masters` fresh `redis-server` processes on free loopback ports,
 * assigns the slots evenly, joins the nodes and waits until every node reports
 * `cluster_state:ok` and knows every master. Call `stop()` when done (for instance in
 * `afterAll`); processes still running when this process exits are killed.
 */
export async function startRedisCluster(
  options: RedisClusterOptions = {},
): Promise<RedisClusterHandle> {
  const masters = options.masters ?? 3;
  if (!Number.isInteger(masters) || masters < 1 || masters > SLOTS) {
    throw new Error(`masters must be an integer between 1 and ${SLOTS}, got ${masters}`);
  }
  const server = findRedisServer(options.redisServer);
  const dir = await makeServerDir('x-redis-cluster-');
  const spec = {
    server,
    dir,
    extraArgs: (port: number) => [
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      join(dir, `nodes-${port}.conf`),
      '--cluster-node-timeout',
      '5000',
    ],
    readyTimeoutMs: 10_000,
  };

  const started: RedisProcess[] = [];
  const stop = once(async () => {
    await Promise.all(started.map((node) => endRedisProcess(node, 2_000)));
    await removeServerDir(dir);
  });

  try {
    const results = await Promise.allSettled(
      Array.from({ length: masters }, async () => {
        const node = await startRedisProcess(spec, findFreeClusterPort, { attempts: 5 });
        started.push(node);
        return node;
      }),
    );
    const failed = results.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    const nodes = results.flatMap((result) =>
      result.status === 'fulfilled' ? [result.value] : [],
    );
    await formCluster(nodes, options.readyTimeoutMs ?? 20_000);
    return {
      nodes: nodes.map((node) => ({ host: HOST, port: node.port })),
      rootNodes: nodes.map((node) => ({ url: `redis://${HOST}:${node.port}` })),
      pids: nodes.map((node) => node.child.pid ?? -1),
      dir,
      stop,
    };
  } catch (error) {
    const logs = started
      .map((node) => `--- redis-server :${node.port} ---\n${node.log().trim()}`)
      .join('\n');
    await stop();
    throw new Error(
      `Could not start a Redis Cluster of ${masters} masters: ${errorMessage(error)}` +
        (logs === '' ? '' : `\n${logs}`),
      { cause: error },
    );
  }
}

/**
 * Runs `fn` with a fresh Redis Cluster and stops the cluster afterwards, also when `fn` throws
 * (the returned promise then rejects with `fn`'s error).
 */
export async function withRedisCluster<T>(
  fn: (cluster: RedisClusterHandle) => Promise<T> | T,
  options: RedisClusterOptions = {},
): Promise<T> {
  const cluster = await startRedisCluster(options);
  try {
    return await fn(cluster);
  } finally {
    await cluster.stop();
  }
}

type Send = (args: string[]) => Promise<unknown>;

/** Runs `fn` with a short-lived admin connection to the node on `port`. */
async function withNodeClient<T>(port: number, fn: (send: Send) => Promise<T>): Promise<T> {
  const client = createClient({
    socket: { host: HOST, port, connectTimeout: 2_000, reconnectStrategy: false },
  });
  // node-redis turns an unhandled 'error' event into a crash of the whole process.
  client.on('error', () => {});
  try {
    await withTimeout(client.connect(), 4_000, `connecting to ${HOST}:${port} timed out`);
    return await fn((args) =>
      withTimeout(client.sendCommand(args), 5_000, `${args.join(' ')} on :${port} timed out`),
    );
  } finally {
    client.destroy();
  }
}

/** Assigns the slots, joins the nodes and waits until the cluster is healthy everywhere. */
async function formCluster(nodes: readonly RedisProcess[], timeoutMs: number): Promise<void> {
  await Promise.all(
    nodes.map((node, index) =>
      withNodeClient(node.port, async (send) => {
        // Distinct config epochs, as `redis-cli --cluster create` sets them, spare the nodes
        // resolving an epoch collision before the cluster turns ok.
        await send(['CLUSTER', 'SET-CONFIG-EPOCH', String(index + 1)]);
        const first = Math.floor((index * SLOTS) / nodes.length);
        const last = Math.floor(((index + 1) * SLOTS) / nodes.length) - 1;
        try {
          await send(['CLUSTER', 'ADDSLOTSRANGE', String(first), String(last)]);
        } catch (error) {
          // Redis before 7.0 has no ADDSLOTSRANGE.
          if (!/unknown subcommand/i.test(errorMessage(error))) throw error;
          const slots = Array.from({ length: last - first + 1 }, (_, i) => String(first + i));
          await send(['CLUSTER', 'ADDSLOTS', ...slots]);
        }
      }),
    ),
  );
  const [first, ...others] = nodes;
  if (first !== undefined && others.length > 0) {
    await withNodeClient(first.port, async (send) => {
      for (const other of others) await send(['CLUSTER', 'MEET', HOST, String(other.port)]);
    });
  }

  const deadline = Date.now() + timeoutMs;
  let problem = 'not checked yet';
  while (Date.now() < deadline) {
    problem = (await Promise.all(nodes.map((node) => nodeProblem(node, nodes.length))))
      .filter((found) => found !== undefined)
      .join('; ');
    if (problem === '') return;
    await sleep(100);
  }
  throw new Error(`the cluster was not ready within ${timeoutMs} ms: ${problem}`);
}

/** What keeps the node from being a healthy member of a cluster of `masters` masters. */
async function nodeProblem(node: RedisProcess, masters: number): Promise<string | undefined> {
  if (hasExited(node.child)) return `node :${node.port} exited`;
  try {
    return await withNodeClient(node.port, async (send) => {
      const info = String(await send(['CLUSTER', 'INFO']));
      const field = (name: string): string | undefined =>
        new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
      if (field('cluster_state') !== 'ok') {
        return `node :${node.port} has cluster_state:${field('cluster_state')}`;
      }
      if (field('cluster_slots_ok') !== String(SLOTS)) {
        return `node :${node.port} has cluster_slots_ok:${field('cluster_slots_ok')}`;
      }
      const known = String(await send(['CLUSTER', 'NODES']))
        .split('\n')
        .map((line) => line.split(' '))
        .filter((fields) => {
          const flags = fields[2]?.split(',') ?? [];
          return (
            flags.includes('master') &&
            !flags.some((flag) => ['fail', 'fail?', 'handshake', 'noaddr'].includes(flag)) &&
            fields[7] === 'connected'
          );
        }).length;
      if (known !== masters) return `node :${node.port} knows ${known} of ${masters} masters`;
      return undefined;
    });
  } catch (error) {
    return `node :${node.port}: ${errorMessage(error)}`;
  }
}

/** `fn` run once; later calls share its promise. */
function once(fn: () => Promise<void>): () => Promise<void> {
  let pending: Promise<void> | undefined;
  return () => {
    pending ??= fn();
    return pending;
  };
}
