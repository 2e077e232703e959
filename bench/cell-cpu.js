#!/usr/bin/env node
'use strict';
/**
 * CPU per request of the bus on the sync HTTP cells of the matrix (S4, S5, S6... at a size), with the scenario's own
 * path, payload and headers (bench/lib/scenarios.js), for before/after comparisons of a change on a busy machine:
 * each cell gets a warm-up, then `--duration` seconds of wrk at `--concurrency`, and the bus's CPU (utime + stime
 * from /proc) over the run divided by the requests wrk counted. hot-path-cpu.js does the same for S1's JSON only.
 *
 *   node bench/cell-cpu.js [--scenarios S5,S6] [--sizes 1KB,10KB] [--concurrency 50] [--duration 4] [--rounds 2]
 *     [--bus-args "--cpu-prof --cpu-prof-dir=/tmp/prof"] [--compare <another checkout, built>]
 *
 * --compare also starts that checkout's bus (its dist/, e.g. the commit before a change) and measures it right
 * before this one in every round and cell, so that each pair shares the machine's load of the moment.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { forkServer, startBus, stopAll } = require('./lib/processes');
const { runWrk } = require('./lib/wrk');
const { cpuTicks, clockTicks } = require('./lib/sampler');
const { SCENARIOS } = require('./lib/scenarios');
const { CONTENT_TYPES } = require('./lib/payloads');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}
const scenarioIds = arg('scenarios', 'S5,S6').split(',');
const sizes = arg('sizes', '1KB,10KB').split(',');
const concurrency = Number(arg('concurrency', 50));
const durationS = Number(arg('duration', 4));
const warmS = Number(arg('warmup', 2));
const rounds = Number(arg('rounds', 2));
const busArgs = (arg('bus-args', '') || '').split(' ').filter(Boolean);
const compare = arg('compare', undefined);

async function measure(pid, url, scenario, size) {
  const headers = { 'content-type': CONTENT_TYPES[scenario.format], ...(scenario.headers ?? {}) };
  const job = { url, format: scenario.format, size, soapHeader: !!scenario.soapHeader, connections: concurrency, durationS, headers };
  await runWrk({ ...job, durationS: warmS });
  const c0 = cpuTicks(pid);
  const r = await runWrk(job);
  const c1 = cpuTicks(pid);
  const us = ((c1 - c0) / clockTicks()) * 1e6;
  if (r.non2xx > 0 || r.errors > 0) console.log(`  (${r.non2xx} non-2xx answers, ${r.errors} errors)`);
  return { cpuUsPerReq: Math.round(us / r.ok), rps: r.rps, p99Ms: r.p99Ms };
}

async function main() {
  const scenarios = scenarioIds.map((id) => {
    const s = SCENARIOS.find((x) => x.id === id);
    if (!s || s.kind !== 'http') throw new Error(`${id} is not a sync HTTP scenario`);
    return s;
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'junction-cell-'));
  const backend = await forkServer(path.join(__dirname, 'echo-backend.js'));
  const routes = path.join(dir, 'routes');
  fs.cpSync(path.join(__dirname, 'routes', 'http'), routes, { recursive: true });
  const env = (db) => ({ NODE_ENV: 'production', LOG_LEVEL: 'warn', WATCH_ROUTES: 'false', ROUTES_DIR: routes, DATABASE_URL: `sqlite:${path.join(dir, db)}`, BACKEND_URL: backend.url, WORKERS: '1' });
  const bus = await startBus({ nodeArgs: busArgs, env: env('bus.db') });
  const other = compare ? await startBus({ nodeArgs: busArgs, env: env('other.db'), root: path.resolve(compare) }) : undefined;
  try {
    for (let i = 0; i < rounds; i++) {
      for (const s of scenarios) {
        for (const size of sizes) {
          let line = `round ${i + 1} ${s.id} ${size}:`;
          if (other) {
            const o = await measure(other.pid, `${other.url}${s.path}`, s, size);
            line += ` other ${o.cpuUsPerReq} us/req (${o.rps} rps) |`;
          }
          const b = await measure(bus.pid, `${bus.url}${s.path}`, s, size);
          line += ` bus ${b.cpuUsPerReq} us/req (${b.rps} rps, p99 ${b.p99Ms} ms)`;
          console.log(line);
        }
      }
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
});
