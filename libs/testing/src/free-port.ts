import { createServer } from 'node:net';

/**
 * A TCP port that was free a moment ago on `host`: the system picks it, we release it at once. Another process may
 * take it before the caller binds it; when a server can listen on port 0 itself, prefer that.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('the system gave no port'))));
    });
  });
}
