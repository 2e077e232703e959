'use strict';
/**
 * The baseline: the least a Node process can do to put a message through, node:http in front and an undici Pool to
 * the backend behind (as the bus's HTTP egress has), streaming both ways, no framework, no parsing, no journal. What
 * it reaches on this machine is the practical ceiling the bus is compared with. Forked by the harness with the
 * backend's origin as its argument; it listens on a free port and tells it over IPC.
 */
const http = require('node:http');
const { pipeline } = require('node:stream');
const { Pool } = require('undici');

const origin = process.argv[2];
if (!origin) throw new Error('usage: node baseline-proxy.js <backend origin>');
// The same pool settings as the bus's HttpEgress, so that the comparison is about the work between the two sockets.
const pool = new Pool(origin, { connections: 128, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 300_000 });

const server = http.createServer(async (req, res) => {
  const headers = { 'content-type': req.headers['content-type'] ?? 'application/octet-stream' };
  if (req.headers['content-length'] !== undefined) headers['content-length'] = req.headers['content-length'];
  try {
    const upstream = await pool.request({ method: req.method, path: req.url, headers, body: req });
    const out = { 'content-type': upstream.headers['content-type'] ?? 'application/octet-stream' };
    if (upstream.headers['content-length'] !== undefined) out['content-length'] = upstream.headers['content-length'];
    res.writeHead(upstream.statusCode, out);
    pipeline(upstream.body, res, () => undefined);
  } catch (err) {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(String(err && err.message));
  }
});

server.keepAliveTimeout = 120_000;
server.headersTimeout = 125_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  if (process.send) process.send({ port });
  else process.stdout.write(`baseline proxy on http://127.0.0.1:${port} -> ${origin}\n`);
});
process.on('disconnect', () => process.exit(0));
