import { expect } from 'vitest';
import { CacheError, type CacheErrorCode, type CacheOperation } from '../src/index.js';

/** One call of a manager's `onError`. */
export interface Reported {
  readonly error: CacheError;
  readonly operation: CacheOperation;
}

/** An `onError` for a manager, and the list it fills. */
export function collector(): {
  reported: Reported[];
  onError: (error: CacheError, operation: CacheOperation) => void;
} {
  const reported: Reported[] = [];
  return { reported, onError: (error, operation) => reported.push({ error, operation }) };
}

/** The CacheError `run` throws; fails the test when it throws nothing or something else. */
export function caught(run: () => unknown): CacheError {
  try {
    run();
  } catch (error) {
    if (CacheError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a CacheError, nothing was thrown');
}

/** The CacheError `promise` rejects with; fails the test when it resolves or rejects otherwise. */
export async function rejection(promise: Promise<unknown>): Promise<CacheError> {
  try {
    await promise;
  } catch (error) {
    if (CacheError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection with a CacheError, the promise resolved');
}

/** Asserts that `run` throws a CacheError of `code` whose message contains each of `messageParts`. */
export function expectCode(
  run: () => unknown,
  code: CacheErrorCode,
  ...messageParts: string[]
): void {
  const error = caught(run);
  expect(error.code).toBe(code);
  for (const part of messageParts) expect(error.message).toContain(part);
}
