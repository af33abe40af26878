import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable, isWritableDir, shellQuote } from './executables.js';
import type { Env, ServiceName } from './service-urls.js';
import { errorMessage } from './timeout.js';
import { isLoopbackUrl, urlPort } from './url.js';

/** How to start a service that is down on this machine. */
export type StartPlan =
  | {
      readonly ok: true;
      /** The command lines, as one would type them in a shell. */
      readonly display: string;
      /** Runs the commands; rejects with their output when one fails. */
      run(): Promise<void>;
    }
  | {
      readonly ok: false;
      /** Why this package cannot start it, and what to do instead. */
      readonly reason: string;
    };

interface Command {
  readonly argv: readonly [string, ...string[]];
  /** Spawned detached in the background instead of awaited (a supervisor that never returns). */
  readonly background?: boolean;
}

/**
 * The commands that start `name` so it answers at `url`. Only a loopback URL can be started,
 * and only when the server's binaries are installed.
 */
export function startPlan(name: ServiceName, url: string, env: Env = process.env): StartPlan {
  if (!isLoopbackUrl(url)) {
    let host = url;
    try {
      host = new URL(url).host;
    } catch {}
    return {
      ok: false,
      reason: `${host} is not this machine, so it is not started from here; start it on that host`,
    };
  }
  const commands = startCommands(name, url, env);
  if ('reason' in commands) return { ok: false, reason: commands.reason };
  return {
    ok: true,
    display: commands.map((command) => shellQuote(command.argv)).join(' && '),
    run: () => runAll(commands),
  };
}

function startCommands(
  name: ServiceName,
  url: string,
  env: Env,
): readonly Command[] | { readonly reason: string } {
  switch (name) {
    case 'postgres':
      return postgresCommands(env);
    case 'mariadb':
      return mariadbCommands(env);
    case 'redis':
      return redisCommands(url, env);
  }
}

function postgresCommands(env: Env): readonly Command[] | { readonly reason: string } {
  const pgCtlCluster = findExecutable('pg_ctlcluster', env);
  const configDir = '/etc/postgresql';
  const versions = existsSync(configDir)
    ? readdirSync(configDir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && existsSync(join(configDir, entry.name, 'main')))
        .map((entry) => entry.name)
        .sort()
    : [];
  if (pgCtlCluster === undefined || versions.length === 0) {
    return {
      reason:
        'PostgreSQL is not installed here (no pg_ctlcluster or no cluster under /etc/postgresql); ' +
        'install it (Debian package `postgresql`)',
    };
  }
  return versions.map((version) => ({
    argv: [pgCtlCluster, '--skip-systemctl-redirect', version, 'main', 'start'],
  }));
}

function mariadbCommands(env: Env): readonly Command[] | { readonly reason: string } {
  const server = findExecutable('mariadbd', env) ?? findExecutable('mysqld', env);
  const startStopDaemon = findExecutable('start-stop-daemon', env);
  if (server !== undefined && startStopDaemon !== undefined) {
    return [{ argv: [startStopDaemon, '--start', '--oknodo', '--background', '--exec', server] }];
  }
  const safe = findExecutable('mariadbd-safe', env) ?? findExecutable('mysqld_safe', env);
  if (safe !== undefined) return [{ argv: [safe], background: true }];
  return {
    reason:
      'MariaDB is not installed here (no mariadbd); install it (Debian package `mariadb-server`)',
  };
}

function redisCommands(url: string, env: Env): readonly Command[] | { readonly reason: string } {
  const server = findExecutable('redis-server', env);
  if (server === undefined) {
    return {
      reason: 'redis-server is not installed here; install it (Debian package `redis-server`)',
    };
  }
  const port = urlPort(url, 6379);
  const dataDir = isWritableDir('/var/lib/redis') ? '/var/lib/redis' : tmpdir();
  const logArgs = isWritableDir('/var/log/redis')
    ? ['--logfile', '/var/log/redis/ci.log']
    : ([] as string[]);
  return [
    {
      argv: [
        server,
        '--daemonize',
        'yes',
        '--bind',
        '127.0.0.1',
        '-::1',
        '--port',
        String(port),
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dataDir,
        ...logArgs,
      ],
    },
  ];
}

async function runAll(commands: readonly Command[]): Promise<void> {
  const failures: string[] = [];
  for (const command of commands) {
    try {
      await runOne(command);
    } catch (error) {
      failures.push(`\`${shellQuote(command.argv)}\` failed: ${errorMessage(error)}`);
    }
  }
  if (failures.length > 0) throw new Error(failures.join('; '));
}

function runOne(command: Command): Promise<void> {
  const [file, ...args] = command.argv;
  if (command.background) {
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, { detached: true, stdio: 'ignore' });
      child.once('error', reject);
      child.once('spawn', () => {
        child.unref();
        resolve();
      });
    });
  }
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error === null) {
        resolve();
        return;
      }
      const output = `${stderr}${stdout}`.trim();
      reject(
        new Error(output === '' ? error.message : `${error.message.split('\n')[0]}: ${output}`),
      );
    });
  });
}
