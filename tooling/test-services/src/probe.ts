import { createConnection } from 'mariadb';
import { Client } from 'pg';
import { createClient } from 'redis';
import { mariadbConfig } from './mariadb-config.js';
import type { ServiceName } from './service-urls.js';
import { errorMessage, withTimeout } from './timeout.js';

/** Connect timeout of one check, in milliseconds. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;

/**
 * One real protocol round trip to the service (`SELECT 1`, or `PING` for Redis). Resolves when
 * it answered, rejects with the driver's error otherwise. Never takes much longer than
 * twice `connectTimeoutMs`.
 */
export function probeService(
  name: ServiceName,
  url: string,
  connectTimeoutMs: number = DEFAULT_CONNECT_TIMEOUT_MS,
): Promise<void> {
  switch (name) {
    case 'postgres':
      return probePostgres(url, connectTimeoutMs);
    case 'mariadb':
      return probeMariadb(url, connectTimeoutMs);
    case 'redis':
      return probeRedis(url, connectTimeoutMs);
  }
}

async function probePostgres(url: string, timeoutMs: number): Promise<void> {
  const client = new Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  client.on('error', () => {});
  const roundTrip = async (): Promise<void> => {
    await client.connect();
    await client.query('SELECT 1');
  };
  const startedAt = Date.now();
  try {
    await withTimeout(roundTrip(), timeoutMs * 2, `no answer within ${timeoutMs * 2} ms`);
  } catch (error) {
    // pg reports its connect timeout as a bare "Connection terminated unexpectedly".
    if (Date.now() - startedAt >= timeoutMs - 50 && /terminated/i.test(String(error))) {
      throw new Error(`no connection within ${timeoutMs} ms (${errorMessage(error)})`, {
        cause: error,
      });
    }
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
}

async function probeMariadb(url: string, timeoutMs: number): Promise<void> {
  const config = mariadbConfig(url, { connectTimeout: timeoutMs, queryTimeout: timeoutMs });
  const connecting = createConnection(config);
  const roundTrip = async (): Promise<void> => {
    const connection = await connecting;
    try {
      connection.on('error', () => {});
      await connection.query('SELECT 1');
    } finally {
      await connection.end().catch(() => connection.destroy());
    }
  };
  // A late connection after a timeout is still closed by roundTrip's finally.
  await withTimeout(roundTrip(), timeoutMs * 2, `no answer within ${timeoutMs * 2} ms`);
}

async function probeRedis(url: string, timeoutMs: number): Promise<void> {
  const client = createClient({
    url,
    socket: { connectTimeout: timeoutMs, reconnectStrategy: false },
  });
  // node-redis turns an unhandled 'error' event into a crash of the whole process.
  client.on('error', () => {});
  const roundTrip = async (): Promise<void> => {
    await client.connect();
    const reply: unknown = await client.sendCommand(['PING']);
    if (reply !== 'PONG') throw new Error(`PING answered ${JSON.stringify(reply)}`);
  };
  try {
    await withTimeout(roundTrip(), timeoutMs * 2, `no answer within ${timeoutMs * 2} ms`);
  } finally {
    client.destroy();
  }
}
