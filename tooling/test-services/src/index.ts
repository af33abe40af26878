export {
  type EnsureServicesOptions,
  ensureServices,
  type ServiceFailure,
  ServicesUnavailableError,
} from './ensure-services.js';
export { findFreePort } from './free-port.js';
export {
  type RedisClusterHandle,
  type RedisClusterOptions,
  startRedisCluster,
  withRedisCluster,
} from './redis-cluster.js';
export { testRedisPrefix } from './redis-prefix.js';
export {
  type RedisServerHandle,
  type RedisServerOptions,
  startRedisServer,
} from './redis-server.js';
export {
  DEFAULT_SERVICE_URLS,
  type Env,
  SERVICE_ENV_VARS,
  SERVICE_NAMES,
  type ServiceName,
  type ServiceUrls,
  serviceUrls,
} from './service-urls.js';
export {
  createTestDatabase,
  createTestSchema,
  type TestDatabase,
  type TestDatabaseOptions,
  type TestSchema,
} from './test-database.js';
export { redactUrl } from './url.js';
