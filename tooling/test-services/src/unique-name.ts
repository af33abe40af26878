import { randomBytes } from 'node:crypto';

/** Longest identifier PostgreSQL keeps (MariaDB allows 64). */
const MAX_IDENTIFIER_LENGTH = 63;

/**
 * The label reduced to lowercase ASCII letters, digits and single underscores, without leading
 * or trailing underscores; `fallback` when nothing is left.
 */
export function sanitiseLabel(label: string | undefined, fallback = 'test'): string {
  const clean = (label ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return clean === '' ? fallback : clean;
}

/** Eight random lowercase hex digits. */
export function randomSuffix(): string {
  return randomBytes(4).toString('hex');
}

/**
 * A database or schema name no other test run picks: `xtest_<label>_<pid>_<random>`, lowercase,
 * at most 63 characters (the label is shortened to fit).
 */
export function uniqueIdentifier(label?: string): string {
  const tail = `_${process.pid}_${randomSuffix()}`;
  const room = MAX_IDENTIFIER_LENGTH - 'xtest_'.length - tail.length;
  const clean = sanitiseLabel(label).slice(0, room).replace(/_+$/, '') || 'test';
  return `xtest_${clean}${tail}`;
}
