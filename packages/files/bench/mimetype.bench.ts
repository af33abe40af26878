// mimetype on a small corpus of mixed types (corpus.ts), one iteration = every file once, in turn.
//
// Baseline: `file --mime-type -b <path>`, one process per file: how a Node service calls libmagic
// without bindings. Informative: one `file` process for the whole corpus (the cost of libmagic
// itself, process start amortised), file-type's fileTypeFromFile alone (signatures only: no
// answer for text), and a cold FileManager (libmagic's WebAssembly loads on its first call).
// Files per second = corpus size / median.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type BenchSuite, defineSuite } from '@x/bench-harness';
import { fileTypeFromFile } from 'file-type';
import { canonicalMime, type FileManager } from '../src/index.js';
import { corpus, writeCorpus } from './corpus.js';
import { createManager, expectEach, makeScratchFolder, removeScratchFolder } from './fixtures.js';

const execFileAsync = promisify(execFile);
const entries = corpus();
const names = entries.map((entry) => entry.name);

let folder: string | undefined;
let paths: string[] = [];
let files: FileManager | undefined;

function corpusFolder(): string {
  if (folder === undefined) throw new Error('the suite setup has not run');
  return folder;
}

function manager(): FileManager {
  if (files === undefined) throw new Error('the suite setup has not run');
  return files;
}

async function eachInTurn<T>(items: readonly string[], run: (item: string) => Promise<T>) {
  const answers: T[] = [];
  for (const item of items) answers.push(await run(item));
  return answers;
}

async function fileCommand(args: readonly string[]): Promise<string[]> {
  const { stdout } = await execFileAsync('file', ['--mime-type', '-b', ...args]);
  return stdout.trimEnd().split('\n');
}

const BASELINE = 'file --mime-type -b, one process per file';
const ONE_PROCESS = 'file --mime-type -b, one process for all';
const fileCases = {
  [BASELINE]: () => eachInTurn(paths, async (file) => (await fileCommand([file]))[0]),
  [ONE_PROCESS]: () => fileCommand(paths),
};
const managerCases = {
  'FileManager.mimetype': () => eachInTurn(names, (name) => manager().mimetype(name)),
  'FileManager.mimetype, new manager (cold)': () => {
    const cold = createManager(corpusFolder());
    return eachInTurn(names, (name) => cold.mimetype(name));
  },
};
const fileTypeCase = {
  'file-type fileTypeFromFile': () =>
    eachInTurn(paths, async (file) => (await fileTypeFromFile(file))?.mime),
};

const mimetype: BenchSuite = defineSuite({
  name: `mimetype of a ${entries.length}-file corpus (one iteration = every file once)`,
  baseline: BASELINE,
  cases: { ...fileCases, ...managerCases, ...fileTypeCase },
  setup: async () => {
    folder = await makeScratchFolder();
    try {
      paths = await writeCorpus(folder, entries);
      files = createManager(folder);
      // FileManager names every type of the corpus as its naming policy says.
      await expectEach(
        managerCases,
        entries.map((entry) => entry.expected),
      );
      // `file` answers once per file, the same in one process or many.
      const perFile = await fileCases[BASELINE]();
      if (!perFile.every((answer) => answer !== undefined && /^[\w.+-]+\/[\w.+-]+$/.test(answer))) {
        throw new Error(`file --mime-type answered ${JSON.stringify(perFile)}`);
      }
      await expectEach({ [ONE_PROCESS]: fileCases[ONE_PROCESS] }, perFile);
      // file-type recognises every binary format of the corpus by its signature.
      const signatures = await fileTypeCase['file-type fileTypeFromFile']();
      entries.forEach((entry, i) => {
        const answer = signatures[i];
        if (entry.binary && (answer === undefined || canonicalMime(answer) !== entry.expected)) {
          throw new Error(`file-type answered ${String(answer)} for ${entry.name}`);
        }
      });
    } catch (error) {
      await removeScratchFolder(folder);
      throw error;
    }
  },
  teardown: async () => {
    await removeScratchFolder(folder);
    files = undefined;
  },
});

export default mimetype;
