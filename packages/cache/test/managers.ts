import { afterEach, expect } from 'vitest';
import { CacheManager, type CacheManagerOptions, type CacheOperation } from '../src/index.js';

type CacheClient = ConstructorParameters<typeof CacheManager>[0];

/** Opens a manager that {@link useManagers} closes and checks after the test. */
export type OpenManager = (
  client: CacheClient,
  expire: number,
  options: CacheManagerOptions,
) => CacheManager;

/**
 * Managers for tests in which every store call must succeed, since a failure would pass as a
 * miss: after each test the managers are closed and the test fails if any reported an error.
 */
export function useManagers(): OpenManager {
  let managers: CacheManager[] = [];
  let errors: { operation: CacheOperation; message: string }[] = [];
  afterEach(() => {
    for (const cache of managers) cache.close();
    managers = [];
    const seen = errors;
    errors = [];
    expect(seen).toEqual([]);
  });
  return (client, expire, options) => {
    const cache = new CacheManager(client, expire, {
      onError: (error, operation) => errors.push({ operation, message: error.message }),
      ...options,
    });
    managers.push(cache);
    return cache;
  };
}
