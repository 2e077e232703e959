'use strict';
/**
 * What one sync exchange costs the journal on disk: starts the echo backend and the built bus on a fresh SQLite file,
 * sends N sync exchanges of a 1 KB JSON body (S1 passthrough, format asis), stops the bus (its close checkpoints the
 * WAL into the file), then reads the file: its size, the rows and the bytes of each table and index (SQLite's
 * `dbstat`), and the bytes per exchange.
 *
 *   npm run build && node bench/journal-size.js [--messages 10000] [--concurrency 10] [--keep]
 */
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { forkServer, startBus, stopAll } = require('./lib/processes');
const { payload } = require('./lib/payloads');

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

/** Sends `total` POSTs over `concurrency` keep-alive connections; resolves with the count of 200s. */
async function drive(url, body, total, concurrency) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let sent = 0;
  let ok = 0;
  const one = () =>
    new Promise((resolve, reject) => {
      const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      req.on('error', reject);
      req.end(body);
    });
  const lane = async () => {
    while (sent < total) {
      sent++;
      if ((await one()) === 200) ok++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  agent.destroy();
  return ok;
}

function measure(file) {
  const Database = require('better-sqlite3');
  const db = new Database(file, { readonly: true });
  try {
    const pageSize = db.pragma('page_size', { simple: true });
    const pages = db.pragma('page_count', { simple: true });
    const free = db.pragma('freelist_count', { simple: true });
    const rows = Object.fromEntries(
      ['messages', 'deliveries', 'attempts', 'dead_letters'].map((t) => [t, db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get().n]),
    );
    const objects = db.prepare(`SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC`).all();
    return { fileBytes: pages * pageSize, usedBytes: (pages - free) * pageSize, rows, objects };
  } finally {
    db.close();
  }
}

async function main() {
  const messages = option('messages', 10_000);
  const concurrency = option('concurrency', 10);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'junction-journal-size-'));
  const file = path.join(dir, 'journal.db');
  try {
    const backend = await forkServer(path.join(__dirname, 'echo-backend.js'));
    const bus = await startBus({
      env: {
        DATABASE_URL: `sqlite:${file}`,
        ROUTES_DIR: path.join(__dirname, 'routes', 'http'),
        BACKEND_URL: backend.url,
        LOG_LEVEL: 'warn',
        WATCH_ROUTES: 'false',
        ADMIN_TOKEN: 'bench-admin-token',
      },
    });
    const body = payload('json', '1KB');
    const started = Date.now();
    const ok = await drive(`${bus.url}/s1`, body, messages, concurrency);
    const seconds = (Date.now() - started) / 1000;
    await bus.stop();
    const m = measure(file);
    console.log(`${ok} of ${messages} exchanges answered 200 in ${seconds.toFixed(1)} s; body ${body.length} bytes`);
    console.log(`file ${m.fileBytes} bytes, in use ${m.usedBytes}; rows ${JSON.stringify(m.rows)}`);
    console.log(`bytes per exchange: ${(m.fileBytes / m.rows.messages).toFixed(0)} (file), ${(m.usedBytes / m.rows.messages).toFixed(0)} (in use)`);
    for (const o of m.objects) console.log(`  ${o.name.padEnd(36)} ${String(o.bytes).padStart(12)}  ${(o.bytes / m.rows.messages).toFixed(0)} /exchange`);
  } finally {
    await stopAll();
    if (process.argv.includes('--keep')) console.log(`kept ${file}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
