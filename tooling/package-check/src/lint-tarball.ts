import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const run = promisify(execFile);

export interface CheckOutcome {
  readonly ok: boolean;
  readonly report: string;
}

/** publint on the packed tarball, strict: a warning fails the check like an error. */
export async function runPublint(tarball: string): Promise<CheckOutcome> {
  const data = await readFile(tarball);
  const bytes = data.buffer.slice(
    data.byteOffset,
    data.byteOffset + data.byteLength,
  ) as ArrayBuffer;
  const { messages, pkg } = await publint({
    pack: { tarball: bytes },
    level: 'suggestion',
    strict: true,
  });
  const lines = messages.map(
    (message) =>
      `  ${message.type}: ${formatMessage(message, pkg, { color: false }) ?? message.code}`,
  );
  const failed = messages.some((message) => message.type !== 'suggestion');
  return { ok: !failed, report: lines.length > 0 ? lines.join('\n') : '  no issues' };
}

function attwBinary(): string {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve('@arethetypeswrong/cli/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    bin: { attw: string };
  };
  return path.join(path.dirname(manifestPath), manifest.bin.attw);
}

/**
 * are-the-types-wrong on the packed tarball with the ESM-only profile: the packages are ESM only
 * (CommonJS users on Node >= 20.19 `require()` them), so only the ESM resolutions must be right.
 */
export async function runAttw(tarball: string): Promise<CheckOutcome> {
  try {
    const { stdout } = await run(
      process.execPath,
      [attwBinary(), tarball, '--profile', 'esm-only', '--format', 'table-flipped', '--no-color'],
      { env: { ...process.env, NO_COLOR: '1' } },
    );
    return { ok: true, report: indent(stdout) };
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    return {
      ok: false,
      report: indent(`${failure.stdout ?? ''}${failure.stderr ?? failure.message}`),
    };
  }
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
