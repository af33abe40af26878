import { XError } from '@x/config';

/**
 * A problem the user fixes outside the code (a server that does not answer, a bad samples
 * folder, a file that is too large): its message says what to do, so it prints without a stack.
 */
export class DemoError extends Error {
  override readonly name = 'DemoError';
}

/** `CODE: message` for an error of an @x package, the message for any other. */
export function describeError(error: unknown): string {
  if (XError.is(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs every task even when some fail (cleaning up after a failure must not stop halfway) and
 * returns the errors, in order.
 */
export async function settleEach(tasks: readonly (() => Promise<unknown>)[]): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (const task of tasks) {
    try {
      await task();
    } catch (error) {
      errors.push(error);
    }
  }
  return errors;
}
