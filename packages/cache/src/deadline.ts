import { CacheError } from './cache-error.js';

/**
 * `operation()`, rejected with `UNAVAILABLE` when it takes longer than `timeoutMs`. A late result
 * is ignored. An operation that throws synchronously rejects the same way and leaves no timer.
 */
export function withDeadline<T>(
  operation: () => Promise<T>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new CacheError('UNAVAILABLE', `${what} did not answer within ${timeoutMs} ms.`)),
      timeoutMs,
    );
    const settle = (finish: () => void) => {
      clearTimeout(timer);
      finish();
    };
    try {
      operation().then(
        (value) => settle(() => resolve(value)),
        (error: unknown) => settle(() => reject(error)),
      );
    } catch (error) {
      settle(() => reject(error));
    }
  });
}
