'use strict';
/**
 * The bench's target system, run as its own process (forked by the harness, which it tells its port over IPC):
 * - `POST /echo...`: answers the request body back, streamed, with the request's content type (the sync scenarios;
 *   S5's and S6's JSON legs get their JSON back);
 * - `POST /sink...`: counts the delivery (S7, S8) and answers a small JSON; unique by `x-message-id`, so that an
 *   at-least-once redelivery is not counted twice;
 * - `GET /stats`: `{ received, unique, parts, firstAt, lastAt }` (epoch ms of the first and last delivery; `parts`:
 *   what the unique deliveries stand for, an aggregate counting its `x-aggregate-parts`);
 * - `POST /reset`: starts counting afresh.
 * Plain node:http, so that the backend costs as little as possible of the machine the bus is measured on.
 */
const http = require('node:http');

let received = 0;
/** Parts the unique deliveries stand for: an aggregate's `x-aggregate-parts`, else 1. */
let parts = 0;
let firstAt = 0;
let lastAt = 0;
let seen = new Set();

function json(res, status, value) {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const SINK_REPLY = Buffer.from('{"ok":true}');

const server = http.createServer((req, res) => {
  const url = req.url ?? '/';
  if (req.method === 'GET' && url === '/stats') return json(res, 200, { received, unique: seen.size, parts, firstAt, lastAt });
  if (req.method === 'POST' && url === '/reset') {
    received = 0;
    parts = 0;
    firstAt = 0;
    lastAt = 0;
    seen = new Set();
    req.resume();
    return json(res, 200, { ok: true });
  }
  if (url.startsWith('/sink')) {
    req.resume();
    req.on('end', () => {
      const now = Date.now();
      received++;
      if (firstAt === 0) firstAt = now;
      lastAt = now;
      const id = String(req.headers['x-message-id'] ?? `anonymous-${received}`);
      // An aggregate (S11) stands for the parts it carries.
      if (!seen.has(id)) parts += Number(req.headers['x-aggregate-parts']) || 1;
      seen.add(id);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': SINK_REPLY.length });
      res.end(SINK_REPLY);
    });
    return;
  }
  if (url.startsWith('/echo')) {
    const headers = { 'content-type': req.headers['content-type'] ?? 'application/octet-stream' };
    if (req.headers['content-length'] !== undefined) headers['content-length'] = req.headers['content-length'];
    res.writeHead(200, headers);
    req.pipe(res);
    return;
  }
  req.resume();
  json(res, 404, { error: `no such path ${url}` });
});

// Longer than any client's keep-alive, so that the backend never closes a pooled connection under a sender's feet.
server.keepAliveTimeout = 120_000;
server.headersTimeout = 125_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  if (process.send) process.send({ port });
  else process.stdout.write(`echo backend on http://127.0.0.1:${port}\n`);
});
// Ends with its parent: an orphaned backend would hold the port and the CPU.
process.on('disconnect', () => process.exit(0));
