import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_CONNECT_TIMEOUT_MS, probeService } from './probe.js';
import {
  type Env,
  SERVICE_ENV_VARS,
  SERVICE_NAMES,
  type ServiceName,
  serviceUrls,
} from './service-urls.js';
import { startPlan } from './start-service.js';
import { errorMessage } from './timeout.js';
import { redactUrl } from './url.js';

/** Options of {@link ensureServices}. */
export interface EnsureServicesOptions {
  /** Start a service that is down, when it is local and installed (default `true`). */
  readonly start?: boolean;
  /** How long to wait for a service this call started to answer, in ms (default 30 000). */
  readonly timeoutMs?: number;
  /** Connect timeout of each check, in ms (default 2 000). */
  readonly connectTimeoutMs?: number;
  /** Where the service URLs are read from (default `process.env`). */
  readonly env?: Env;
}

/** Why one service is unusable. */
export interface ServiceFailure {
  readonly service: ServiceName;
  /** The service's URL, without its password. */
  readonly url: string;
  /** The driver's error of the last check. */
  readonly error: string;
  /** What to do about it: the command that starts it, or the variable to set. */
  readonly hint: string;
}

/** Thrown by {@link ensureServices}: lists every service that did not answer. */
export class ServicesUnavailableError extends Error {
  readonly failures: readonly ServiceFailure[];

  constructor(failures: readonly ServiceFailure[]) {
    super(formatFailures(failures));
    this.name = 'ServicesUnavailableError';
    this.failures = failures;
  }
}

/**
 * Makes sure every named service answers a real protocol round trip (`SELECT 1`, Redis
 * `PING`). A service that is down, whose URL is a loopback address and whose server is
 * installed, is started (one note on stderr) and waited for. Rejects with one
 * {@link ServicesUnavailableError} naming every service still unreachable. Checks run in
 * parallel.
 */
export async function ensureServices(
  names: readonly ServiceName[],
  options: EnsureServicesOptions = {},
): Promise<void> {
  const env = options.env ?? process.env;
  const urls = serviceUrls(env);
  const unique = SERVICE_NAMES.filter((name) => names.includes(name));
  const unknown = names.filter((name) => !SERVICE_NAMES.includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `Unknown service ${unknown.map((name) => JSON.stringify(name)).join(', ')}; ` +
        `expected one of ${SERVICE_NAMES.join(', ')}`,
    );
  }
  const results = await Promise.all(
    unique.map((name) =>
      ensureService(name, urls[name], {
        start: options.start ?? true,
        timeoutMs: options.timeoutMs ?? 30_000,
        connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        env,
      }),
    ),
  );
  const failures = results.filter((result): result is ServiceFailure => result !== undefined);
  if (failures.length > 0) throw new ServicesUnavailableError(failures);
}

interface ResolvedOptions {
  readonly start: boolean;
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly env: Env;
}

async function ensureService(
  name: ServiceName,
  url: string,
  options: ResolvedOptions,
): Promise<ServiceFailure | undefined> {
  const envVar = SERVICE_ENV_VARS[name];
  const failure = (error: unknown, hint: string): ServiceFailure => ({
    service: name,
    url: redactUrl(url),
    error: errorMessage(error),
    hint,
  });
  try {
    await probeService(name, url, options.connectTimeoutMs);
    return undefined;
  } catch (error) {
    const plan = startPlan(name, url, options.env);
    const orSet = `or set ${envVar} to the URL of a running server`;
    if (!plan.ok) return failure(error, `not started: ${plan.reason}\n${orSet}`);
    if (!options.start) return failure(error, `start it with: ${plan.display}\n${orSet}`);

    process.stderr.write(
      `[x-services] ${name} is not answering at ${redactUrl(url)}; starting it: ${plan.display}\n`,
    );
    let startError: unknown;
    try {
      await plan.run();
    } catch (runError) {
      startError = runError;
    }
    const lastError = await waitUntilAnswering(name, url, options);
    if (lastError === undefined) return undefined;
    const started =
      startError === undefined
        ? `started with \`${plan.display}\` but it did not answer within ${options.timeoutMs} ms`
        : `starting it failed: ${errorMessage(startError)}`;
    return failure(lastError, `${started}\nstart it with: ${plan.display}\n${orSet}`);
  }
}

/** Polls until the service answers (resolves `undefined`) or the time is up (the last error). */
async function waitUntilAnswering(
  name: ServiceName,
  url: string,
  options: ResolvedOptions,
): Promise<unknown> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown = new Error('never checked');
  while (Date.now() < deadline) {
    try {
      await probeService(name, url, options.connectTimeoutMs);
      return undefined;
    } catch (error) {
      lastError = error;
    }
    await sleep(300);
  }
  return lastError;
}

function formatFailures(failures: readonly ServiceFailure[]): string {
  const lines = [
    `${failures.length === 1 ? 'A service' : `${failures.length} services`} the tests need ` +
      `${failures.length === 1 ? 'is' : 'are'} not reachable:`,
  ];
  for (const failure of failures) {
    lines.push(`- ${failure.service} at ${failure.url}: ${failure.error}`);
    for (const line of failure.hint.split('\n')) lines.push(`    ${line}`);
  }
  return lines.join('\n');
}
