'use strict';
/**
 * The load generator, forked by the harness for each run so that autocannon never shares an event loop with the
 * harness's sampling or with another generator. It takes one job over IPC, runs it, says `measuring` when the
 * warm-up is over, sends the result and exits.
 *
 * Warm-up and measurement are one autocannon instance: a second instance would open its connections afresh, and
 * 500 connections opened at once overflow a busy server's accept queue (SYN retried after 1 s, 3 s), which would put
 * seconds of connection set-up into the measured p99 of the bus and the proxy alike. So responses are counted here,
 * from autocannon's per-response events, only once the warm-up is over. Latencies are floats in ms (autocannon's
 * histogram has 1 ms buckets, too coarse for "latency added <= 2 ms at p99"); only 2xx answers count as latencies,
 * as in autocannon.
 *
 * Job: { url, headers, format, size, soapHeader, connections, warmupS, durationS, amount?, maxS?, timeoutS? }
 *   amount: send this many requests (no warm-up) instead of running for a duration (S7's batch); stop after maxS.
 */
const autocannon = require('autocannon');
const { payload } = require('./lib/payloads');
const { percentile } = require('./lib/stats');

function main(job) {
  const body = payload(job.format, job.size, job.soapHeader);
  const options = {
    url: job.url,
    method: 'POST',
    headers: job.headers,
    body,
    connections: job.connections,
    timeout: job.timeoutS ?? 10,
    // Keeps autocannon's progress output and result tables off the harness's console.
    renderProgressBar: false,
    renderResultsTable: false,
    renderLatencyTable: false,
    ...(job.amount ? { amount: job.amount } : { duration: (job.warmupS ?? 0) + job.durationS }),
  };
  const warmupMs = job.amount ? 0 : (job.warmupS ?? 0) * 1000;
  const latencies = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let measuring = false;
  let startedAt = 0;

  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (err) => {
      clearTimeout(warm);
      clearTimeout(limit);
      if (err) return reject(err);
      const endedAt = Date.now();
      latencies.sort((a, b) => a - b);
      resolve({
        type: 'result',
        startedAt,
        endedAt,
        ok,
        non2xx,
        errors,
        rps: Math.round(ok / Math.max(0.001, (endedAt - startedAt) / 1000)),
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        maxMs: latencies.length ? Math.round(latencies[latencies.length - 1] * 100) / 100 : null,
        bytes: body.length,
      });
    });
    const startMeasuring = () => {
      measuring = true;
      startedAt = Date.now();
      process.send({ type: 'measuring', at: startedAt });
    };
    // An amount run has no warm-up: its first response must already count.
    const warm = warmupMs > 0 ? setTimeout(startMeasuring, warmupMs) : (startMeasuring(), undefined);
    const limit = job.amount && job.maxS ? setTimeout(() => instance.stop(), job.maxS * 1000) : undefined;
    instance.on('response', (_client, status, _bytes, ms) => {
      if (!measuring) return;
      if (status >= 200 && status < 300) {
        ok++;
        latencies.push(ms);
      } else non2xx++;
    });
    instance.on('reqError', () => {
      if (measuring) errors++;
    });
  });
}

process.once('message', (job) => {
  main(job)
    .then((result) => process.send(result, () => process.exit(0)))
    .catch((err) => process.send({ type: 'error', message: err && err.stack ? err.stack : String(err) }, () => process.exit(1)));
});
process.on('disconnect', () => process.exit(0));
