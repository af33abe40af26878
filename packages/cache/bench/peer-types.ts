// What a round trip through the cache does to each value's type: a row loaded from PostgreSQL,
// stored and read back by CacheManager and by cache-manager on @keyv/redis (stored as a user
// would, `cache.set(key, instance)`). Prints one line per attribute: the type findByPk gives,
// then what each cache gives back. Fails when CacheManager changes a type or a value.
//
// usage: node --import tsx bench/peer-types.ts
import { isDeepStrictEqual } from 'node:util';
import { createKeyv } from '@keyv/redis';
import { serviceUrls } from '@x/test-services';
import { createCache } from 'cache-manager';
import { DataTypes, Model, Sequelize } from 'sequelize';
import { CacheManager } from '../src/index.js';
import { connectRedis, deleteMatching } from './fixtures.js';

/** A model with the row's columns plus the types a JSON round trip is known to change. */
class Account extends Model {}

/** `Date`, `Buffer`, `string "1234.56"`, `Account instance`, `plain object`. */
function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Date) return 'Date';
  if (Buffer.isBuffer(value)) return 'Buffer';
  if (value instanceof Model) return `${value.constructor.name} instance`;
  if (Array.isArray(value)) return 'Array';
  if (typeof value === 'object') {
    return Object.getPrototypeOf(value) === Object.prototype ? 'plain object' : 'object';
  }
  return typeof value;
}

function sample(value: unknown): string {
  if (Buffer.isBuffer(value)) return `<${value.toString('hex')}>`;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return String(value);
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

const suffix = `${process.pid}_${Date.now().toString(36)}`;
const sequelize = new Sequelize(serviceUrls().postgres, { logging: false });
const redis = await connectRedis();
const prefix = `xbench:peer_types_${suffix}`;
const peer = createCache({
  stores: [createKeyv(serviceUrls().redis, { namespace: `${prefix}:peer` })],
});
const cache = new CacheManager(redis, 60, { prefix: `${prefix}:cache` });
let failed = false;
try {
  Account.init(
    {
      id: { type: DataTypes.INTEGER, autoIncrement: true, primaryKey: true },
      name: DataTypes.STRING,
      age: DataTypes.INTEGER,
      balance: DataTypes.DECIMAL(12, 2),
      score: DataTypes.FLOAT,
      active: DataTypes.BOOLEAN,
      born: DataTypes.DATEONLY,
      tags: DataTypes.JSONB,
      lastSeen: DataTypes.DATE,
      visits: DataTypes.BIGINT,
      avatar: DataTypes.BLOB,
      note: DataTypes.STRING,
      ratio: DataTypes.FLOAT,
    },
    { sequelize, tableName: `bench_peer_types_${suffix}` },
  );
  await Account.sync();
  const created = await Account.create({
    name: 'Ada Lovelace',
    age: 36,
    balance: '1234.56',
    score: 98.25,
    active: true,
    born: '1815-12-10',
    tags: { plan: 'pro', labels: ['vip'] },
    lastSeen: new Date('2024-05-06T07:08:09.123Z'),
    visits: '9007199254740993',
    avatar: Buffer.from([0x89, 0x50, 0x4e, 0x47]),
    note: ':starts with a colon',
    ratio: Number.POSITIVE_INFINITY,
  });
  const id = created.get('id') as number;
  const loaded = await Account.findByPk(id, { rejectOnEmpty: true });
  await cache.set(loaded);
  const ours = await cache.get(Account, id);
  await peer.set('account', loaded, 60_000);
  const theirs = await peer.get<Record<string, unknown>>('account');

  const rows: string[][] = [
    ['(the value)', typeOf(loaded), typeOf(ours), typeOf(theirs)],
    ['save()', typeof loaded.save, typeof ours?.save, typeof theirs?.save],
  ];
  const data = loaded.get({ plain: true }) as Record<string, unknown>;
  const oursData = (ours?.get({ plain: true }) ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(data)) {
    const back = oursData[name];
    const peerBack = theirs?.[name];
    const lost = !isDeepStrictEqual(peerBack, value);
    rows.push([
      name,
      `${typeOf(value)} ${sample(value)}`,
      `${typeOf(back)}${isDeepStrictEqual(back, value) ? '' : ` ${sample(back)} (CHANGED)`}`,
      `${typeOf(peerBack)}${lost ? ` ${sample(peerBack)} (changed)` : ''}`,
    ]);
    if (!isDeepStrictEqual(back, value)) failed = true;
  }
  if (!(ours instanceof Account) || ours.isNewRecord || ours.changed() !== false) failed = true;

  const widths = [0, 1, 2, 3].map((column) =>
    Math.max(
      ...[
        ['attribute', 'findByPk', 'CacheManager.get', 'cache-manager + @keyv/redis'],
        ...rows,
      ].map((row) => (row[column] ?? '').length),
    ),
  );
  const line = (cells: string[]) =>
    cells.map((cell, column) => cell.padEnd(widths[column] as number)).join('  ');
  process.stdout.write(
    `${[line(['attribute', 'findByPk', 'CacheManager.get', 'cache-manager + @keyv/redis']), ...rows.map(line)].join('\n')}\n`,
  );
} finally {
  cache.close();
  await peer.disconnect();
  await deleteMatching(redis, `${prefix}:*`);
  await redis.close();
  await Account.drop().catch(() => {});
  await sequelize.close();
}
if (failed) {
  process.stderr.write('CacheManager gave back a value of another type or value than findByPk.\n');
  process.exitCode = 1;
}
