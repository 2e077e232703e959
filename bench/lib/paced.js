'use strict';
/**
 * `--paced <rps>`: latency below saturation. After a cell's closed-loop rounds, every system runs again at a fixed
 * offered rate over the cell's connections (bench/paced-load.js, one process per run), in `rounds` rounds with the
 * order rotated, after a warm-up at that rate. Per system: the medians over the rounds of p50 and p99 (from each
 * request's intended send time), the worst max, the generator's own lateness and the share of requests that found
 * every connection busy. The latency a system adds is its p99 less the direct backend's, in the same rounds.
 *
 * A system that cannot keep the rate (answers fewer than 97% of what was offered) is marked `keptRate: false`: its
 * latency is then a queue's, not what it adds to a request.
 */
const { runLoad } = require('./processes');
const { median } = require('./stats');

const round = (n, digits = 2) => (n === null || n === undefined ? null : Math.round(n * 10 ** digits) / 10 ** digits);

function summarise(runs, rps) {
  const sent = runs.reduce((n, r) => n + r.sent, 0);
  const ok = runs.reduce((n, r) => n + r.ok, 0);
  return {
    offeredRps: rps,
    rps: Math.round(median(runs.map((r) => r.rps))),
    p50Ms: round(median(runs.map((r) => r.p50Ms))),
    p99Ms: round(median(runs.map((r) => r.p99Ms))),
    p99SpreadMs: [round(Math.min(...runs.map((r) => r.p99Ms ?? Infinity))), round(Math.max(...runs.map((r) => r.p99Ms ?? 0)))],
    maxMs: round(Math.max(...runs.map((r) => r.maxMs ?? 0))),
    lateP99Ms: round(median(runs.map((r) => r.lateP99Ms))),
    waitedPct: round(median(runs.map((r) => r.waitedPct)), 1),
    errors: runs.reduce((n, r) => n + r.errors + r.non2xx, 0),
    keptRate: sent > 0 && ok / sent >= 0.97,
  };
}

/**
 * Runs the paced rounds of one cell. `systems`: [{ name, url }], `job`: the cell's load job (headers, body, connections).
 * Returns { rps, systems: { name: summary }, addedP99Ms: { name: p99 - direct p99 } }.
 */
async function measurePaced(systems, job, { pacedRps, rounds, warmupS, durationS }, log = () => undefined) {
  const paced = { ...job, rps: pacedRps, durationS };
  for (const system of systems) await runLoad({ ...paced, url: system.url, durationS: Math.max(2, warmupS) }, { script: 'paced-load.js' });
  const runs = Object.fromEntries(systems.map((x) => [x.name, []]));
  for (let r = 0; r < rounds; r++) {
    const order = systems.map((_, i) => systems[(i + r) % systems.length]);
    for (const system of order) runs[system.name].push(await runLoad({ ...paced, url: system.url, warmupS: 1 }, { script: 'paced-load.js' }));
    log(`    paced ${pacedRps} rps, round ${r + 1}/${rounds}: p99 ${order.map((x) => `${x.name} ${runs[x.name][r].p99Ms} ms`).join(', ')}`);
  }
  const by = Object.fromEntries(systems.map((x) => [x.name, summarise(runs[x.name], pacedRps)]));
  const direct = by.direct?.p99Ms;
  const addedP99Ms = Object.fromEntries(
    systems.filter((x) => x.name !== 'direct' && direct != null).map((x) => [x.name, round(by[x.name].p99Ms - direct)]),
  );
  return { rps: pacedRps, connections: job.connections, systems: by, addedP99Ms };
}

module.exports = { measurePaced };
