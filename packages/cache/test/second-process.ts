/**
 * Another process on the same cache, for tests that need a real second process (its own
 * connection, its own memory): `second-process.ts <redis|cluster> <url>[,<url>…] <prefix>`.
 *
 * Prints `{"ready":true}` once connected, then answers each JSON request read from stdin with
 * one JSON line on stdout:
 * - `{"op":"get","model":"Note","ids":[1,2]}` → `{"found":[{…}|null, …],"stats":{…}}`
 * - `{"op":"deleteAll","model":"Note"}` → `{"ok":true,"stats":{…}}`
 * Exits once stdin ends.
 */
import { createInterface } from 'node:readline';
import { createClient, createCluster } from 'redis';
import { type Model, type ModelStatic, Sequelize } from 'sequelize';
import { CacheManager } from '../src/index.js';
import { initModels, Note, Pair, Tagged } from './models.js';

const [kind, urls, prefix] = process.argv.slice(2);
if ((kind !== 'redis' && kind !== 'cluster') || urls === undefined || prefix === undefined) {
  process.stderr.write('usage: second-process.ts <redis|cluster> <url>[,<url>…] <prefix>\n');
  process.exit(2);
}

// The models need a Sequelize instance, never a connection: nothing here queries the database.
const sequelize = new Sequelize({ dialect: 'postgres', logging: false });
initModels(sequelize);
const models: Record<string, ModelStatic<Model>> = { Note, Pair, Tagged };

const onConnectionError = (error: unknown) => {
  process.stderr.write(`connection error: ${String(error)}\n`);
};
const client =
  kind === 'redis'
    ? await createClient({ url: urls }).on('error', onConnectionError).connect()
    : await createCluster({ rootNodes: urls.split(',').map((url) => ({ url })) })
        .on('error', onConnectionError)
        .connect();

const cache = new CacheManager(client, 60, {
  prefix,
  onError: (error, operation) => process.stderr.write(`${operation}: ${error.message}\n`),
});

interface Request {
  readonly op: 'get' | 'deleteAll';
  readonly model: string;
  readonly ids?: unknown[];
}

async function answer(request: Request): Promise<object> {
  const model = models[request.model];
  if (model === undefined) throw new Error(`unknown model ${request.model}`);
  if (request.op === 'deleteAll') {
    await cache.deleteAll(model);
    return { ok: true, stats: cache.stats() };
  }
  const found = await cache.getMany(model, (request.ids ?? []) as never[]);
  return {
    found: found.map((instance) => (instance === null ? null : instance.get({ plain: true }))),
    stats: cache.stats(),
  };
}

const lines = createInterface({ input: process.stdin });
// One request at a time, in order: the parent waits for each answer before it goes on.
let queue: Promise<void> = Promise.resolve();
lines.on('line', (line) => {
  queue = queue.then(async () => {
    let reply: object;
    try {
      reply = await answer(JSON.parse(line) as Request);
    } catch (error) {
      reply = { error: error instanceof Error ? error.message : String(error) };
    }
    process.stdout.write(`${JSON.stringify(reply)}\n`);
  });
});
lines.on('close', () => {
  void queue.then(async () => {
    cache.close();
    await client.close();
    await sequelize.close();
  });
});

process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
