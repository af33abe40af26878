import { describe, expect, it } from 'vitest';
import { runCli } from './cli-main.js';
import { findFreePort } from './free-port.js';
import { serviceUrls } from './service-urls.js';
import { redactUrl } from './url.js';

/** The lines `x-services` prints for services that answer, at the URLs this run uses. */
const urls = serviceUrls();
const okLine = (name: 'postgres' | 'mariadb' | 'redis'): string =>
  `${name} ok ${redactUrl(urls[name])}`;

async function run(args: string[], overrides: Record<string, string> = {}) {
  const env = { ...process.env, ...overrides };
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env,
  });
  return { code, out, err: err.join('\n') };
}

describe('x-services', () => {
  it('check prints one line per service', async () => {
    if (!process.env.DATABASE_URL) {
      expect(okLine('postgres')).toBe('postgres ok postgres://postgres@127.0.0.1:5432/test');
    }
    const result = await run(['check']);
    expect(result).toEqual({
      code: 0,
      out: [okLine('postgres'), okLine('mariadb'), okLine('redis')],
      err: '',
    });
  });

  it('up with names checks only those', async () => {
    const result = await run(['up', 'redis']);
    expect(result.code).toBe(0);
    expect(result.out).toEqual([okLine('redis')]);
  });

  it('check exits 1 with the reason and starts nothing', async () => {
    const port = await findFreePort();
    const result = await run(['check', 'postgres', 'redis'], {
      REDIS_URL: `redis://127.0.0.1:${port}`,
    });
    expect(result.code).toBe(1);
    expect(result.out).toEqual([okLine('postgres')]);
    expect(result.err).toContain(`redis at redis://127.0.0.1:${port}`);
    expect(result.err).toContain('start it with:');
  });

  it('rejects unknown commands and services with the usage', async () => {
    const command = await run(['down']);
    expect(command.code).toBe(2);
    expect(command.err).toContain('Usage: x-services');
    const service = await run(['check', 'mongodb']);
    expect(service.code).toBe(2);
    expect(service.err).toContain('unknown service "mongodb"');
    expect((await run(['--help'])).out.join('\n')).toContain('Usage: x-services');
  });
});
