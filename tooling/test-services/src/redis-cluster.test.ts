import { existsSync } from 'node:fs';
import { createCluster } from 'redis';
import { afterAll, describe, expect, it } from 'vitest';
import { expectGone, printedBeforeCrash, type Traces, withNode } from '../test/processes.js';
import { type RedisClusterHandle, startRedisCluster, withRedisCluster } from './redis-cluster.js';
import { testRedisPrefix } from './redis-prefix.js';

function traces(cluster: Pick<RedisClusterHandle, 'nodes' | 'pids' | 'dir'>): Traces {
  return { ports: cluster.nodes.map((node) => node.port), pids: cluster.pids, dir: cluster.dir };
}

describe('startRedisCluster', () => {
  let cluster: RedisClusterHandle | undefined;
  afterAll(async () => {
    await cluster?.stop();
  });

  it('runs three masters that share the keyspace', async () => {
    cluster = await startRedisCluster({ masters: 3 });
    expect(cluster.nodes).toHaveLength(3);
    expect(cluster.rootNodes).toEqual(
      cluster.nodes.map((node) => ({ url: `redis://127.0.0.1:${node.port}` })),
    );
    expect(new Set(cluster.nodes.map((node) => node.port)).size).toBe(3);
    expect(existsSync(cluster.dir)).toBe(true);
    const ports = cluster.nodes.map((node) => node.port);
    const [firstPort] = ports;
    if (firstPort === undefined) throw new Error('no node');

    // Which master owns which slot, as the cluster itself reports it.
    const ranges = await withNode(firstPort, async (client) => {
      const reply = (await client.sendCommand(['CLUSTER', 'SLOTS'])) as [
        number,
        number,
        [string, number, ...unknown[]],
        ...unknown[],
      ][];
      return reply.map(([first, last, [, port]]) => ({ first, last, port }));
    });
    expect(ranges).toHaveLength(3);
    expect(new Set(ranges.map((range) => range.port))).toEqual(new Set(ports));
    const owner = (slot: number): number => {
      const range = ranges.find((r) => r.first <= slot && slot <= r.last);
      if (range === undefined) throw new Error(`slot ${slot} has no owner`);
      return range.port;
    };

    const clusterErrors: unknown[] = [];
    const client = createCluster({ rootNodes: cluster.rootNodes });
    // node-redis turns an unhandled 'error' event into a crash of the whole process.
    client.on('error', (error) => clusterErrors.push(error));
    await client.connect();
    try {
      expect(client.masters).toHaveLength(3);
      const prefix = testRedisPrefix('cluster');
      const written = new Map<string, { value: string; port: number }>();
      const keysByPort = new Map<number, string[]>();
      await withNode(firstPort, async (admin) => {
        for (let i = 0; keysByPort.size < 3 || i < 12; i++) {
          if (i >= 1000) throw new Error('1000 keys did not reach all three masters');
          const key = `${prefix}key-${i}`;
          const slot = Number(await admin.sendCommand(['CLUSTER', 'KEYSLOT', key]));
          const port = owner(slot);
          const value = `value-${i}-${port}`;
          await client.set(key, value);
          written.set(key, { value, port });
          keysByPort.set(port, [...(keysByPort.get(port) ?? []), key]);
        }
      });
      expect([...keysByPort.keys()].sort()).toEqual([...ports].sort());

      // Each master holds its own keys and only those.
      for (const port of ports) {
        const own = keysByPort.get(port) ?? [];
        expect(own.length, `keys on :${port}`).toBeGreaterThanOrEqual(1);
        await withNode(port, async (node) => {
          expect(Number(await node.sendCommand(['DBSIZE']))).toBe(own.length);
          for (const key of own) {
            expect(await node.sendCommand(['GET', key])).toBe(written.get(key)?.value);
          }
        });
      }

      // And the cluster client reads every key back from wherever it lives.
      for (const [key, { value }] of written) expect(await client.get(key)).toBe(value);
    } finally {
      await client.close();
    }
    expect(clusterErrors).toEqual([]);
  });

  it('stop() ends the nodes, closes their ports and removes the directory, once', async () => {
    if (cluster === undefined) throw new Error('the previous test did not start a cluster');
    const stopped = cluster;
    await stopped.stop();
    await expectGone(traces(stopped));
    await expect(stopped.stop()).resolves.toBeUndefined();
  });

  it('starts one master owning every slot', async () => {
    await withRedisCluster(
      async (single) => {
        expect(single.nodes).toHaveLength(1);
        await withNode(single.nodes[0]?.port ?? 0, async (node) => {
          const info = String(await node.sendCommand(['CLUSTER', 'INFO']));
          expect(info).toContain('cluster_state:ok');
          expect(info).toContain('cluster_slots_assigned:16384');
        });
      },
      { masters: 1 },
    );
  });

  it('says to install redis-server when the binary is missing', async () => {
    await expect(startRedisCluster({ redisServer: '/nonexistent/redis-server' })).rejects.toThrow(
      /install it \(Debian package `redis-server`/,
    );
  });
});

describe('cleanup when a test fails', () => {
  it('withRedisCluster stops the cluster when its body throws', async () => {
    let seen: RedisClusterHandle | undefined;
    await expect(
      withRedisCluster(async (cluster) => {
        seen = cluster;
        for (const node of cluster.nodes) {
          await withNode(node.port, async (client) => {
            expect(await client.sendCommand(['PING'])).toBe('PONG');
          });
        }
        throw new Error('the test body failed');
      }),
    ).rejects.toThrow('the test body failed');
    if (seen === undefined) throw new Error('the body never ran');
    await expectGone(traces(seen));
  });

  it('kills the nodes when the process dies without stopping them', async () => {
    const started = (await printedBeforeCrash((source) =>
      [
        `import { startRedisCluster } from ${source('redis-cluster')};`,
        'const cluster = await startRedisCluster();',
        'console.log(JSON.stringify({ nodes: cluster.nodes, pids: cluster.pids, dir: cluster.dir }));',
      ].join('\n'),
    )) as Pick<RedisClusterHandle, 'nodes' | 'pids' | 'dir'>;
    expect(started.nodes).toHaveLength(3);
    await expectGone(traces(started));
  });
});
