import { ensureServices, ServicesUnavailableError } from './ensure-services.js';
import { type Env, SERVICE_NAMES, type ServiceName, serviceUrls } from './service-urls.js';
import { errorMessage } from './timeout.js';
import { redactUrl } from './url.js';

/** Where the CLI writes and what it reads. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  readonly env?: Env;
}

const USAGE = `Usage: x-services <command> [service...]

Commands:
  up      check the services and start the local ones that are down
  check   check the services, start nothing

Services: ${SERVICE_NAMES.join(', ')} (default: all)
URLs come from DATABASE_URL, MARIADB_URL and REDIS_URL.`;

/** Runs `x-services` with its arguments (without `node` and the script); resolves the exit code. */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    (command === undefined ? io.err : io.out)(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'up' && command !== 'check') {
    io.err(`x-services: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    return 2;
  }
  const unknown = rest.filter((name) => !(SERVICE_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    io.err(`x-services: unknown service ${unknown.map((name) => JSON.stringify(name)).join(', ')}`);
    io.err(`expected some of: ${SERVICE_NAMES.join(', ')}`);
    return 2;
  }
  const names = rest.length === 0 ? SERVICE_NAMES : SERVICE_NAMES.filter((n) => rest.includes(n));
  const env = io.env ?? process.env;
  const urls = serviceUrls(env);
  const printOk = (down: readonly ServiceName[]): void => {
    for (const name of names) {
      if (!down.includes(name)) io.out(`${name} ok ${redactUrl(urls[name])}`);
    }
  };
  try {
    await ensureServices(names, { start: command === 'up', env });
    printOk([]);
    return 0;
  } catch (error) {
    if (error instanceof ServicesUnavailableError) {
      printOk(error.failures.map((failure) => failure.service));
    }
    io.err(errorMessage(error));
    return 1;
  }
}
