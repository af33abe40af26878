import { setTimeout as sleep } from 'node:timers/promises';

/** Resolves once `condition` holds, polling every 5 ms; rejects naming `what` after `ms`. */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  ms = 5_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}
