'use strict';
/**
 * An open-loop load generator: requests at a fixed rate, whatever the answers' pace, over a fixed set of keep-alive
 * connections. Forked by the harness (bench/lib/paced.js) for each run, like load-worker.js, so that it never shares
 * an event loop with the harness.
 *
 * Why: latency from a closed loop (wrk, autocannon) at saturation is the length of the queue in front of the busiest
 * process, on a 2-core machine mostly the scheduler's slice; what a system adds to a request shows below saturation,
 * at a rate it can keep (wrk2's `-R`, which Debian does not ship). Each request has its intended send time on the
 * schedule; a request that finds every connection busy waits for one, and that wait counts in its latency (no
 * coordinated omission: latency is measured from the intended time). The generator's own lateness (intended to
 * written) is reported beside it: a small lateness with idle connections shows the generator kept its schedule.
 *
 * Job: { url, headers, format, size, soapHeader, connections, rps, warmupS, durationS, timeoutS? }
 * Result (IPC): { type: 'result', ok, non2xx, errors, sent, p50Ms, p90Ms, p99Ms, maxMs, lateP99Ms, waitedPct }
 */
const http = require('node:http');
const { payload } = require('./lib/payloads');
const { percentile } = require('./lib/stats');

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

function main(job) {
  const body = payload(job.format, job.size, job.soapHeader);
  const url = new URL(job.url);
  const headers = { ...job.headers, 'content-length': String(body.length) };
  const timeoutMs = (job.timeoutS ?? 10) * 1000;
  const intervalMs = 1000 / job.rps;
  const warmupMs = (job.warmupS ?? 0) * 1000;
  const endMs = warmupMs + job.durationS * 1000;

  const latencies = [];
  const lateness = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  let waited = 0;
  let inFlight = 0;
  // At most `connections` sockets are open, the rest queue for one. FIFO takes the idle socket that waited longest,
  // so that requests go round all the connections (LIFO, Node's default, would reuse one or two below saturation,
  // and a bus of several processes would see them on one process).
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.connections, maxFreeSockets: job.connections, scheduling: 'fifo' });
  let t0;
  const request = () => http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', headers, agent, timeout: timeoutMs });

  function send(intendedMs, measured) {
    if (inFlight >= job.connections) waited += measured ? 1 : 0;
    inFlight++;
    const req = request();
    req.once('socket', () => {
      const lateMs = nowMs() - intendedMs;
      if (measured) lateness.push(lateMs);
    });
    let answered = false;
    const done = (status) => {
      if (answered) return;
      answered = true;
      inFlight--;
      if (!measured) return;
      if (status === 0) errors++;
      else if (status >= 200 && status < 300) {
        ok++;
        latencies.push(nowMs() - intendedMs);
      } else non2xx++;
    };
    req.on('response', (res) => {
      res.on('data', () => undefined);
      res.once('end', () => done(res.statusCode));
      res.once('error', () => done(0));
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', () => done(0));
    req.end(body);
  }

  /** One request on each connection at once, not measured: the schedule then runs over all of them. */
  const openAll = () =>
    Promise.all(
      Array.from({ length: job.connections }, () => {
        const req = request();
        req.once('timeout', () => req.destroy(new Error('timeout')));
        req.end(body);
        return new Promise((done) => {
          req.on('response', (res) => res.resume().once('end', done));
          req.once('error', done);
        });
      }),
    );

  return openAll().then(() => new Promise((resolve) => {
    t0 = nowMs();
    let next = 0;
    let measuringSaid = false;
    // Every millisecond (or at once when behind), send what the schedule says is due.
    const tick = () => {
      const elapsed = nowMs() - t0;
      while (next * intervalMs <= elapsed && next * intervalMs < endMs) {
        const at = next * intervalMs;
        const measured = at >= warmupMs;
        if (measured && !measuringSaid) {
          measuringSaid = true;
          process.send?.({ type: 'measuring', at: Date.now() });
        }
        send(t0 + at, measured);
        if (measured) sent++;
        next++;
      }
      if (next * intervalMs < endMs) setTimeout(tick, Math.max(0, Math.min(1, next * intervalMs - elapsed)));
      else finish();
    };
    const finish = () => {
      const deadline = nowMs() + timeoutMs + 1000;
      const drain = () => {
        if (inFlight > 0 && nowMs() < deadline) return setTimeout(drain, 10);
        agent.destroy();
        latencies.sort((a, b) => a - b);
        lateness.sort((a, b) => a - b);
        resolve({
          type: 'result',
          ok,
          non2xx,
          errors: errors + inFlight,
          sent,
          rps: Math.round(ok / job.durationS),
          p50Ms: percentile(latencies, 50),
          p90Ms: percentile(latencies, 90),
          p99Ms: percentile(latencies, 99),
          maxMs: percentile(latencies, 100),
          lateP99Ms: percentile(lateness, 99),
          waitedPct: sent ? Math.round((1000 * waited) / sent) / 10 : 0,
        });
      };
      drain();
    };
    tick();
  }));
}

process.once('message', (job) => {
  main(job).then(
    (result) => process.send(result, () => process.exit(0)),
    (err) => process.send({ type: 'error', message: err.message }, () => process.exit(1)),
  );
});
