'use strict';
/**
 * wrk (Debian's package, C with one epoll loop a thread) as the load generator of `--load wrk`: one process per run,
 * `wrk -t<threads> -c<connections> -d<s>` with bench/wrk-post.lua POSTing the cell's body. Its figures: requests
 * answered, non-2xx/3xx answers (`status`), socket errors and time-outs, and latency percentiles over every answer
 * (wrk does not split them by status). A run is bounded: wrk stops itself after its duration, and is killed if it
 * outlives it by 30 s.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { track } = require('./processes');
const { payload } = require('./payloads');
const { cpuTicks, clockTicks } = require('./sampler');

const SCRIPT = path.resolve(__dirname, '..', 'wrk-post.lua');

/** The wrk binary, or an error that says how to install it. */
function wrkPath() {
  for (const dir of ['/usr/bin', '/usr/local/bin', ...(process.env.PATH ?? '').split(':')]) {
    const candidate = path.join(dir, 'wrk');
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  throw new Error('--load wrk: wrk is not installed (Debian: apt-get install wrk)');
}

let files;
/** The body and header files of a job, written once per body in a temp folder removed at exit. */
function filesFor(job) {
  if (!files) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'junction-wrk-'));
    files = { dir, cache: new Map() };
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  const headers = Object.entries(job.headers ?? {}).map(([k, v]) => `${k}: ${v}`).join('\n');
  const key = `${job.format}/${job.size}/${!!job.soapHeader}/${headers}`;
  let entry = files.cache.get(key);
  if (!entry) {
    const n = files.cache.size;
    entry = { body: path.join(files.dir, `body-${n}`), headers: path.join(files.dir, `headers-${n}`) };
    fs.writeFileSync(entry.body, payload(job.format, job.size, job.soapHeader));
    fs.writeFileSync(entry.headers, `${headers}\n`);
    files.cache.set(key, entry);
  }
  return entry;
}

/**
 * One wrk run of `durationS` against `job.url`. `onStart()` is called once wrk runs (the harness samples the system
 * under load from then). Resolves to { ok, non2xx, errors, requests, rps, p50Ms, p99Ms, maxMs, loadCpuPct }, where
 * loadCpuPct is wrk's own CPU (% of one core) over the run.
 */
function runWrk(job, { threads = 1, onStart } = {}) {
  const bin = wrkPath();
  const f = filesFor(job);
  const connections = Math.max(job.connections, threads);
  const args = [`-t${threads}`, `-c${connections}`, `-d${Math.max(1, Math.round(job.durationS))}s`, '--timeout', `${job.timeoutS ?? 10}s`, '-s', SCRIPT, job.url];
  const child = track(spawn(bin, args, { env: { ...process.env, BENCH_BODY: f.body, BENCH_HEADERS: f.headers }, stdio: ['ignore', 'pipe', 'pipe'] }));
  // wrk's own CPU: its ticks polled while it runs (a process that has exited has no /proc entry left to read).
  const t0 = Date.now();
  let ticks = 0;
  const poll = setInterval(() => (ticks = cpuTicks(child.pid) ?? ticks), 250);
  onStart?.();
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const bound = (job.durationS + 30) * 1000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), bound);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`wrk failed to start: ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      const loadCpuPct = Math.round((ticks / clockTicks() / Math.max(0.001, (Date.now() - t0) / 1000)) * 100);
      const line = /^BENCH (\{.*\})$/m.exec(out);
      if (code !== 0 || !line) return reject(new Error(`wrk ${args.join(' ')} ended (${code ?? signal}) without figures:\n${out.slice(-2000)}`));
      const r = JSON.parse(line[1]);
      const seconds = r.durationUs / 1e6;
      const errors = r.connect + r.read + r.write + r.timeout;
      const ok = Math.max(0, r.requests - r.status);
      const ms = (us) => Math.round(us / 10) / 100;
      resolve({
        ok,
        non2xx: r.status,
        errors,
        requests: r.requests + errors,
        rps: Math.round(ok / Math.max(0.001, seconds)),
        p50Ms: ms(r.p50Us),
        p99Ms: ms(r.p99Us),
        maxMs: ms(r.maxUs),
        loadCpuPct,
      });
    });
  });
}

module.exports = { runWrk, wrkPath };
