import { mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { FileError } from './file-error.js';

/**
 * Resolves paths under a storage root and refuses those that leave it: by their text (`..`,
 * absolute paths elsewhere, NUL bytes) and by where they really lead (symlinks in the path, or
 * as the target when `followFinal` is set), checked on the real path of what exists.
 * Without a root, paths resolve against the working directory and only their form is checked.
 */
export class Confinement {
  readonly #root: string | undefined;
  #realRoot: Promise<string> | undefined;

  constructor(root: string | undefined) {
    this.#root = root;
  }

  /**
   * The absolute path of `input`, after checking it stays under the root.
   *
   * @param followFinal whether the last component is followed when it is a symlink (reads: yes;
   *   delete, rename's source: no, they act on the link itself).
   */
  async resolve(input: unknown, followFinal = true): Promise<string> {
    if (typeof input !== 'string' || input === '') {
      throw new FileError(
        'INVALID_INPUT',
        `A path must be a non-empty string, got ${describe(input)}.`,
      );
    }
    if (input.includes('\0')) {
      throw new FileError(
        this.#root === undefined ? 'INVALID_INPUT' : 'OUTSIDE_ROOT',
        'A path must not contain a NUL byte.',
      );
    }
    if (this.#root === undefined) return path.resolve(input);

    const root = this.#root;
    const absolute = path.resolve(root, input);
    if (!isInside(absolute, root)) throw outside(input, 'it leads out of the root');
    if (!followFinal && path.relative(root, absolute) === '') {
      // delete, rmdir and rename act on the path itself: never on the storage root.
      throw new FileError(
        'INVALID_INPUT',
        `Refused ${JSON.stringify(input)}: it is the storage root itself.`,
      );
    }
    const realRoot = await this.#resolveRoot();
    const real = await realPathOfExisting(followFinal ? absolute : path.dirname(absolute));
    // Not following the last component, its real folder must itself be inside: `up/root` with
    // `up -> ..` names the root by its text, but from outside it.
    if (!isInside(real, realRoot)) throw outside(input, 'a symlink in it leads out of the root');
    // Work on the lexical path (the one the caller named), now known to stay inside.
    return absolute;
  }

  /** The root's real path; the root is created on first use. */
  #resolveRoot(): Promise<string> {
    const root = this.#root as string;
    this.#realRoot ??= mkdir(root, { recursive: true }).then(() => realpath(root));
    return this.#realRoot;
  }
}

/** The real path of `target`, or of its deepest existing ancestor joined with the rest. */
async function realPathOfExisting(target: string): Promise<string> {
  const missing: string[] = [];
  let current = target;
  for (;;) {
    try {
      return path.join(await realpath(current), ...missing.reverse());
    } catch (error) {
      const code = (error as { code?: string }).code;
      const parent = path.dirname(current);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === current) throw error;
      missing.push(path.basename(current));
      current = parent;
    }
  }
}

function isInside(candidate: string, root: string): boolean {
  const relative = path.relative(root, candidate);
  return (
    relative === '' ||
    (!relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative))
  );
}

function outside(input: string, reason: string): FileError {
  return new FileError('OUTSIDE_ROOT', `Refused ${JSON.stringify(input)}: ${reason}.`);
}

function describe(value: unknown): string {
  return value === ''
    ? 'an empty string'
    : value === null
      ? 'null'
      : `a value of type ${typeof value}`;
}
