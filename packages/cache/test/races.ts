/** A promise and the function that settles it, for steps a test orders by hand. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/**
 * A loader that reads, then holds on to what it read until released: a slow load that an
 * update and an invalidation overtake.
 */
export interface GatedLoader<T> {
  readonly load: () => Promise<T>;
  /** Resolves once the loader holds its value (the database has been read). */
  readonly loaded: Promise<void>;
  /** Lets the loader return what it read. */
  release(): void;
  /** How many times `load` was called. */
  readonly calls: number;
}

export function gatedLoader<T>(read: () => Promise<T>): GatedLoader<T> {
  const loaded = deferred();
  const gate = deferred();
  let calls = 0;
  return {
    load: async () => {
      calls++;
      const value = await read();
      loaded.resolve();
      await gate.promise;
      return value;
    },
    loaded: loaded.promise,
    release: () => gate.resolve(),
    get calls() {
      return calls;
    },
  };
}

/**
 * `promise`, or a rejection naming `what` when it does not settle within `ms`: an await that
 * would hang on a regression fails the test in time instead.
 */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** The unhandled rejections of this process while recording. */
export interface RejectionLog {
  readonly reasons: unknown[];
  stop(): void;
}

export function recordUnhandledRejections(): RejectionLog {
  const reasons: unknown[] = [];
  const listener = (reason: unknown): void => {
    reasons.push(reason);
  };
  process.on('unhandledRejection', listener);
  return { reasons, stop: () => process.off('unhandledRejection', listener) };
}

/**
 * Resolves after the pending microtasks and a few macrotask turns, late enough for Node to have
 * reported a rejection that nobody handled.
 */
export async function settle(): Promise<void> {
  for (let turn = 0; turn < 3; turn++) {
    await new Promise<void>((resolve) => setTimeout(resolve, 10));
  }
}
