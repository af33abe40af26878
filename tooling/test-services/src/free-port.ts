import { createServer } from 'node:net';

const LOOPBACK = '127.0.0.1';

/** Ports handed out by this process and not to be handed out again. */
const reserved = new Set<number>();

/** Whether a TCP server can listen on `port` of the loopback interface right now. */
export function isPortFree(port: number, host: string = LOOPBACK): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/** A port the system reports free on the loopback interface (listen on port 0, then close). */
export function findFreePort(host: string = LOOPBACK): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the port the system picked'));
      });
    });
  });
}

/**
 * A free loopback port that this process has not handed out before, so that servers started at
 * the same time never race for one port. Nothing holds the port: start the server promptly and
 * retry with another port when it reports the address in use.
 */
export function findFreeServerPort(): Promise<number> {
  return findUnreservedPort(async () => true, 'found no free loopback port after 100 attempts');
}

/**
 * A port as {@link findFreeServerPort} finds it, whose Redis Cluster bus port `P + 10000` is free
 * too.
 */
export function findFreeClusterPort(): Promise<number> {
  return findUnreservedPort(
    async (port) => port + 10_000 <= 65_535 && (await isPortFree(port + 10_000)),
    'found no free loopback port P with P + 10000 free too after 100 attempts',
  );
}

async function findUnreservedPort(
  usable: (port: number) => Promise<boolean>,
  failure: string,
): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await findFreePort();
    if (reserved.has(port)) continue;
    // Reserved even when unusable: a port that failed once is not worth another look.
    reserved.add(port);
    if (await usable(port)) return port;
  }
  throw new Error(failure);
}
