#!/usr/bin/env node
'use strict';
/**
 * The bus's memory under load, process by process: one bus (WORKERS as set, default 2) on the HTTP bench routes,
 * driven by wrk through a sequence of cells (each `--duration` s at `--concurrency`), with the RSS of every process
 * of its tree sampled every 200 ms. Prints, per cell, rps, the tree's CPU per request, the largest process's peak
 * RSS and the tree's, then the same at rest after the load. For comparing memory settings (env such as
 * MALLOC_ARENA_MAX, node flags through `--bus-args`) in the same minutes; the full harness (run.js) reports the same
 * peaks beside throughput.
 *
 *   node bench/footprint.js [--workers 2] [--concurrency 500] [--duration 8] [--cells S1:1KB,S4:10KB,S5:10KB,S1:1KB]
 *     (a cell may name its own concurrency: S1:1KB@10)
 *     [--bus-args "--max-semi-space-size=8"] [--env KEY=VALUE,KEY=VALUE] [--rest-after 5 (s)]
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { forkServer, startBus, stopAll } = require('./lib/processes');
const { runWrk } = require('./lib/wrk');
const { rssKb, processTree, clockTicks, treeTicks, ticksSince } = require('./lib/sampler');
const { SCENARIOS } = require('./lib/scenarios');
const { CONTENT_TYPES } = require('./lib/payloads');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}
const workers = arg('workers', '2');
const concurrency = Number(arg('concurrency', 500));
const durationS = Number(arg('duration', 8));
const restAfterS = Number(arg('rest-after', 5));
const cells = arg('cells', 'S1:1KB,S4:10KB,S5:10KB,S1:1KB').split(',').map((c) => {
  // id:size, or id:size@connections for a cell at a concurrency of its own.
  const [cell, connections] = c.split('@');
  const [id, size] = cell.split(':');
  const scenario = SCENARIOS.find((s) => s.id === id);
  if (!scenario || scenario.kind !== 'http') throw new Error(`not an HTTP scenario: ${id}`);
  return { scenario, size, connections: connections ? Number(connections) : concurrency };
});
const busArgs = (arg('bus-args', '') || '').split(' ').filter(Boolean);
const extraEnv = Object.fromEntries((arg('env', '') || '').split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));

/** Peak RSS (MB) of the largest process and of the tree, and the tree's CPU seconds, while `work` runs. */
async function peaks(pid, work) {
  let largest = 0;
  let tree = 0;
  const pids = processTree(pid);
  const t0 = treeTicks(pids);
  const poll = setInterval(() => {
    const each = processTree(pid).map((p) => rssKb(p) ?? 0);
    largest = Math.max(largest, ...each);
    tree = Math.max(tree, each.reduce((a, b) => a + b, 0));
  }, 200);
  try {
    const result = await work();
    const cpuS = ticksSince(t0) / clockTicks();
    return { result, cpuS, largestMb: Math.round(largest / 1024), treeMb: Math.round(tree / 1024) };
  } finally {
    clearInterval(poll);
  }
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'junction-footprint-'));
  const backend = await forkServer(path.join(__dirname, 'echo-backend.js'));
  const routes = path.join(dir, 'routes');
  fs.cpSync(path.join(__dirname, 'routes', 'http'), routes, { recursive: true });
  const env = { NODE_ENV: 'production', LOG_LEVEL: 'warn', WATCH_ROUTES: 'false', ROUTES_DIR: routes, DATABASE_URL: `sqlite:${path.join(dir, 'bus.db')}`, BACKEND_URL: backend.url, WORKERS: workers, ...extraEnv };
  const bus = await startBus({ nodeArgs: busArgs, env });
  try {
    const rest = await peaks(bus.pid, () => new Promise((r) => setTimeout(r, 2000)));
    console.log(`at rest: largest process ${rest.largestMb} MB, tree ${rest.treeMb} MB (${processTree(bus.pid).length} processes)`);
    for (const { scenario, size, connections } of cells) {
      const job = { url: `${bus.url}${scenario.path}`, format: scenario.format, size, connections, durationS, headers: { 'content-type': CONTENT_TYPES[scenario.format], ...scenario.headers } };
      const p = await peaks(bus.pid, () => runWrk(job));
      console.log(`${scenario.id} ${size} c=${connections}: ${p.result.rps} rps, non-2xx ${p.result.non2xx}, errors ${JSON.stringify(p.result.errors)}, CPU ${((p.cpuS * 1e3) / Math.max(1, p.result.requests)).toFixed(3)} ms per request; largest process ${p.largestMb} MB, tree ${p.treeMb} MB`);
    }
    const after = await peaks(bus.pid, () => new Promise((r) => setTimeout(r, restAfterS * 1000)));
    console.log(`at rest after ${restAfterS} s: largest process ${after.largestMb} MB, tree ${after.treeMb} MB`);
  } finally {
    await bus.stop(15_000);
    await stopAll();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
  return stopAll();
});
