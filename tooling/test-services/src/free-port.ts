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
 * A free loopback port `P` whose Redis Cluster bus port `P + 10000` is free too, and that this
 * process has not handed out before. Nothing holds the ports: start the server promptly and
 * retry with another port when it reports the address in use.
 */
export async function findFreeClusterPort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await findFreePort();
    if (reserved.has(port) || port + 10_000 > 65_535) continue;
    reserved.add(port);
    if (await isPortFree(port + 10_000)) return port;
  }
  throw new Error('found no free loopback port P with P + 10000 free too after 100 attempts');
}
