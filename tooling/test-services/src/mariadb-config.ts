import type { ConnectionConfig } from 'mariadb';

/** Connection settings for the `mariadb` driver from a `mariadb://user:password@host:port/db` URL. */
export function mariadbConfig(
  url: string,
  overrides: Partial<ConnectionConfig> = {},
): ConnectionConfig {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  const config: ConnectionConfig = {
    host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: parsed.port === '' ? 3306 : Number(parsed.port),
    user: decodeURIComponent(parsed.username) || 'root',
    password: decodeURIComponent(parsed.password),
    ...overrides,
  };
  if (database !== '') config.database = database;
  return config;
}
