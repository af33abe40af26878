import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Env } from './service-urls.js';

/** Directories searched after `PATH`: daemons live in the sbin directories, often not on it. */
const SYSTEM_DIRS = [
  '/usr/local/sbin',
  '/usr/local/bin',
  '/usr/sbin',
  '/usr/bin',
  '/sbin',
  '/bin',
] as const;

/** The absolute path of the executable `name` on `PATH` or in the system directories. */
export function findExecutable(name: string, env: Env = process.env): string | undefined {
  if (name.includes('/')) return isExecutable(name) ? name : undefined;
  const dirs = (env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  for (const dir of [...dirs, ...SYSTEM_DIRS]) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Whether `path` exists and this process may write into it. */
export function isWritableDir(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The command line as one would type it in a POSIX shell. */
export function shellQuote(argv: readonly string[]): string {
  return argv
    .map((arg) => {
      if (arg === '') return '""';
      if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
      return `'${arg.replace(/'/g, `'\\''`)}'`;
    })
    .join(' ');
}
