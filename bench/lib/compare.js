'use strict';
/**
 * `--load wrk`: one sync HTTP cell measured on every system in the same rounds, so that each figure sees the same
 * machine. The systems: the bus (`junction`), the raw proxy (`proxy`), the Camel 4 peer (`camel`, with `--camel`, for
 * the scenarios it has a route for) and the echo backend called directly (`direct`). Each system gets a warm-up run
 * first (for Camel: the JIT), then `rounds` rounds, each running every system once, the order rotated by one each
 * round. Per system: the median rps and its spread (min-max), median latencies, median CPU %, CPU seconds (and per
 * request), and the peak RSS, each sampled from /proc over the measured runs.
 *
 * The honesty rule: the direct figure must be at least twice the raw proxy's, else the load generator or the
 * machine, not the proxy, set the pace, and the cell is reported as not counting (`counts: false`, with the reason).
 *
 * With `--paced <rps>`, the same systems then run at that fixed rate (lib/paced.js): latency below saturation.
 */
const { runWrk } = require('./wrk');
const { sample } = require('./sampler');
const { get } = require('./processes');
const { CONTENT_TYPES, payload } = require('./payloads');
const { CAMEL_SCENARIOS } = require('./camel');
const { median } = require('./stats');
const { measurePaced } = require('./paced');

const round = (n, digits = 2) => (n === null || n === undefined ? null : Math.round(n * 10 ** digits) / 10 ** digits);

/** One measured run of `system`, sampling its process while wrk runs. */
async function runOnce(system, job, options) {
  let sampler;
  const r = await runWrk({ ...job, url: system.url }, { threads: options.wrkThreads, onStart: () => (sampler = sample(system.pid)) });
  const usage = sampler.stop();
  return { ...r, cpuPct: usage.cpuPct, cpuS: usage.cpuS, rssMb: usage.peakRssMb, processRssMb: usage.peakProcessRssMb, processes: usage.processes };
}

function summarise(runs) {
  const rps = runs.map((r) => r.rps);
  const sent = runs.reduce((n, r) => n + r.ok + r.non2xx + r.errors, 0);
  const failed = runs.reduce((n, r) => n + r.non2xx + r.errors, 0);
  return {
    rps: Math.round(median(rps)),
    minRps: Math.min(...rps),
    maxRps: Math.max(...rps),
    p50Ms: round(median(runs.map((r) => r.p50Ms))),
    p99Ms: round(median(runs.map((r) => r.p99Ms))),
    errorRate: sent === 0 ? 1 : round(failed / sent, 4),
    cpuPct: median(runs.map((r) => r.cpuPct)),
    cpuS: round(runs.reduce((n, r) => n + (r.cpuS ?? 0), 0)),
    // CPU time of the system's process per request answered, over the measured runs.
    cpuMsPerRequest: sent ? round((1000 * runs.reduce((n, r) => n + (r.cpuS ?? 0), 0)) / sent, 3) : null,
    rssMb: Math.max(0, ...runs.map((r) => r.rssMb ?? 0)) || null,
    // With WORKERS > 1 the bus is several processes: rssMb is their sum, processRssMb the largest one's.
    processRssMb: Math.max(0, ...runs.map((r) => r.processRssMb ?? 0)) || null,
    processes: Math.max(0, ...runs.map((r) => r.processes ?? 0)) || null,
    loadCpuPct: median(runs.map((r) => r.loadCpuPct)),
    requests: sent,
    runs: runs.map((r) => ({ rps: r.rps, p50Ms: r.p50Ms, p99Ms: r.p99Ms, cpuPct: r.cpuPct, rssMb: r.rssMb, errors: r.non2xx + r.errors })),
  };
}

/**
 * Measures one cell on every system. `camel` is the running peer or undefined. The row keeps the fields of
 * measureHttp's (the bus's figures, `baselineRps` the raw proxy's median, `ratio`) and adds `systems`, the camel and
 * direct medians and `counts`.
 */
async function measureCompare(cell, { bus, proxy, backend, camel, options, log = () => undefined }) {
  const s = cell.scenario;
  const systems = [
    { name: 'junction', url: bus.url + s.path, pid: bus.pid },
    { name: 'proxy', url: `${proxy.url}/echo`, pid: proxy.pid },
    ...(camel && CAMEL_SCENARIOS.has(s.id) ? [{ name: 'camel', url: camel.url + s.path, pid: camel.pid }] : []),
    { name: 'direct', url: `${backend.url}/echo`, pid: backend.child.pid },
  ];
  const job = {
    headers: { 'content-type': CONTENT_TYPES[s.format], ...s.headers },
    format: s.format,
    size: cell.size,
    soapHeader: !!s.soapHeader,
    connections: cell.concurrency,
  };
  if (options.warmupS > 0) {
    for (const system of systems) await runWrk({ ...job, url: system.url, durationS: options.warmupS }, { threads: options.wrkThreads });
  }
  const runs = Object.fromEntries(systems.map((x) => [x.name, []]));
  for (let r = 0; r < options.rounds; r++) {
    const order = systems.map((_, i) => systems[(i + r) % systems.length]);
    for (const system of order) runs[system.name].push(await runOnce(system, { ...job, durationS: options.durationS }, options));
    log(`    round ${r + 1}/${options.rounds}: ${order.map((x) => `${x.name} ${runs[x.name][r].rps}`).join(', ')} rps`);
  }
  const by = Object.fromEntries(systems.map((x) => [x.name, summarise(runs[x.name])]));
  const j = by.junction;
  const p = by.proxy;
  const d = by.direct;
  const counts = d.rps !== null && p.rps !== null && d.rps >= 2 * p.rps;
  const paced = options.pacedRps ? await measurePaced(systems, job, options, log) : undefined;
  const busAlive = bus.alive() && (await get(`${bus.url}/health`, 5_000)).status === 200;
  return {
    scenario: s.id,
    format: s.format,
    size: cell.size,
    bytes: payload(s.format, cell.size, !!s.soapHeader).length,
    concurrency: cell.concurrency,
    load: 'wrk',
    rounds: options.rounds,
    rps: j.rps,
    baselineRps: p.rps,
    ratio: p.rps ? round(j.rps / p.rps) : null,
    camelRps: by.camel?.rps ?? null,
    camelRatio: by.camel?.rps ? round(j.rps / by.camel.rps) : null,
    directRps: d.rps,
    counts,
    ...(counts ? {} : { limit: `direct ${d.rps} rps < 2 x raw proxy ${p.rps} rps: the load generator or the machine is the limit, not the systems` }),
    p50Ms: j.p50Ms,
    p99Ms: j.p99Ms,
    errorRate: j.errorRate,
    rssMb: j.rssMb,
    processRssMb: j.processRssMb,
    cpuPct: j.cpuPct,
    baselineP50Ms: p.p50Ms,
    baselineP99Ms: p.p99Ms,
    baselineErrorRate: p.errorRate,
    baselineCpuPct: p.cpuPct,
    requests: j.requests,
    busAlive,
    systems: by,
    ...(paced ? { paced } : {}),
  };
}

module.exports = { measureCompare };
