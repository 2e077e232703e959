'use strict';
/**
 * The soak's target system, in the harness's own process: `POST /sink/<kind>` records the `id` of the JSON body it
 * gets (the bus converts SOAP to JSON before it delivers) and answers `{"ok":true,"id":...}`, which the SOAP route
 * maps into its response. Every delivery is kept, so that duplicates (at-least-once redeliveries after a kill) can be
 * told from first deliveries.
 */
const http = require('node:http');

/** @returns {Promise<{ url: string, deliveries: Map<string, Map<string, number>>, close(): Promise<void> }>} */
async function startSink() {
  /** kind -> id -> times delivered */
  const deliveries = new Map();
  const server = http.createServer((req, res) => {
    const match = /^\/sink\/([a-z]+)/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) {
      req.resume();
      res.writeHead(404).end();
      return;
    }
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      let id;
      try {
        id = JSON.parse(text).id;
      } catch {
        id = undefined;
      }
      if (typeof id !== 'string') {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"no id"}');
        return;
      }
      const kind = match[1];
      let seen = deliveries.get(kind);
      if (!seen) deliveries.set(kind, (seen = new Map()));
      seen.set(id, (seen.get(id) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, id }));
    });
  });
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${port}`,
    deliveries,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve(undefined));
        server.closeAllConnections();
      }),
  };
}

module.exports = { startSink };
