'use strict';
/**
 * The processes a bench run starts (backend, baseline proxy, buses, load generators), kept in one registry so that
 * every one of them is stopped at the end, on Ctrl-C and on a crash of the harness alike.
 */
const { fork, spawn } = require('node:child_process');
const net = require('node:net');
const http = require('node:http');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const BUS_MAIN = path.join(ROOT, 'dist', 'apps', 'bus', 'src', 'main.js');

const running = new Set();

function track(child) {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

const alive = (child) => child.exitCode === null && child.signalCode === null;

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. */
function stop(child, graceMs = 10_000) {
  if (!alive(child)) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => alive(child) && child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Stops every child still running (buses get time to write a --cpu-prof profile on their way out). */
async function stopAll(graceMs = 10_000) {
  await Promise.all([...running].map((c) => stop(c, graceMs)));
}

/** Last resort on process exit: nothing may outlive the harness. Synchronous, as 'exit' handlers must be. */
process.on('exit', () => {
  for (const c of running) if (alive(c)) c.kill('SIGKILL');
});

/** Forks one of the bench's Node scripts and waits for the port it reports over IPC. */
function forkServer(script, args = [], timeoutMs = 10_000) {
  const child = track(fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${path.basename(script)} did not start within ${timeoutMs} ms`)), timeoutMs);
    const fail = (err) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    child.once('message', (m) => {
      clearTimeout(timer);
      resolve({ child, port: m.port, url: `http://127.0.0.1:${m.port}` });
    });
    child.once('exit', (code) => fail(new Error(`${path.basename(script)} exited (code ${code}) before it listened`)));
  });
}

/** A loopback port that was free a moment ago (the bus takes its port from PORT, so it cannot report it back). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function get(url, timeoutMs = 2_000) {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, text }));
      res.on('error', () => resolve({ status: 0, text: '' }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, text: '' }));
  });
}

/**
 * Starts the built bus (`node dist/apps/bus/src/main.js`) with `env` over this process's environment and waits for
 * GET /health to answer 200. `nodeArgs` go before the script (e.g. --cpu-prof). `root`: another checkout's build to run
 * (a before/after comparison). The output is kept (last 64 KiB)
 * for the error message when it does not come up, and for the report when it dies under load.
 */
async function startBus({ env, nodeArgs = [], readyTimeoutMs = 60_000, root = ROOT }) {
  const port = await freePort();
  const child = track(
    spawn(process.execPath, [...nodeArgs, path.join(root, path.relative(ROOT, BUS_MAIN))], {
      cwd: root,
      env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString('utf8')).slice(-65_536);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (!alive(child)) throw new Error(`the bus exited (code ${child.exitCode}) while starting:\n${output.slice(-4000)}`);
    if ((await get(`${url}/health`)).status === 200) {
      return { child, url, pid: child.pid, output: () => output, alive: () => alive(child), stop: (g) => stop(child, g) };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop(child, 1_000);
  throw new Error(`the bus did not answer /health within ${readyTimeoutMs} ms:\n${output.slice(-4000)}`);
}

/**
 * Runs one load job in its own process (`script`: load-worker.js, autocannon's closed loop, or paced-load.js, a fixed
 * rate). `onMeasuring` is called when the warm-up is over. Rejects when the generator fails or outlives `limitMs` (a
 * bound on every run, whatever the bus does).
 */
function runLoad(job, { onMeasuring, limitMs, script = 'load-worker.js' } = {}) {
  const child = track(fork(path.join(__dirname, '..', script), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const bound = limitMs ?? ((job.warmupS ?? 0) + (job.durationS ?? 0) + (job.timeoutS ?? 10)) * 1000 + 30_000;
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (fn, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn(value);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(reject, new Error(`load generator still running after ${bound} ms`));
    }, bound);
    child.on('message', (m) => {
      if (m.type === 'measuring') onMeasuring?.(m.at);
      else if (m.type === 'result') finish(resolve, m);
      else if (m.type === 'error') finish(reject, new Error(`load generator failed: ${m.message}`));
    });
    child.once('exit', (code) => finish(reject, new Error(`load generator exited (code ${code}) without a result`)));
    child.send(job);
  });
}

/** GET a JSON document (the backend's /stats). */
async function getJson(url) {
  const r = await get(url);
  if (r.status !== 200) throw new Error(`GET ${url}: ${r.status || 'no answer'}`);
  return JSON.parse(r.text);
}

function post(url) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end();
  });
}

module.exports = { ROOT, BUS_MAIN, track, alive, stop, forkServer, startBus, runLoad, stopAll, freePort, getJson, post, get };
