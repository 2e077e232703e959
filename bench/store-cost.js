#!/usr/bin/env node
'use strict';
/**
 * CPU per message of the store alone on the async path (S7's shape without HTTP): messages accepted with `concurrency`
 * in flight, claimed by a loop that keeps up to `slots` routings and deliveries going (as the outbox worker does),
 * routed with their one delivery handed off, and that delivery recorded as delivered. Every call goes through the
 * built store (dist/), so that group commits, claims and settles are the bus's own; nothing else runs in the process,
 * so its CPU time (process.cpuUsage) over the run divided by the messages is the store's cost of a message.
 *
 *   node bench/store-cost.js [--store sqlite|pg] [--messages 20000] [--rounds 3] [--root <a built checkout>]...
 *     [--ddl "<statements>"]... [--trace]
 *
 * Several --root values are measured in turn in every round (a before/after pair shares the machine's load of the
 * moment); each run gets a fresh SQLite file or PostgreSQL schema (bench/lib/stores.js). Each --ddl adds a variant of
 * every root whose fresh schema gets those statements after its migrations (an index change tried before its
 * migration is written). --trace (SQLite) prints the CPU time of each statement text per message. Besides CPU: the
 * bytes the process wrote (SQLite: WAL and checkpoints) and, on PostgreSQL, the CPU of the server backends that
 * served the run. Prints one line per run and the median and range per variant.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { fork } = require('node:child_process');
const { freshStore } = require('./lib/stores');
const { cpuTicks, clockTicks } = require('./lib/sampler');

function args(argv) {
  const o = { store: 'sqlite', messages: 20_000, rounds: 3, concurrency: 100, slots: 128, batch: 64, roots: [], ddl: [] };
  for (let i = 0; i < argv.length; i++) {
    const v = () => argv[++i];
    if (argv[i] === '--store') o.store = v();
    else if (argv[i] === '--messages') o.messages = Number(v());
    else if (argv[i] === '--rounds') o.rounds = Number(v());
    else if (argv[i] === '--concurrency') o.concurrency = Number(v());
    else if (argv[i] === '--slots') o.slots = Number(v());
    else if (argv[i] === '--root') o.roots.push(path.resolve(v()));
    else if (argv[i] === '--ddl') o.ddl.push(v());
    else if (argv[i] === '--trace') o.trace = true;
    else if (argv[i] === '--child') o.child = JSON.parse(v());
    else throw new Error(`unknown option ${argv[i]}`);
  }
  if (o.roots.length === 0) o.roots.push(path.resolve(__dirname, '..'));
  return o;
}

const HEADERS = {
  host: '127.0.0.1:3000', 'content-type': 'application/json', 'content-length': '1081', connection: 'keep-alive',
  'user-agent': 'autocannon',
};

/** One run in this process: the store of `root` at `url`. */
async function run({ root, url, messages, concurrency, slots, batch, ddl, trace }) {
  const { createStore } = require(path.join(root, 'dist/libs/store/src'));
  const { newMessageId } = require(path.join(root, 'dist/libs/core/src'));
  const statements = trace ? traceSqlite(root) : undefined;
  const store = createStore({ url, logger: { warn: () => undefined } });
  await store.init();
  if (ddl) await applyDdl(url, ddl);
  statements?.clear();
  const body = Buffer.alloc(1081, 'x');
  let accepted = 0;
  let delivered = 0;
  let inFlight = 0;
  let wake = () => undefined;

  const accept = async () => {
    while (accepted < messages) {
      accepted++;
      const id = newMessageId();
      await store.acceptMessage({
        id, routeId: 's7-async', correlationId: id, businessKey: null, sourceKind: 'http', sourceAddress: '/s7',
        sourceVars: null, mode: 'async', headers: HEADERS, contentType: 'application/json', body, receivedAt: Date.now(),
      });
      wake();
    }
  };

  const deliver = async (m) => {
    const d = {
      id: newMessageId(), messageId: m.id, targetId: 'sink', targetDescription: 'POST http://127.0.0.1/sink',
      partIndex: null, wireTap: false, headers: m.headers, contentType: m.contentType, body: m.body, maxAttempts: 5,
    };
    const hops = [{ step: 'to', target: 'sink', at: Date.now() }];
    const [leased] = await store.completeRouting(m.id, { status: 'pending', hops, deliveries: [d], messageBody: m.body }, { count: 1, leaseMs: 30_000 });
    // The target's call: the event loop turns once.
    await new Promise((r) => setImmediate(r));
    const startedAt = Date.now();
    await store.recordAttempt(leased.id, { number: 1, startedAt, durationMs: 1, ok: true, statusCode: 200 }, { kind: 'delivered' });
    delivered++;
  };

  const work = async () => {
    while (delivered < messages) {
      const free = slots - inFlight;
      const claimed = free >= batch / 4 ? await store.claimMessages(Math.min(free, batch), 30_000) : [];
      for (const m of claimed) {
        inFlight++;
        deliver(m).finally(() => {
          inFlight--;
          wake();
        });
      }
      if (claimed.length === 0 && delivered < messages) await new Promise((r) => (wake = r));
    }
  };

  const server = url.startsWith('sqlite:') ? undefined : await serverTicks(url);
  const io = written();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all([...Array.from({ length: concurrency }, accept), work()]);
  const used = process.cpuUsage(cpu);
  const ms = performance.now() - started;
  const bytes = written() - io;
  const serverUs = server ? serverUsBetween(server, await serverTicks(url)) : 0;
  await store.close();
  if (statements) {
    const top = [...statements].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15);
    for (const [sql, t] of top) console.log(`${((t.ms * 1000) / messages).toFixed(1).padStart(6)} us/message ${String(t.calls).padStart(7)} calls  ${sql}`);
  }
  return { cpuUsPerMessage: (used.user + used.system) / messages, perSecond: Math.round((messages / ms) * 1000), kbWrittenPerMessage: bytes / 1024 / messages, serverUsPerMessage: serverUs / messages };
}

/** Bytes this process handed to write() so far (SQLite: the WAL and the checkpoints into the database file). */
function written() {
  const m = /^wchar: (\d+)$/m.exec(fs.readFileSync('/proc/self/io', 'utf8'));
  return m ? Number(m[1]) : 0;
}

/**
 * PostgreSQL: utime + stime ticks of the server backends that serve this process's connections (found by the local
 * ports of its sockets to the server), by pid, so that work moved into the database counts too.
 */
async function serverTicks(url) {
  const inodes = new Set();
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    let link = '';
    try {
      link = fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue;
    }
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m) inodes.add(m[1]);
  }
  const ports = [];
  for (const file of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && inodes.has(f[9])) ports.push(parseInt(f[1].split(':')[1], 16));
    }
  }
  const { Client } = require('pg');
  const client = new Client({ connectionString: url.replace(/[?&]schema=[^&]*/, '') });
  await client.connect();
  const { rows } = await client.query('SELECT pid FROM pg_stat_activity WHERE client_port = ANY($1::int[])', [ports]);
  await client.end();
  return new Map(rows.map(({ pid }) => [pid, cpuTicks(pid) ?? 0]));
}

/** Server CPU in microseconds between two `serverTicks` readings; a backend started in between counts whole. */
function serverUsBetween(before, after) {
  let ticks = 0;
  for (const [pid, now] of after) ticks += now - (before.get(pid) ?? 0);
  return (ticks * 1e6) / clockTicks();
}

/** SQLite: CPU time per statement text (better-sqlite3 runs them synchronously on the event loop); the tracing's own
 *  cost (a getrusage per call) is left out of the per-statement figures but adds to the run's total. */
function traceSqlite(root) {
  const { SqliteConnection } = require(path.join(root, 'dist/libs/store/src/sqlite-connection'));
  const times = new Map();
  for (const method of ['rows', 'run']) {
    const original = SqliteConnection.prototype[method];
    SqliteConnection.prototype[method] = function (sql, params) {
      const started = process.cpuUsage();
      try {
        return original.call(this, sql, params);
      } finally {
        const used = process.cpuUsage(started);
        const key = sql.replace(/\s+/g, ' ').slice(0, 90);
        const t = times.get(key) ?? { ms: 0, calls: 0 };
        t.ms += (used.user + used.system) / 1000;
        t.calls++;
        times.set(key, t);
      }
    };
  }
  return times;
}

/** Statements run on a fresh store after its migrations: an index change tried before its migration is written. */
async function applyDdl(url, ddl) {
  if (url.startsWith('sqlite:')) {
    const Database = require('better-sqlite3');
    const db = new Database(url.slice('sqlite:'.length));
    db.exec(ddl);
    db.close();
    return;
  }
  const { Client } = require('pg');
  const schema = new URL(url).searchParams.get('schema');
  const client = new Client({ connectionString: url.replace(/[?&]schema=[^&]*/, '') });
  await client.connect();
  try {
    await client.query(`SET search_path = "${schema}"; ${ddl}`);
  } finally {
    await client.end();
  }
}

function inChild(job) {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--child', JSON.stringify(job)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('message', (m) => resolve(m));
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`run exited with ${code}`));
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const o = args(process.argv.slice(2));
  if (o.child) {
    const r = await run(o.child);
    if (process.send) process.send(r);
    else console.log(r);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-cost-'));
  const variants = o.roots.flatMap((root) => ['', ...o.ddl].map((ddl) => ({ root, ddl, name: ddl ? `${root} + ${ddl}` : root, runs: [] })));
  try {
    for (let round = 1; round <= o.rounds; round++) {
      for (const v of variants) {
        const store = freshStore(o.store === 'pg' ? 'postgres' : 'sqlite', dir, `r${round}-${variants.indexOf(v)}`);
        try {
          const job = { root: v.root, url: store.url, messages: o.messages, concurrency: o.concurrency, slots: o.slots, batch: o.batch, ddl: v.ddl, trace: o.trace };
          const r = await inChild(job);
          v.runs.push(r);
          console.log(`round ${round} ${v.name}: ${r.cpuUsPerMessage.toFixed(1)} us CPU per message, ${r.kbWrittenPerMessage.toFixed(1)} KB written per message, ${r.perSecond}/s${r.serverUsPerMessage ? `, server ${r.serverUsPerMessage.toFixed(1)} us per message` : ''}`);
        } finally {
          await store.drop();
        }
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  for (const v of variants) {
    const cpu = v.runs.map((r) => r.cpuUsPerMessage);
    const server = v.runs.map((r) => r.serverUsPerMessage);
    const serverPart = server.some((x) => x > 0) ? `; server median ${median(server).toFixed(1)} us (${Math.min(...server).toFixed(1)}-${Math.max(...server).toFixed(1)})` : '';
    console.log(`${v.name}: median ${median(cpu).toFixed(1)} us (${Math.min(...cpu).toFixed(1)}-${Math.max(...cpu).toFixed(1)})${serverPart}, ${median(v.runs.map((r) => r.perSecond))}/s`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
