#!/usr/bin/env node
'use strict';
/**
 * CPU per request of the sync passthrough (S1, 1 KB JSON), bus against the raw proxy, on the same backend in the same
 * minute: each side gets a warm-up, then `--requests`-ish of load from wrk at `--concurrency`, and its CPU time
 * (utime + stime from /proc) over the run divided by the requests wrk counted. Also the p99 at that concurrency, the
 * direct backend's p99 (what the bus adds), and the bus's peak RSS. For before/after comparisons of hot-path changes
 * on a busy machine, where rps says little.
 *
 *   node bench/hot-path-cpu.js [--concurrency 100] [--duration 5] [--rounds 3] [--path /s1] [--bus-args "--cpu-prof"]
 *     [--compare <another checkout, built>] [--workers 1]
 *
 * The bus runs as one process unless --workers says more; its CPU is then the sum over the primary and the workers,
 * and its RSS the largest process's.
 *
 * --compare also starts that checkout's bus (its dist/, e.g. the commit before a change) and measures it in every
 * round beside this one's, so that a before/after pair shares the machine's load of the moment.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { forkServer, startBus, stopAll } = require('./lib/processes');
const { runWrk } = require('./lib/wrk');
const { clockTicks, rssKb, processTree, treeTicks, ticksSince } = require('./lib/sampler');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}
const concurrency = Number(arg('concurrency', 100));
const durationS = Number(arg('duration', 5));
const rounds = Number(arg('rounds', 3));
const routePath = arg('path', '/s1');
const warmS = Number(arg("warmup", 3));
const busArgs = (arg('bus-args', '') || '').split(' ').filter(Boolean);
const compare = arg('compare', undefined);
const workers = arg('workers', '1');

async function measure(pid, url, sampleRss) {
  const job = { url, format: 'json', size: '1KB', connections: concurrency, durationS, headers: { 'content-type': 'application/json' } };
  await runWrk({ ...job, durationS: warmS });
  let peak = 0;
  const pids = pid ? processTree(pid) : [];
  // The largest single process's RSS (with WORKERS above 1, a worker's).
  const poll = sampleRss ? setInterval(() => (peak = Math.max(peak, ...pids.map((p) => rssKb(p) ?? 0))), 200) : undefined;
  const c0 = treeTicks(pids);
  const r = await runWrk(job);
  const ticks = ticksSince(c0);
  if (poll) clearInterval(poll);
  const us = (ticks / clockTicks()) * 1e6;
  return { requests: r.requests, cpuUsPerReq: pid ? Math.round(us / r.requests) : null, p99Ms: r.p99Ms, p50Ms: r.p50Ms, rps: r.rps, peakRssMb: Math.round(peak / 1024) };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'junction-hot-'));
  const backend = await forkServer(path.join(__dirname, 'echo-backend.js'));
  const proxy = await forkServer(path.join(__dirname, 'baseline-proxy.js'), [backend.url]);
  const routes = path.join(dir, 'routes');
  fs.cpSync(path.join(__dirname, 'routes', 'http'), routes, { recursive: true });
  const env = (db) => ({ NODE_ENV: 'production', LOG_LEVEL: 'warn', WATCH_ROUTES: 'false', ROUTES_DIR: routes, DATABASE_URL: `sqlite:${path.join(dir, db)}`, BACKEND_URL: backend.url, WORKERS: workers });
  const bus = await startBus({ nodeArgs: busArgs, env: env('bus.db') });
  const other = compare ? await startBus({ nodeArgs: busArgs, env: env('other.db'), root: path.resolve(compare) }) : undefined;
  try {
    for (let i = 0; i < rounds; i++) {
      if (other) {
        const o = await measure(other.pid, `${other.url}${routePath}`, true);
        console.log(`round ${i + 1}: other ${o.cpuUsPerReq} us/req (p99 ${o.p99Ms} ms, ${o.rps} rps, rss ${o.peakRssMb} MB)`);
      }
      const b = await measure(bus.pid, `${bus.url}${routePath}`, true);
      const p = await measure(proxy.child.pid, `${proxy.url}/echo`);
      const d = concurrency <= 10 ? await measure(undefined, `${backend.url}/echo`) : undefined;
      console.log(
        `round ${i + 1}: bus ${b.cpuUsPerReq} us/req (p99 ${b.p99Ms} ms, ${b.rps} rps, rss ${b.peakRssMb} MB) | proxy ${p.cpuUsPerReq} us/req (p99 ${p.p99Ms} ms) | ratio ${(b.cpuUsPerReq / p.cpuUsPerReq).toFixed(2)}` +
          (d ? ` | direct p99 ${d.p99Ms} ms -> bus adds ${(b.p99Ms - d.p99Ms).toFixed(2)} ms` : ''),
      );
    }
  } finally {
    await Promise.all([bus.stop(15_000), other?.stop(15_000)]);
    await stopAll();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
  return stopAll();
});
