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
// `npm test -- --filter @x/config`, `npm run demo -- --help`.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
  /** Only the installation (CI calls it before starting the services). */
  install: async () => {},
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
    return (await run(process.execPath, [demo, ...args])).code;
  },
  test: async (args) =>
    (
      await run('turbo', [
        'run',
        'lint',
        '//#lint:root',
        'typecheck',
        'build',
        'test',
        'check:package',
        ...args,
      ])
    ).code,
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
 * Installs the dependencies when the lockfile changed since the last install this script
 * made (or there was none): a stamp in node_modules holds the lockfile's hash.
 */
async function ensureDependencies() {
  const stamp = path.join(root, 'node_modules', '.x-installed-lockfile');
  const lockfileHash = createHash('sha256')
    .update(readFileSync(path.join(root, 'pnpm-lock.yaml')))
    .update(readFileSync(path.join(root, 'pnpm-workspace.yaml')))
    .digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === lockfileHash) return 0;

  const version = pinnedPnpmVersion();
  const install = ['install', '--frozen-lockfile'];
  const started = performance.now();
  let result;
  if (existsSync(path.join(bin, 'pnpm'))) {
    console.error('Installing the dependencies (the lockfile changed)…');
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
  writeFileSync(stamp, lockfileHash);
  console.error(`Installed in ${seconds(performance.now() - started)}.\n`);
  return 0;
}

function pinnedPnpmVersion() {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const match = /^pnpm@(\d+\.\d+\.\d+)$/.exec(manifest.packageManager ?? '');
  if (match === null) throw new Error('package.json: packageManager must be pnpm@<version>');
  return match[1];
}

/**
 * Runs a command from the repository root. With `quiet`, its output is collected and returned
 * instead of shown; otherwise it shares this terminal. Resolves with the exit code (a signal
 * counts as 1).
 */
function run(command, args, { quiet = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: root,
      env,
      stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', (error) => resolve({ code: 127, output: `${command}: ${error.message}` }));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

function seconds(milliseconds) {
  return `${(milliseconds / 1000).toFixed(1)} s`;
}
