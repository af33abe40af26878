import { describe, expect, it } from 'vitest';
import { NONCE_LENGTH, NoncePool } from './nonce-pool.js';

describe('NoncePool', () => {
  it('writes 12 bytes at the offset and nothing around them', () => {
    const pool = new NoncePool();
    const target = new Uint8Array(NONCE_LENGTH + 8).fill(0xee);
    pool.writeInto(target, 4);
    expect([...target.subarray(0, 4)]).toEqual([0xee, 0xee, 0xee, 0xee]);
    expect([...target.subarray(4 + NONCE_LENGTH)]).toEqual([0xee, 0xee, 0xee, 0xee]);
    expect(target.subarray(4, 4 + NONCE_LENGTH).every((byte) => byte === 0xee)).toBe(false);
  });

  it('never hands out the same nonce twice, across several refills', () => {
    const pool = new NoncePool();
    const seen = new Set<string>();
    const nonce = Buffer.alloc(NONCE_LENGTH);
    const count = 512 * 4 + 3;
    for (let i = 0; i < count; i++) {
      pool.writeInto(nonce, 0);
      seen.add(nonce.toString('hex'));
    }
    expect(seen.size).toBe(count);
  });

  it('gives two pools different nonces', () => {
    const first = Buffer.alloc(NONCE_LENGTH);
    const second = Buffer.alloc(NONCE_LENGTH);
    new NoncePool().writeInto(first, 0);
    new NoncePool().writeInto(second, 0);
    expect(first.equals(second)).toBe(false);
  });
});
