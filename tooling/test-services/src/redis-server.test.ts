import { readdirSync, realpathSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import {
  accepts,
  expectGone,
  isRunning,
  printedBeforeCrash,
  processState,
  type Traces,
  withNode,
} from '../test/processes.js';
import {
  type RedisServerHandle,
  type RedisServerOptions,
  startRedisServer,
} from './redis-server.js';

/** Every server a test started, stopped after it also when the test failed half way. */
const servers: RedisServerHandle[] = [];

async function started(options?: RedisServerOptions): Promise<RedisServerHandle> {
  const server = await startRedisServer(options);
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function reportedPid(port: number): Promise<number> {
  const info = await withNode(port, (node) => node.sendCommand(['INFO', 'server']));
  return Number(/\bprocess_id:(\d+)/.exec(String(info))?.[1]);
}

async function config(port: number, name: string): Promise<unknown> {
  const reply = await withNode(port, (node) => node.sendCommand(['CONFIG', 'GET', name]));
  return (reply as Record<string, string>)[name];
}

/** Listens on the loopback `port`, as another program holding it would, and talks to no one. */
async function holdPort(port: number): Promise<Server> {
  // Open connections would keep close() from finishing.
  const holder = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    holder.once('error', reject);
    holder.listen({ port, host: '127.0.0.1' }, resolve);
  });
  return holder;
}

function release(holder: Server): Promise<void> {
  return new Promise((resolve) => holder.close(() => resolve()));
}

function serverDirs(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith('x-redis-server-'));
}

describe('startRedisServer', () => {
  it('serves on a free loopback port as the process it reports, without persistence, in a directory of its own', async () => {
    const server = await started();
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(isRunning(server.pid)).toBe(true);
    expect(await reportedPid(server.port)).toBe(server.pid);
    expect(await config(server.port, 'bind')).toBe('127.0.0.1');
    expect(await config(server.port, 'save')).toBe('');
    expect(await config(server.port, 'appendonly')).toBe('no');
    expect(await config(server.port, 'dir')).toBe(realpathSync(server.dir));

    const client = createClient({ url: server.url });
    client.on('error', () => {});
    await client.connect();
    try {
      await client.set('key', 'value');
      expect(await client.get('key')).toBe('value');
    } finally {
      client.destroy();
    }
  });

  it('gives servers started at once ports and directories of their own', async () => {
    const [first, second] = await Promise.all([started(), started()]);
    if (first === undefined || second === undefined) throw new Error('a server is missing');
    expect(first.port).not.toBe(second.port);
    expect(first.dir).not.toBe(second.dir);
    expect(await reportedPid(first.port)).toBe(first.pid);
    expect(await reportedPid(second.port)).toBe(second.pid);
  });

  it('kill() ends the server at once, even a paused one; start() brings up an empty one on the same port', async () => {
    const server = await started();
    const { port, pid } = server;
    await withNode(port, (node) => node.sendCommand(['SET', 'key', 'value']));

    // A paused process ignores SIGTERM until it is continued: only SIGKILL ends it now.
    server.pause();
    await server.kill();
    expect(server.pid).toBe(-1);
    expect(isRunning(pid)).toBe(false);
    expect(await accepts(port)).toBe(false);
    await expect(server.kill()).resolves.toBeUndefined();

    await server.start();
    expect(server.port).toBe(port);
    expect(server.pid).not.toBe(pid);
    expect(await reportedPid(port)).toBe(server.pid);
    expect(await withNode(port, (node) => node.sendCommand(['GET', 'key']))).toBeNull();
  });

  it('start() refuses while the server runs', async () => {
    const server = await started();
    const { pid } = server;
    await expect(server.start()).rejects.toThrow('running already');
    expect(server.pid).toBe(pid);
  });

  it('pause() freezes the server with its connections open; resume() lets it answer', async () => {
    const server = await started();
    const client = createClient({ url: server.url });
    client.on('error', () => {});
    await client.connect();
    try {
      server.pause();
      let answered = false;
      const ping = client.ping().then((reply) => {
        answered = true;
        return reply;
      });
      await sleep(300);
      expect(answered).toBe(false);
      expect(processState(server.pid)).toBe('T');
      expect(client.isReady).toBe(true);

      server.resume();
      expect(await ping).toBe('PONG');
      expect(processState(server.pid)).not.toBe('T');
    } finally {
      client.destroy();
    }
  });

  it('start() waits until the port is free again', async () => {
    const server = await started();
    await server.kill();
    const holder = await holdPort(server.port);
    const starting = server.start();
    await sleep(300);
    expect(server.pid).toBe(-1);
    await release(holder);
    await starting;
    expect(await reportedPid(server.port)).toBe(server.pid);
  });

  it('start() gives up after readyTimeoutMs when the port stays taken, and can be tried again', async () => {
    const server = await started({ readyTimeoutMs: 1_000 });
    await server.kill();
    const holder = await holdPort(server.port);
    try {
      await expect(server.start()).rejects.toThrow(/address already in use/i);
      expect(server.pid).toBe(-1);
    } finally {
      await release(holder);
    }
    await server.start();
    expect(await reportedPid(server.port)).toBe(server.pid);
  });

  it('stop() ends the server and removes its directory, once; start() then refuses', async () => {
    const server = await started();
    const traces: Traces = { ports: [server.port], pids: [server.pid], dir: server.dir };
    await server.stop();
    expect(server.pid).toBe(-1);
    await expectGone(traces);
    await expect(server.stop()).resolves.toBeUndefined();
    await expect(server.start()).rejects.toThrow('stopped for good');
  });

  it('says to install redis-server when the binary is missing', async () => {
    await expect(startRedisServer({ redisServer: '/nonexistent/redis-server' })).rejects.toThrow(
      /install it \(Debian package `redis-server`/,
    );
  });

  it('leaves no directory behind when the server does not start', async () => {
    const before = serverDirs();
    await expect(startRedisServer({ redisServer: 'false' })).rejects.toThrow(
      /Could not start a Redis server: .*exited \(1\)/,
    );
    expect(serverDirs().filter((name) => !before.includes(name))).toEqual([]);
  });
});

describe('cleanup when the process dies', () => {
  it('kills the server and removes its directory when the process dies without stopping it', async () => {
    const traces = (await printedBeforeCrash((source) =>
      [
        `import { startRedisServer } from ${source('redis-server')};`,
        'const server = await startRedisServer();',
        'console.log(JSON.stringify({ ports: [server.port], pids: [server.pid], dir: server.dir }));',
      ].join('\n'),
    )) as Traces;
    await expectGone(traces);
  });
});
