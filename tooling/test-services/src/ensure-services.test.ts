import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { ensureServices, ServicesUnavailableError } from './ensure-services.js';
import { findFreePort, isPortFree } from './free-port.js';
import { probeService } from './probe.js';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const port = await findFreePort();
  expect(await isPortFree(port)).toBe(true);
  return port;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

describe('ensureServices', () => {
  it('passes when PostgreSQL, MariaDB and Redis answer', async () => {
    await expect(ensureServices(['postgres', 'mariadb', 'redis'])).resolves.toBeUndefined();
  });

  it('passes for an empty list', async () => {
    await expect(ensureServices([])).resolves.toBeUndefined();
  });

  it('fails with the URL, the error and the start command when a service is down', async () => {
    const port = await closedPort();
    const url = `redis://127.0.0.1:${port}`;
    const error = await rejection(
      ensureServices(['redis'], { start: false, env: { REDIS_URL: url } }),
    );
    expect(error).toBeInstanceOf(ServicesUnavailableError);
    expect(error.message).toContain(`redis at ${url}`);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toMatch(
      new RegExp(`start it with: \\S*redis-server --daemonize yes .*--port ${port} `),
    );
    expect(error.message).toContain('or set REDIS_URL');
    expect(await isPortFree(port)).toBe(true);
  });

  it('lists every missing service in one error and hides passwords', async () => {
    const redisPort = await closedPort();
    const mariadbPort = await closedPort();
    const error = await rejection(
      ensureServices(['postgres', 'mariadb', 'redis'], {
        start: false,
        env: {
          REDIS_URL: `redis://:hunter2@127.0.0.1:${redisPort}`,
          MARIADB_URL: `mariadb://root:hunter2@127.0.0.1:${mariadbPort}/test`,
        },
      }),
    );
    expect(error).toBeInstanceOf(ServicesUnavailableError);
    const failures = (error as ServicesUnavailableError).failures;
    expect(failures.map((failure) => failure.service)).toEqual(['mariadb', 'redis']);
    expect(error.message).toMatch(/^2 services the tests need are not reachable:/);
    expect(error.message).toContain(`mariadb at mariadb://root@127.0.0.1:${mariadbPort}/test`);
    expect(error.message).toContain(`redis at redis://127.0.0.1:${redisPort}`);
    expect(error.message).toContain('or set MARIADB_URL');
    expect(error.message).not.toContain('hunter2');
    expect(error.message).not.toContain('postgres at');
  });

  it('does not try to start a service on another host', async () => {
    const url = 'postgres://postgres@192.0.2.1:5432/test';
    const error = await rejection(
      ensureServices(['postgres'], { env: { DATABASE_URL: url }, connectTimeoutMs: 500 }),
    );
    expect(error.message).toContain(`postgres at ${url}`);
    expect(error.message).toContain('192.0.2.1:5432 is not this machine');
    expect(error.message).toContain('or set DATABASE_URL');
  });

  it('rejects unknown service names', async () => {
    await expect(ensureServices(['mongodb' as never])).rejects.toThrow(/Unknown service "mongodb"/);
  });

  it('starts a local Redis that is down and waits until it answers', async () => {
    const port = await closedPort();
    const url = `redis://127.0.0.1:${port}`;
    try {
      await ensureServices(['redis'], { env: { REDIS_URL: url } });
      await expect(probeService('redis', url)).resolves.toBeUndefined();
    } finally {
      // The server was daemonized: shut it down so the test leaves nothing running.
      const client = createClient({ url, socket: { reconnectStrategy: false } });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.sendCommand(['SHUTDOWN', 'NOSAVE']).catch(() => {});
      } catch {}
      client.destroy();
    }
    for (let i = 0; i < 50 && !(await isPortFree(port)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await isPortFree(port)).toBe(true);
  });
});
