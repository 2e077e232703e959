'use strict';
/**
 * One cell of the matrix, measured: a sync HTTP scenario against the bus and the raw proxy, an async batch (S7) or
 * a batch published to a broker (S8-S10) to the backend's counting sink. Every wait here is bounded.
 */
const { runLoad, getJson, post, get } = require('./processes');
const { sample } = require('./sampler');
const { payload, CONTENT_TYPES } = require('./payloads');

const round = (n, digits = 2) => (n === null || n === undefined ? null : Math.round(n * 10 ** digits) / 10 ** digits);
const errorRateOf = (r) => {
  const total = r.ok + r.non2xx + r.errors;
  return total === 0 ? 1 : round((r.non2xx + r.errors) / total, 4);
};

/** The probe: one connection of small requests on another route while a 100 KB load runs (does it stall?). */
const PROBE = { path: '/probe', format: 'xml', size: '500B' };
const probed = (size) => size === '100KB';

/** Load against `url` while sampling `pid`; with a probe on `probeUrl` during the measured window when asked. */
async function loadAndSample({ url, pid, cell, options, probeUrl }) {
  const s = cell.scenario;
  let sampler;
  let probe;
  const job = {
    url,
    headers: { 'content-type': CONTENT_TYPES[s.format], ...s.headers },
    format: s.format,
    size: cell.size,
    soapHeader: !!s.soapHeader,
    connections: cell.concurrency,
    warmupS: options.warmupS,
    durationS: options.durationS,
  };
  const result = await runLoad(job, {
    onMeasuring: () => {
      sampler = sample(pid);
      if (probeUrl) {
        const probeJob = { ...job, url: probeUrl, headers: { 'content-type': CONTENT_TYPES.xml }, format: PROBE.format, size: PROBE.size };
        probe = runLoad({ ...probeJob, soapHeader: false, connections: 1, warmupS: 0 }).catch((err) => ({ failed: err.message }));
      }
    },
  });
  const usage = sampler ? sampler.stop() : { cpuPct: null, peakRssMb: null };
  return { result, usage, probe: probe ? await probe : undefined };
}

function probeSummary(p) {
  if (!p) return undefined;
  if (p.failed) return { failed: p.failed };
  return { ok: p.ok, errors: p.errors + p.non2xx, p99Ms: p.p99Ms, maxMs: p.maxMs };
}

/**
 * A sync scenario: the bus, then at once the raw proxy with the same body, headers and connections, so that both
 * see the same machine (other work on it shifts from minute to minute; a baseline measured once for many cells would
 * not). The bus's first cell gets a longer warm-up: the bus has just started and its code is not yet optimised.
 */
async function measureHttp(cell, { bus, proxy, options, firstCell }) {
  const s = cell.scenario;
  const withProbe = probed(cell.size);
  const busOptions = firstCell ? { ...options, warmupS: options.firstWarmupS } : options;
  const b = await loadAndSample({ url: bus.url + s.path, pid: bus.pid, cell, options: busOptions, probeUrl: withProbe ? bus.url + PROBE.path : undefined });
  const busAlive = bus.alive() && (await get(`${bus.url}/health`, 5_000)).status === 200;
  const p = await loadAndSample({ url: `${proxy.url}/echo`, pid: proxy.pid, cell, options, probeUrl: withProbe ? `${proxy.url}/echo` : undefined });
  const r = b.result;
  const base = p.result;
  return {
    scenario: s.id,
    format: s.format,
    size: cell.size,
    bytes: r.bytes,
    concurrency: cell.concurrency,
    rps: r.rps,
    baselineRps: base.rps,
    ratio: base.rps ? round(r.rps / base.rps) : null,
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    errorRate: errorRateOf(r),
    rssMb: b.usage.peakRssMb,
    cpuPct: b.usage.cpuPct,
    baselineP50Ms: base.p50Ms,
    baselineP99Ms: base.p99Ms,
    baselineErrorRate: errorRateOf(base),
    baselineCpuPct: p.usage.cpuPct,
    requests: r.ok + r.non2xx + r.errors,
    busAlive,
    ...(withProbe ? { probe: probeSummary(b.probe), baselineProbe: probeSummary(p.probe) } : {}),
  };
}

/** Polls the backend until `count` unique deliveries arrived or `timeoutMs` passed; returns the last stats. */
async function waitDelivered(backend, count, timeoutMs, unit = 'unique') {
  const deadline = Date.now() + timeoutMs;
  let stats = await getJson(`${backend.url}/stats`);
  while (stats[unit] < count && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    stats = await getJson(`${backend.url}/stats`);
  }
  // A scenario counting parts (S11, the Aggregator) reports parts delivered where others report messages.
  return unit === 'parts' ? { ...stats, unique: stats.parts, received: stats.parts + stats.received - stats.unique, aggregates: stats.unique } : stats;
}

/**
 * The delivered/s of a batch: unique deliveries over the time from the first send to the last delivery. A batch
 * that is not all delivered within the run's limit counts what arrived (the rest is reported as `pending`, the
 * backlog at the limit), so that a slow bus gives a low figure rather than an endless run.
 */
function deliveredRow(cell, n, startedAt, stats, usage, extra) {
  const seconds = stats.lastAt > startedAt ? (stats.lastAt - startedAt) / 1000 : null;
  return {
    scenario: cell.scenario.id,
    format: cell.scenario.format,
    size: cell.size,
    bytes: payload(cell.scenario.format, cell.size).length,
    concurrency: cell.concurrency,
    rps: seconds ? Math.round(stats.unique / seconds) : 0,
    baselineRps: null,
    ratio: null,
    messages: n,
    delivered: stats.unique,
    duplicates: stats.received - stats.unique,
    rssMb: usage.peakRssMb,
    cpuPct: usage.cpuPct,
    // CPU of the bus per delivered message: on a shared machine a steadier figure than delivered/s.
    cpuMsPerMessage: usage.cpuS != null && stats.unique > 0 ? Math.round((usage.cpuS * 1e6) / stats.unique) / 1000 : null,
    ...extra,
  };
}

/**
 * S7: a warm-up batch, then N posts at the given concurrency (each answered 202 once stored), all within
 * `asyncLimitS` from the first post to the last delivery. p50/p99 are those of the 202 answers; errorRate is the
 * share of posts refused.
 */
async function measureAsync(cell, { bus, backend, options, messages }) {
  const s = cell.scenario;
  const job = {
    url: bus.url + s.path,
    headers: { 'content-type': CONTENT_TYPES[s.format] },
    format: s.format,
    size: cell.size,
    connections: Math.min(cell.concurrency, messages),
    warmupS: 0,
  };
  const limitMs = options.asyncLimitS * 1000;
  const warm = Math.max(cell.concurrency, Math.round(messages / 10));
  await post(`${backend.url}/reset`);
  // Warm-up: a few seconds at most, whatever the rate.
  const w = await runLoad({ ...job, amount: warm, maxS: Math.min(5, options.asyncLimitS) }, { limitMs: limitMs + 30_000 });
  const unit = s.countParts ? 'parts' : 'unique';
  await waitDelivered(backend, w.ok, limitMs, unit);
  await post(`${backend.url}/reset`);

  let sampler;
  const r = await runLoad(
    { ...job, amount: messages, maxS: options.asyncLimitS },
    { onMeasuring: () => (sampler = sample(bus.pid)), limitMs: limitMs + 30_000 },
  );
  const stats = await waitDelivered(backend, r.ok, Math.max(0, r.startedAt + limitMs - Date.now()), unit);
  const usage = sampler.stop();
  const sent = r.ok + r.non2xx + r.errors;
  return deliveredRow(cell, messages, r.startedAt, stats, usage, {
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    errorRate: sent ? round((r.non2xx + r.errors) / sent, 4) : 1,
    accepted: r.ok,
    acceptedRps: r.rps,
    pending: Math.max(0, r.ok - stats.unique),
    ...(stats.aggregates !== undefined && { aggregates: stats.aggregates }),
  });
}

/**
 * Publishes `count` messages numbered from `from`. Without `maxAhead` in one go, as fast as the broker takes them;
 * with it, in slices that keep at most `maxAhead` messages published and not yet counted at the backend, polling
 * the backend while the window is full, and no longer than `deadline`. Slices are not waited for one by one (the
 * broker's acknowledgements of one slice overlap the next), so that the window, not the generator's round trips,
 * sets the pace. Gives how many were published, the time spent waiting for the window (for the generator, time
 * spent waiting for the bus), the mean backlog seen at each poll (messages published and not yet delivered: the
 * bus's work in hand, at the broker or stored), and the rate of the first slice (a full window at once: what the
 * generator does when nothing holds it back).
 */
async function publishBatch(publisher, body, count, from, { maxAhead, backend, deadline }) {
  if (!maxAhead) {
    await publisher.publish(body, count, from);
    return { sent: count, heldMs: 0 };
  }
  const slices = [];
  let sent = 0;
  let heldMs = 0;
  let burstRps;
  let polls = 0;
  let aheadSum = 0;
  while (sent < count && Date.now() < deadline) {
    const ahead = sent - (await getJson(`${backend.url}/stats`)).unique;
    polls++;
    aheadSum += ahead;
    const n = Math.min(maxAhead - ahead, count - sent);
    if (n <= 0) {
      const t = Date.now();
      await new Promise((r) => setTimeout(r, 5));
      heldMs += Date.now() - t;
      continue;
    }
    const t = Date.now();
    const slice = publisher.publish(body, n, from + sent);
    slice.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    slices.push(slice);
    if (burstRps === undefined) {
      await slice;
      burstRps = Math.round(n / (Math.max(1, Date.now() - t) / 1000));
    }
    sent += n;
  }
  await Promise.all(slices);
  return { sent, heldMs, burstRps, aheadAvg: polls ? Math.round(aheadSum / polls) : 0 };
}

/**
 * S8-S10: the bus consumes a fresh destination (a topic, a queue, a session: its route names it); a warm-up batch
 * proves the consumer is there, then N messages are published and delivered/s counts from the first publish to the
 * last delivery, within `asyncLimitS`. The publish rate (first publish to the broker's last acknowledgement) is
 * reported beside it, so that a reader sees whether the generator kept ahead of the bus: with a `maxAhead` window
 * (Mosquitto) it follows the bus by design: `publishAheadAvg` gives the bus's mean backlog (near the window: the bus
 * always had work), `publishHeldPct` the share of the time the generator waited for the bus, and `publishBurstRps`
 * the rate of its first, unhindered window.
 */
async function measureBroker(cell, { bus, backend, broker, destination, messages, options }) {
  const body = payload('json', cell.size);
  const limitMs = options.asyncLimitS * 1000;
  const p = await broker.publisher(destination);
  try {
    const warm = 200;
    await post(`${backend.url}/reset`);
    await p.publish(body, warm, 0);
    // Joining a consumer group takes a few seconds on a fresh topic; a bus that never delivers is a failed run.
    const joined = await waitDelivered(backend, warm, 90_000);
    if (joined.unique < warm) throw new Error(`the bus's consumer did not deliver the warm-up messages (${joined.unique}/${warm} in 90 s)`);
    await post(`${backend.url}/reset`);

    const sampler = sample(bus.pid);
    const startedAt = Date.now();
    const { sent, heldMs, burstRps, aheadAvg } = await publishBatch(p, body, messages, warm, { maxAhead: broker.maxAhead, backend, deadline: startedAt + limitMs });
    const publishedAt = Date.now();
    const stats = await waitDelivered(backend, messages, Math.max(0, startedAt + limitMs - Date.now()));
    const usage = sampler.stop();
    const publishMs = Math.max(1, publishedAt - startedAt);
    // A batch that arrives whole (a file): the rate runs from its first delivery; from the file's arrival beside it.
    const fromFirst = broker.rateFrom === 'firstDelivery' && stats.firstAt > 0;
    const written = fromFirst && p.last?.();
    return deliveredRow(cell, messages, fromFirst ? stats.firstAt : startedAt, stats, usage, {
      ...(fromFirst && {
        rateFrom: 'firstDelivery',
        fromPublishedRps: stats.lastAt > publishedAt ? Math.round(stats.unique / ((stats.lastAt - publishedAt) / 1000)) : null,
        firstDeliveryAfterMs: stats.firstAt - publishedAt,
        ...(written && { bytes: Math.round(written.bytes / written.records), fileBytes: written.bytes }),
      }),
      p50Ms: null,
      p99Ms: null,
      errorRate: 0,
      publishedRps: Math.round(sent / (publishMs / 1000)),
      ...(broker.maxAhead
        ? { maxAhead: broker.maxAhead, publishAheadAvg: aheadAvg, publishHeldPct: round((100 * heldMs) / publishMs, 1), publishBurstRps: burstRps }
        : {}),
      pending: Math.max(0, messages - stats.unique),
    });
  } finally {
    await p.close().catch(() => undefined);
  }
}

module.exports = { measureHttp, measureAsync, measureBroker };
