/** The URL without its password, fit for logs and error messages. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '<unparseable URL>';
  }
  if (parsed.password === '') return url;
  parsed.password = '';
  return parsed.toString();
}

/**
 * Whether the URL's host is this machine: `localhost`, `127.0.0.0/8`, `::1`, or no host at all
 * (a PostgreSQL URL without a host uses the local Unix socket).
 */
export function isLoopbackUrl(url: string): boolean {
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    return false;
  }
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    host === '' ||
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    host === '0:0:0:0:0:0:0:1' ||
    /^127(\.\d{1,3}){3}$/.test(host)
  );
}

/** The URL's port, or `fallback` when it names none. */
export function urlPort(url: string, fallback: number): number {
  const port = new URL(url).port;
  return port === '' ? fallback : Number(port);
}

/** A copy of the URL that points at another database (its path), keeping everything else. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}
