/** A service the workspace's tests can depend on. */
export type ServiceName = 'postgres' | 'mariadb' | 'redis';

/** Every service, in the order the CLI and error messages list them. */
export const SERVICE_NAMES: readonly ServiceName[] = ['postgres', 'mariadb', 'redis'];

/** Environment variables as read by this package (`process.env` fits). */
export type Env = Readonly<Record<string, string | undefined>>;

/** Connection URL of each service. */
export interface ServiceUrls {
  readonly postgres: string;
  readonly mariadb: string;
  readonly redis: string;
}

/** The environment variable that overrides each service's URL. */
export const SERVICE_ENV_VARS: Readonly<Record<ServiceName, string>> = {
  postgres: 'DATABASE_URL',
  mariadb: 'MARIADB_URL',
  redis: 'REDIS_URL',
};

/** The URL used when the environment variable is unset or empty. */
export const DEFAULT_SERVICE_URLS: ServiceUrls = {
  postgres: 'postgres://postgres@127.0.0.1:5432/test',
  mariadb: 'mariadb://root@127.0.0.1:3306/test',
  redis: 'redis://127.0.0.1:6379',
};

/**
 * The URL of each service: `DATABASE_URL`, `MARIADB_URL` and `REDIS_URL` when set (and not
 * empty), otherwise the local defaults.
 */
export function serviceUrls(env: Env = process.env): ServiceUrls {
  const pick = (name: ServiceName): string => {
    const value = env[SERVICE_ENV_VARS[name]]?.trim();
    return value ? value : DEFAULT_SERVICE_URLS[name];
  };
  return { postgres: pick('postgres'), mariadb: pick('mariadb'), redis: pick('redis') };
}
