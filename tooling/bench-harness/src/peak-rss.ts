// Kept apart from the index (its own export, `@x/bench-harness/peak-rss`) so that a child
// process measuring its own peak loads node:fs and nothing else: the index pulls in tsx, whose
// memory would count in every figure.
import { readFileSync } from 'node:fs';

/** How {@link peakRss} read the peak. */
export type PeakRssMethod = 'VmHWM' | 'getrusage';

/** The peak resident set size of this process, from startup until now. */
export interface PeakRssReading {
  /** In bytes. */
  readonly peakBytes: number;
  readonly method: PeakRssMethod;
}

function statusField(field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(
      readFileSync('/proc/self/status', 'utf8'),
    );
    return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

/**
 * The process's peak resident set size: the kernel's high-water mark (VmHWM in
 * /proc/self/status, or getrusage's maxRSS where there is no /proc). Every page the process ever
 * held at once counts, startup included, with nothing missed between samples.
 */
export function peakRss(): PeakRssReading {
  const hwm = statusField('VmHWM');
  return hwm === undefined
    ? { peakBytes: process.resourceUsage().maxRSS * 1024, method: 'getrusage' }
    : { peakBytes: hwm, method: 'VmHWM' };
}

/** The process's resident set size now, in bytes (VmRSS, or Node's own figure without /proc). */
export function currentRss(): number {
  return statusField('VmRSS') ?? process.memoryUsage.rss();
}
