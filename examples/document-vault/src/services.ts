import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { type CacheStore, MemoryStore, type RedisClientLike } from '@x/cache';
import { createClient } from 'redis';
import { QueryTypes, Sequelize } from 'sequelize';
import { DemoError, settleEach } from './demo-error.js';

export interface Database {
  readonly sequelize: Sequelize;
  /** What the summary prints: which server, where. */
  readonly description: string;
  close(): Promise<void>;
}

/**
 * PostgreSQL at `url`; without a URL, PostgreSQL inside this process: PGlite (PostgreSQL
 * compiled to WebAssembly) served to `pg`, and so to Sequelize, over a loopback socket. With
 * `dataDir` the embedded database is kept in that folder; without it, it lives in memory.
 */
export async function openDatabase(
  url: string | undefined,
  dataDir: string | undefined,
): Promise<Database> {
  if (url !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new DemoError(`DATABASE_URL must be a postgres:// URL, got ${maskPassword(url)}.`);
    }
    const sequelize = new Sequelize(url, { logging: false });
    try {
      await sequelize.authenticate();
    } catch (error) {
      await sequelize.close();
      throw new DemoError(
        `Cannot reach PostgreSQL at ${maskPassword(url)} (${messageOf(error)}). ` +
          'Start it, or unset DATABASE_URL to use the embedded database.',
        { cause: error },
      );
    }
    const close = () => sequelize.close();
    return {
      sequelize,
      description: `PostgreSQL ${await closingOnError(serverVersion(sequelize), close)} at ${maskPassword(url)}`,
      close,
    };
  }

  const pglite = await PGlite.create(dataDir).catch((error: unknown) => {
    const where = dataDir === undefined ? 'in memory' : `in ${dataDir}`;
    throw new DemoError(`Cannot open the embedded database ${where} (${messageOf(error)}).`, {
      cause: error,
    });
  });
  const server = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port: 0 });
  await closingOnError(server.start(), () => pglite.close());
  // PGlite is one session: the server gives it one connection at a time, so the pool holds one.
  const sequelize = new Sequelize(`postgres://postgres@${server.getServerConn()}/postgres`, {
    logging: false,
    pool: { max: 1 },
  });
  // Each step even if the one before failed: PGlite must be closed to leave its files consistent.
  const close = async () => {
    const problems = await settleEach([
      () => sequelize.close(),
      () => server.stop(),
      () => pglite.close(),
    ]);
    if (problems.length > 0) throw problems[0];
  };
  return {
    sequelize,
    description:
      `PostgreSQL ${await closingOnError(serverVersion(sequelize), close)}, embedded (PGlite, ` +
      `${dataDir === undefined ? 'in memory' : `kept in ${dataDir}`}; DATABASE_URL not set)`,
    close,
  };
}

/** `work`'s result; when it fails, `close` runs first, so a failed open leaves nothing running. */
async function closingOnError<T>(work: Promise<T>, close: () => Promise<void>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    await close();
    throw error;
  }
}

export interface CacheBackend {
  /** What `CacheManager` takes: a connected node-redis client, or a `CacheStore`. */
  readonly client: RedisClientLike | CacheStore;
  readonly description: string;
  close(): Promise<void>;
}

/** Redis at `url`; without a URL, the cache package's in-process `MemoryStore`. */
export async function openCache(url: string | undefined): Promise<CacheBackend> {
  if (url === undefined) {
    return {
      client: new MemoryStore(),
      description: 'MemoryStore in this process (REDIS_URL not set)',
      close: async () => {},
    };
  }
  // An unreachable server at start is an error to show now, not a reconnect loop; once
  // connected, a dropped connection is retried (reads fail open meanwhile).
  let connected = false;
  const client = createClient({
    url,
    socket: {
      connectTimeout: 5000,
      // A server that holds the connection but stops answering is dropped, not waited for.
      socketTimeout: 5000,
      reconnectStrategy: (retries) => (connected ? Math.min(50 * 2 ** retries, 2000) : false),
    },
  });
  // node-redis ends the process on an 'error' event nobody listens to; the cache reports
  // failures through its own onError, so this listener only keeps the process alive.
  client.on('error', () => {});
  try {
    await client.connect();
    connected = true;
  } catch (error) {
    throw new DemoError(
      `Cannot reach Redis at ${maskPassword(url)} (${messageOf(error)}). ` +
        'Start it, or unset REDIS_URL to cache in memory.',
      { cause: error },
    );
  }
  const info = await closingOnError(client.info('server'), () => client.close());
  const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown version';
  return {
    client,
    description: `Redis ${version} at ${maskPassword(url)}`,
    // close() waits for the replies still due; a server that stopped answering gets 2 s.
    close: async () => {
      if (!client.isOpen) return;
      const timeout = new Promise((resolve) => setTimeout(resolve, 2000).unref());
      await Promise.race([client.close().catch(() => {}), timeout]);
      if (client.isOpen) client.destroy();
    },
  };
}

async function serverVersion(sequelize: Sequelize): Promise<string> {
  const [row] = await sequelize.query<{ server_version: string }>('SHOW server_version', {
    type: QueryTypes.SELECT,
  });
  return row?.server_version.split(' ')[0] ?? 'unknown version';
}

/** The URL with its password replaced by `***`, for messages and the summary. */
export function maskPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(not a valid URL)';
  }
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return messageOf(error.errors[0]);
  }
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${messageOf(error.cause)}` : '';
    return `${error.message || error.name}${cause}`;
  }
  return String(error);
}
