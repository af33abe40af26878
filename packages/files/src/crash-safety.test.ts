import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChildResult,
  finished,
  MiB,
  makeTempDir,
  managerAt,
  removeDir,
  runScript,
  sleep,
  spawnScript,
  tempFilesIn,
} from '../test/helpers.js';

const SIZE = 16 * MiB;
const FILL_A = 0xa5;
const FILL_B = 0x5a;
const KILLS = 30;

function hashOfFill(fill: number, size: number): string {
  return createHash('sha256').update(Buffer.alloc(size, fill)).digest('hex');
}

async function hashOfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: MiB })) hash.update(chunk);
  return hash.digest('hex');
}

/** A writer process, started ahead of time: loaded, waiting for `go` on its stdin. */
interface Writer {
  readonly child: ChildProcess;
  readonly ended: Promise<ChildResult>;
  /** Resolves when the child printed `line`; rejects if it ends before. */
  printed(line: string): Promise<void>;
}

function startWriter(root: string): Writer {
  const child = spawnScript(
    'writer.ts',
    ['--wait', root, 'target.bin', String(SIZE), '0', String(FILL_B), String(FILL_A)],
    { stdin: true },
  );
  const ended = finished(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const printed = (line: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (output.split('\n').includes(line)) resolve();
      };
      check();
      child.stdout?.on('data', check);
      ended.then(
        (result) => reject(new Error(`the writer ended before "${line}": ${result.stderr}`)),
        reject,
      );
    });
  return { child, ended, printed };
}

describe('crash safety', () => {
  let dir: string;
  const writers: Writer[] = [];
  beforeAll(async () => {
    dir = await makeTempDir();
  });
  afterAll(async () => {
    for (const writer of writers) writer.child.kill('SIGKILL');
    await Promise.all(writers.map((writer) => writer.ended.catch(() => {})));
    await removeDir(dir);
  });

  it('a writer killed (SIGKILL) at random moments always leaves the whole old or whole new file', async () => {
    const expected = new Map([
      [hashOfFill(FILL_A, SIZE), 'A'],
      [hashOfFill(FILL_B, SIZE), 'B'],
    ]);
    const target = path.join(dir, 'target.bin');
    // The target exists (content A) before the first kill: afterwards it must be A or B.
    await managerAt(dir).write('target.bin', Buffer.alloc(SIZE, FILL_A));

    const seen: string[] = [];
    let writesCompleted = 0;
    let leftovers = 0;
    // Node and tsx take most of a second to load: the next writers load while one writes.
    const queue: Writer[] = [];
    const enqueue = () => {
      if (writers.length >= KILLS) return;
      const writer = startWriter(dir);
      writers.push(writer);
      queue.push(writer);
    };
    for (let ahead = 0; ahead < 3; ahead++) enqueue();
    for (let kill = 0; kill < KILLS; kill++) {
      const writer = queue.shift() as Writer;
      enqueue();
      await writer.printed('ready');
      writer.child.stdin?.write('go\n');
      await writer.printed('writing');
      await sleep(20 + Math.floor(Math.random() * 380));
      writer.child.kill('SIGKILL');
      const result = await writer.ended;
      expect(result.signal, result.stderr).toBe('SIGKILL');
      writesCompleted += result.stdout
        .split('\n')
        .filter((line) => line.startsWith('wrote')).length;

      const { size } = await stat(target);
      seen.push(expected.get(await hashOfFile(target)) ?? `a mix or a part (${size} bytes)`);
      // Only the target, and the temp file of the interrupted write (the accepted cost of
      // SIGKILL: nothing can remove it), may be in the folder.
      const temps = await tempFilesIn(dir);
      const names = await readdir(dir);
      expect(names.filter((name) => !temps.includes(name))).toEqual(['target.bin']);
      expect(temps.every((name) => name.startsWith('.target.bin.'))).toBe(true);
      expect(temps.length).toBeLessThanOrEqual(1);
      leftovers += temps.length;
      await Promise.all(temps.map((name) => rm(path.join(dir, name))));
    }
    expect(seen.filter((content) => content !== 'A' && content !== 'B')).toEqual([]);
    // The kills did land while the writers were busy: between writes and in the middle of some.
    expect(writesCompleted).toBeGreaterThan(0);
    expect(leftovers).toBeGreaterThan(0);
  }, 90_000);
});

describe('concurrent writers in several processes', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir();
  });
  afterAll(() => removeDir(dir));

  it('leave exactly one writer’s whole content and no temp file', async () => {
    const size = 2 * MiB;
    const fills = [0x11, 0x22, 0x33];
    await Promise.all(
      fills.map((fill) =>
        runScript('writer.ts', [dir, 'shared.bin', String(size), '8', String(fill)]),
      ),
    );
    const hashes = new Set(fills.map((fill) => hashOfFill(fill, size)));
    expect(hashes.has(await hashOfFile(path.join(dir, 'shared.bin')))).toBe(true);
    expect(await readdir(dir)).toEqual(['shared.bin']);
  }, 60_000);
});
