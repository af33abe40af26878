import { serviceUrls } from '@x/test-services';
import { createClient } from 'redis';

/** What {@link countKeysUnder} needs of a node-redis client. */
export interface Scanning {
  scanIterator(options: { MATCH: string; COUNT: number }): AsyncIterable<string[]>;
}

/** `text` as a SCAN MATCH pattern that matches it literally. */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** How many keys of the server `redis` talks to start with `prefix`. */
export async function countKeysUnder(redis: Scanning, prefix: string): Promise<number> {
  let count = 0;
  for await (const keys of redis.scanIterator({ MATCH: `${globEscape(prefix)}*`, COUNT: 1000 })) {
    count += keys.length;
  }
  return count;
}

/** Removes the keys starting with `prefix` from the shared Redis, which keeps nothing of a test file. */
export async function removeSharedKeys(prefix: string): Promise<void> {
  // node-redis ends the process on an 'error' event nobody listens to.
  const redis = await createClient({ url: serviceUrls().redis })
    .on('error', () => {})
    .connect();
  try {
    for await (const keys of redis.scanIterator({ MATCH: `${globEscape(prefix)}*`, COUNT: 1000 })) {
      if (keys.length > 0) await redis.unlink(keys);
    }
  } finally {
    redis.destroy();
  }
}
