import { createClient, createCluster } from 'redis';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from './memory-store.js';
import { escapeGlob, isRedisClientOrCluster, isRedisCluster } from './redis-store.js';

/** Whether Redis's glob matching (as in SCAN MATCH) would match `text` with `pattern`. */
function globMatches(pattern: string, text: string): boolean {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] as string;
    if (char === '\\') {
      const next = pattern[++index] ?? '';
      source += next.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else if (char === '*') source += '[\\s\\S]*';
    else if (char === '?') source += '[\\s\\S]';
    else if (char === '[') {
      const end = pattern.indexOf(']', index + 1);
      source += `[${pattern.slice(index + 1, end).replace(/\\/g, '\\\\')}]`;
      index = end;
    } else source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`).test(text);
}

const noop = (): void => {};

describe('escapeGlob', () => {
  it('leaves a prefix without glob characters as it is', () => {
    expect(escapeGlob('x:')).toBe('x:');
    expect(escapeGlob('shop-1:e:users%3A2:')).toBe('shop-1:e:users%3A2:');
    expect(escapeGlob('')).toBe('');
  });

  it('escapes *, ?, [, ] and backslash', () => {
    expect(escapeGlob('a*b')).toBe('a\\*b');
    expect(escapeGlob('a?b')).toBe('a\\?b');
    expect(escapeGlob('[ab]')).toBe('\\[ab\\]');
    expect(escapeGlob('a\\b')).toBe('a\\\\b');
    expect(escapeGlob('*?[]\\')).toBe('\\*\\?\\[\\]\\\\');
  });

  it('makes a pattern that matches the prefix literally and nothing it did not start with', () => {
    const prefixes = ['x:', 'a*:', 'a?:', '[ab]:', 'a\\:', 'a\\*:', '^$.+(){}|:', 'ä漢:'];
    const candidates = [
      'x:1',
      'xy:1',
      'a*:1',
      'ab:1',
      'a:1',
      'a?:1',
      'az:1',
      '[ab]:1',
      'a]:1',
      'b:1',
      'a\\:1',
      'a\\*:1',
      'a\\x:1',
      '^$.+(){}|:1',
      'ä漢:1',
    ];
    for (const prefix of prefixes) {
      const pattern = `${escapeGlob(prefix)}*`;
      for (const key of candidates) {
        expect(globMatches(pattern, key), `${pattern} against ${key}`).toBe(key.startsWith(prefix));
      }
    }
  });
});

describe('isRedisCluster and isRedisClientOrCluster', () => {
  const clientLike = { sendCommand: noop, isReady: false, on: noop, off: noop };
  const clusterLike = { ...clientLike, masters: [], nodeClient: noop };

  it('recognise a client-shaped object as a client only', () => {
    expect(isRedisClientOrCluster(clientLike)).toBe(true);
    expect(isRedisCluster(clientLike)).toBe(false);
  });

  it('recognise a cluster-shaped object as a cluster', () => {
    expect(isRedisClientOrCluster(clusterLike)).toBe(true);
    expect(isRedisCluster(clusterLike)).toBe(true);
  });

  it('find isReady on the prototype too (node-redis defines it as a getter)', () => {
    const proto = {
      get isReady() {
        return true;
      },
    };
    const client = Object.assign(Object.create(proto) as object, { sendCommand: noop, on: noop });
    expect(isRedisClientOrCluster(client)).toBe(true);
  });

  it.each([
    ['no sendCommand', { isReady: true, on: noop }],
    ['a sendCommand that is not a function', { sendCommand: 1, isReady: true, on: noop }],
    ['no isReady', { sendCommand: noop, on: noop }],
    ['no on', { sendCommand: noop, isReady: true }],
    ['an on that is not a function', { sendCommand: noop, isReady: true, on: 'x' }],
  ])('do not take an object with %s for a client', (_name, value) => {
    expect(isRedisClientOrCluster(value)).toBe(false);
    expect(isRedisCluster(value)).toBe(false);
  });

  it('need both masters and a nodeClient function for a cluster', () => {
    expect(isRedisCluster({ ...clientLike, masters: [] })).toBe(false);
    expect(isRedisCluster({ ...clientLike, nodeClient: noop })).toBe(false);
    expect(isRedisCluster({ ...clientLike, masters: [], nodeClient: 'x' })).toBe(false);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'redis://127.0.0.1:6379'],
    ['a number', 6379],
    ['a function', noop],
    ['an empty object', {}],
  ])('reject %s', (_name, value) => {
    expect(isRedisClientOrCluster(value)).toBe(false);
    expect(isRedisCluster(value)).toBe(false);
  });

  it('do not take a MemoryStore for Redis', () => {
    const store = new MemoryStore();
    expect(isRedisClientOrCluster(store)).toBe(false);
    expect(isRedisCluster(store)).toBe(false);
  });

  // Real node-redis objects, created but never connected, so the shapes above stay true to them.
  it('recognise node-redis clients, typed-mapping proxies and clusters (not connected)', () => {
    const client = createClient();
    const resp3 = createClient({ RESP: 3, clientSideCache: { ttl: 0, maxEntries: 10 } });
    const mapped = createClient().withTypeMapping({});
    const cluster = createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:1' }] });
    for (const single of [client, resp3, mapped]) {
      expect(isRedisClientOrCluster(single)).toBe(true);
      expect(isRedisCluster(single)).toBe(false);
    }
    expect(isRedisClientOrCluster(cluster)).toBe(true);
    expect(isRedisCluster(cluster)).toBe(true);
    expect(client.isReady).toBe(false);
  });
});
