#!/usr/bin/env node
// The quick start's two commands, runnable on a machine that has only Node.js and npm:
//
//   npm run demo   →  node scripts/run.mjs demo   builds what the example needs, runs it
//   npm test       →  node scripts/run.mjs test   the whole check (the command CI runs)
//
// Each first makes sure the dependencies are installed. pnpm itself is one of them (a root
// devDependency pinned to the version in `packageManager`), so a clone needs no global pnpm:
// the first install borrows it through `npm exec`, every later command uses the pinned copy in
// node_modules/.bin, which also goes first on the PATH of everything started from here
// (turbo runs each package's scripts with `pnpm`). Extra arguments are passed on:
// `npm test -- --filter @x/config`, `npm run demo -- ~/Documents/samples`.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'node_modules', '.bin');
const env = {
  ...process.env,
  PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
  // The pinned versions are the point: no "update available" notices from npm or pnpm.
  npm_config_update_notifier: 'false',
};

const tasks = {
  /** Only the installation (for scripts that need the dependencies and nothing else). */
  install: async () => 0,
  demo: async (args) => {
    const started = performance.now();
    process.stderr.write('Building the packages the demo uses… ');
    const build = await run(
      'turbo',
      ['run', 'build', '--filter=document-vault...', '--output-logs=errors-only'],
      { quiet: true },
    );
    if (build.code !== 0) {
      process.stderr.write(`failed:\n${build.output}\n`);
      return build.code;
    }
    process.stderr.write(`done in ${seconds(performance.now() - started)}.\n\n`);
    const demo = path.join(root, 'examples', 'document-vault', 'dist', 'main.js');
    // From where npm was started, so a relative samples folder or VAULT_DIR means what it says.
    // biome-ignore lint/suspicious/noUndeclaredEnvVars: npm's, read here, never by a turbo task
    const cwd = process.env.INIT_CWD ?? process.cwd();
    return (await run(process.execPath, [demo, ...args], { cwd })).code;
  },
  test: async (args) => {
    // The whole run needs PostgreSQL, MariaDB and Redis: check them (and start any that is
    // down and installed) before minutes of building, so a missing one fails at once.
    if (args.length === 0) {
      const services = await run('pnpm', ['run', '--silent', 'services', 'up']);
      if (services.code !== 0) return services.code;
    }
    const check = ['lint', '//#lint:root', 'typecheck', 'build', 'test', 'check:package'];
    return (await run('turbo', ['run', ...check, ...args])).code;
  },
};

const [name, ...args] = process.argv.slice(2);
const task = name === undefined ? undefined : tasks[name];
if (task === undefined) {
  console.error(`usage: node scripts/run.mjs <${Object.keys(tasks).join('|')}> [arguments]`);
  process.exit(2);
}
const installed = await ensureDependencies();
process.exit(installed === 0 ? await task(args) : installed);

/**
 * Installs the dependencies unless the last install this script made was of the same
 * lockfile and manifests (a stamp in node_modules holds their hash). A manifest changed
 * without its lockfile makes the frozen install fail with pnpm's own explanation.
 */
async function ensureDependencies() {
  const stamp = path.join(root, 'node_modules', '.x-installed-lockfile');
  const hash = createHash('sha256');
  for (const file of ['pnpm-lock.yaml', 'pnpm-workspace.yaml', ...workspaceManifests()]) {
    hash.update(file).update(readFileSync(path.join(root, file)));
  }
  const installHash = hash.digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === installHash) return 0;

  const version = pinnedPnpmVersion();
  const install = ['install', '--frozen-lockfile'];
  const started = performance.now();
  let result;
  if (existsSync(path.join(bin, 'pnpm'))) {
    console.error('Installing the dependencies (the lockfile or a manifest changed)…');
    result = await run('pnpm', install);
  } else {
    console.error(`Installing pnpm ${version} and the dependencies (first run only)…`);
    result = await run('npm', [
      'exec',
      '--yes',
      `--package=pnpm@${version}`,
      '--',
      'pnpm',
      ...install,
    ]);
  }
  if (result.code !== 0) {
    console.error(`The installation failed (exit code ${result.code}); see pnpm's output above.`);
    return result.code;
  }
  writeFileSync(stamp, installHash);
  console.error(`Installed in ${seconds(performance.now() - started)}.\n`);
  return 0;
}

/** package.json of the root and of every workspace package (the globs are `<folder>/*`). */
function workspaceManifests() {
  const manifests = ['package.json'];
  for (const folder of ['packages', 'tooling', 'examples']) {
    if (!existsSync(path.join(root, folder))) continue;
    for (const name of readdirSync(path.join(root, folder)).sort()) {
      const manifest = path.join(folder, name, 'package.json');
      if (existsSync(path.join(root, manifest))) manifests.push(manifest);
    }
  }
  return manifests;
}

function pinnedPnpmVersion() {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const match = /^pnpm@(\d+\.\d+\.\d+)$/.exec(manifest.packageManager ?? '');
  if (match === null) throw new Error('package.json: packageManager must be pnpm@<version>');
  return match[1];
}

/**
 * Runs a command (from the repository root unless `cwd` says otherwise). With `quiet`, its
 * output is collected and returned instead of shown; otherwise it shares this terminal.
 * Resolves with the exit code; a child ended by a signal gives 128 + the signal's number,
 * as a shell reports it.
 *
 * Ctrl-C reaches the child from the terminal itself, so this process only waits for it to
 * finish cleaning up; a TERM or HUP sent to this process alone is passed on.
 */
function run(command, args, { quiet = false, cwd = root } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd,
      env,
      stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
      shell: process.platform === 'win32', // npm, pnpm and turbo are .cmd files there
    });
    const forward = (signal) => child.kill(signal);
    const ignore = () => {};
    process.on('SIGINT', ignore);
    process.on('SIGTERM', forward);
    process.on('SIGHUP', forward);
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    const done = (result) => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', forward);
      process.off('SIGHUP', forward);
      resolve(result);
    };
    child.on('error', (error) => done({ code: 127, output: `${command}: ${error.message}` }));
    child.on('close', (code, signal) =>
      done({ code: code ?? 128 + (constants.signals[signal] ?? 0), output }),
    );
  });
}

function seconds(milliseconds) {
  return `${(milliseconds / 1000).toFixed(1)} s`;
}
