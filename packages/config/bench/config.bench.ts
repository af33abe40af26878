import { type BenchSuite, defineSuite } from '@x/bench-harness';
import { defineConfig, loadConfig } from '../src/index.js';

const env = {
  X_CACHE_URL: 'redis://cache.internal:6379',
  X_CACHE_TTL: '600',
  X_CACHE_CLUSTER: 'redis://10.0.0.1:6379, redis://10.0.0.2:6379',
  X_FILES_ROOT: '/srv/uploads',
  X_FILES_CHUNK_SIZE: '4MiB',
  DATABASE_URL: 'postgres://app@db.internal:5432/app',
};
const input = {
  cache: { url: 'redis://cache.internal:6379', ttl: 600, cluster: ['redis://10.0.0.1:6379'] },
  files: { root: '/srv/uploads', chunkSize: 4 * 1024 * 1024 },
  database: { url: 'postgres://app@db.internal:5432/app' },
};

// Configuration is read once at start-up; this shows it costs microseconds, not milliseconds.
const suite: BenchSuite = defineSuite({
  name: 'configuration at start-up',
  baseline: 'structuredClone of the input',
  cases: {
    'structuredClone of the input': () => structuredClone(input),
    'defineConfig(input)': () => defineConfig(input),
    'loadConfig(env)': () => loadConfig(env),
  },
});

export default suite;
