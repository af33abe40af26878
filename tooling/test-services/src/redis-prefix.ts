import { randomSuffix, sanitiseLabel } from './unique-name.js';

/**
 * A key prefix no other test run uses, `xtest:<label>:<pid>:<random>:`, so tests sharing one
 * Redis server do not see each other's keys. Delete `${prefix}*` when done.
 */
export function testRedisPrefix(label?: string): string {
  return `xtest:${sanitiseLabel(label)}:${process.pid}:${randomSuffix()}:`;
}
