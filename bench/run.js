#!/usr/bin/env node
'use strict';
/**
 * `npm run bench` (the full matrix) and `npm run bench:quick` (the subset that covers every target). Starts the echo
 * backend and the raw baseline proxy, then for each bus the scenarios need (see lib/scenarios.js) starts the built bus
 * as its own process on its own routes and store, measures its cells, and stops it. Prints a markdown table and the
 * targets, and writes the rows to bench/results/latest.json (or --out). See bench/README.md.
 *
 * Figures are only comparable within one run on one machine: the proxy runs in the same run for that reason.
 * The exit code says whether the harness worked, not whether targets were met (benchmarks are not tests).
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseOptions, USAGE } = require('./lib/options');
const { BUSES, matrix, messagesFor } = require('./lib/scenarios');
const { BUS_MAIN, forkServer, startBus, stopAll, post } = require('./lib/processes');
const { freshStore, postgresProblem } = require('./lib/stores');
const brokers = require('./lib/brokers');
const { measureHttp, measureAsync, measureBroker } = require('./lib/measure');
const { measureCompare } = require('./lib/compare');
const { ensureBuilt, startCamel } = require('./lib/camel');
const { wrkPath } = require('./lib/wrk');
const { table, compareTable, pacedTable, targets, targetsTable } = require('./lib/report');

const cleanups = [];
const log = (line) => process.stdout.write(`${line}\n`);

/** Cells grouped by the bus they need, in matrix order, so that each bus starts once (S8-S10: once per cell). */
function groupByBus(cells) {
  const groups = new Map();
  for (const cell of cells) {
    const key = cell.scenario.bus;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(cell);
  }
  return groups;
}

function machine() {
  const cpus = os.cpus();
  return `${cpus.length} x ${cpus[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, node ${process.version}`;
}

/** Starts a bus on a copy of bench/routes/<folder> and a fresh store; registers its store for dropping. */
async function busFor(name, dir, options, env) {
  const spec = BUSES[name];
  const routesDir = path.join(dir, `${name}-${Date.now().toString(36)}-routes`);
  fs.cpSync(path.join(__dirname, 'routes', spec.routes), routesDir, { recursive: true });
  const store = freshStore(spec.store, dir, `${name}-${Date.now().toString(36)}`);
  cleanups.push(() => store.drop());
  const bus = await startBus({
    nodeArgs: options.busNodeArgs,
    env: {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      WATCH_ROUTES: 'false',
      ROUTES_DIR: routesDir,
      DATABASE_URL: store.url,
      WORKERS: String(options.workers),
      ...env,
    },
  });
  return { bus, store };
}

async function stopBus(bus, store) {
  await bus.stop(15_000); // time for a --cpu-prof profile to be written on the way out
  await store.drop().catch((err) => log(`(could not drop the bus's store: ${err.message})`));
}

function progress(row) {
  const base = row.baselineRps ? `, proxy ${row.baselineRps} rps -> ratio ${row.ratio}` : '';
  const lat = row.p99Ms !== null && row.p99Ms !== undefined ? `, p50 ${row.p50Ms} / p99 ${row.p99Ms} ms` : '';
  const unit = row.delivered !== undefined ? `delivered/s (${row.delivered}/${row.messages})` : 'rps';
  const held =
    row.publishHeldPct !== undefined
      ? ` within a ${row.maxAhead}-message window (backlog ${row.publishAheadAvg} on average, held ${row.publishHeldPct}% of the time), first window at ${row.publishBurstRps}/s`
      : '';
  const whole = row.rateFrom === 'firstDelivery' ? ` from the first delivery, ${row.fromPublishedRps}/s from the file's arrival (first delivery after ${row.firstDeliveryAfterMs} ms)` : '';
  const published = row.publishedRps !== undefined ? `${whole}, published at ${row.publishedRps}/s${held}` : '';
  if (row.systems) {
    const x = row.systems;
    const fig = (name) => (x[name] ? `${name} ${x[name].rps} (${x[name].minRps}-${x[name].maxRps})` : undefined);
    const camel = row.camelRatio !== null ? `, junction/camel ${row.camelRatio}` : '';
    const counts = row.counts ? '' : ` -- does not count: ${row.limit}`;
    log(`  ${row.scenario} ${row.size} c=${row.concurrency}: ${['junction', 'proxy', 'camel', 'direct'].map(fig).filter(Boolean).join(', ')} rps; junction/raw ${row.ratio}${camel}${counts}`);
    return;
  }
  log(`  ${row.scenario} ${row.size} c=${row.concurrency}: ${row.rps} ${unit}${published}${lat}${base}, errors ${row.errorRate}, CPU ${row.cpuPct}%${row.cpuMsPerMessage != null ? ` (${row.cpuMsPerMessage} ms/msg)` : ""}, RSS ${row.rssMb} MB`);
}

async function runGroup(name, cells, ctx) {
  const rows = [];
  const skip = (problem) => cells.map((c) => ({ scenario: c.scenario.id, size: c.size, concurrency: c.concurrency, skipped: problem }));
  const broker = cells[0].scenario.broker && brokers[cells[0].scenario.broker];
  const needs = BUSES[name].store === 'pg' ? await postgresProblem() : broker ? await broker.problem() : undefined;
  if (needs) {
    log(`skipping ${cells.map((c) => c.scenario.id).join(', ')}: ${needs}`);
    return skip(needs);
  }
  if (broker) {
    for (const cell of cells) rows.push(await runBrokerCell(cell, broker, ctx));
    return rows;
  }
  log(`starting the bus for ${name}...`);
  let { bus, store } = await busFor(name, ctx.dir, ctx.options, { BACKEND_URL: ctx.backend.url });
  try {
    for (const [i, cell] of cells.entries()) {
      const row =
        cell.scenario.kind === 'async'
          ? await measureAsync(cell, { ...ctx, bus, messages: messagesFor(cell.size, ctx.options.messages) })
          : ctx.options.load === 'wrk'
            ? await measureCompare(cell, { ...ctx, bus, log })
            : await measureHttp(cell, { ...ctx, bus, firstCell: i === 0 });
      row.busAlive ??= bus.alive();
      progress(row);
      rows.push(row);
      if (!bus.alive()) {
        // Recorded (busAlive: false) and reported; the remaining cells get a new bus rather than no figures.
        log(`  the bus died during ${cell.scenario.id} ${cell.size} c=${cell.concurrency}; its last output:\n${bus.output().slice(-2000)}`);
        await stopBus(bus, store);
        ({ bus, store } = await busFor(name, ctx.dir, ctx.options, { BACKEND_URL: ctx.backend.url }));
      }
    }
  } finally {
    await stopBus(bus, store);
  }
  return rows;
}

/**
 * S8-S10: a fresh destination on the broker (topic, queue, session) and a bus whose route consumes it, for each cell;
 * the destination is removed once that bus stopped. A cell whose bus does not start or whose consumer never delivers
 * is recorded as failed, with the reason, and the run goes on.
 */
async function runBrokerCell(cell, broker, ctx) {
  const s = cell.scenario;
  const mode = s.mode?.(ctx.options) ?? 'async';
  let destination;
  let started;
  try {
    destination = await broker.open({ id: s.id, parallelism: cell.concurrency });
    cleanups.push(destination.remove);
    log(`starting the bus for ${s.id} (${mode} route, ${broker.name} ${destination.name})...`);
    started = await busFor(s.bus, ctx.dir, ctx.options, { BACKEND_URL: ctx.backend.url, BENCH_MODE: mode, ...broker.busEnv, ...destination.env });
    // A cell with a batch of its own (S12-csv: one file of 100,000 records) takes it, and time enough for it.
    const messages = s.messages ?? messagesFor(cell.size, ctx.options.messages);
    const options = s.minLimitS ? { ...ctx.options, asyncLimitS: Math.max(ctx.options.asyncLimitS, s.minLimitS) } : ctx.options;
    const row = await measureBroker(cell, { ...ctx, options, bus: started.bus, broker, destination, messages });
    row.mode = mode;
    row.busAlive = started.bus.alive();
    progress(row);
    return row;
  } catch (err) {
    log(`  ${s.id} ${cell.size} c=${cell.concurrency} failed: ${err.message.slice(0, 4000)}`);
    if (started) log(`  the bus's last output:\n${started.bus.output().slice(-2000)}`);
    return { scenario: s.id, size: cell.size, concurrency: cell.concurrency, failed: failure(err) };
  } finally {
    if (started) await stopBus(started.bus, started.store);
    await destination?.remove();
  }
}

/** One line for the report: the error's first line and its last (for a bus that did not start, its last words). */
function failure(err) {
  const lines = err.message.split('\n').map((line) => line.trim()).filter(Boolean);
  return lines.length > 1 ? `${lines[0]} ${lines[lines.length - 1].slice(0, 300)}` : (lines[0] ?? 'unknown error');
}

async function main(options) {
  if (!fs.existsSync(BUS_MAIN)) throw new Error(`${path.relative(process.cwd(), BUS_MAIN)} is missing: run npm run build first`);
  const cells = matrix(options);
  if (cells.length === 0) throw new Error('no cell of the matrix matches the options');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'junction-bench-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const started = Date.now();
  log(`Junction bench: ${cells.length} cells, ${options.quick ? 'quick' : 'full'} matrix, ${options.warmupS} s warm-up + ${options.durationS} s per HTTP run, bus WORKERS=${options.workers}`);
  log(`machine: ${machine()}`);

  const backend = await forkServer(path.join(__dirname, 'echo-backend.js'));
  const proxy = await forkServer(path.join(__dirname, 'baseline-proxy.js'), [backend.url]);
  const ctx = { dir, options, backend, proxy: { url: proxy.url, pid: proxy.child.pid } };
  if (options.load === 'wrk') log(`load generator: ${wrkPath()}, ${options.rounds} rounds per cell, ${options.wrkThreads} thread(s)`);
  if (options.camel) {
    ensureBuilt(log);
    log('starting the Camel peer...');
    ctx.camel = await startCamel({ backend: backend.url, javaArgs: options.camelJavaArgs });
    log(`Camel peer on ${ctx.camel.url} (pid ${ctx.camel.pid})`);
  }
  await post(`${backend.url}/reset`);

  const rows = [];
  fs.mkdirSync(path.dirname(options.out), { recursive: true });
  for (const [name, group] of groupByBus(cells)) {
    rows.push(...(await runGroup(name, group, ctx)));
    // Written after every bus, so that a long run that fails late keeps what it measured.
    fs.writeFileSync(options.out, `${JSON.stringify(rows, null, 2)}\n`);
  }

  const met = targets(rows);
  log(`\n## Results (${new Date().toISOString()}, ${Math.round((Date.now() - started) / 1000)} s)\n\nmachine: ${machine()}\n`);
  log(table(rows));
  if (rows.some((r) => r.systems)) log(`\n## Systems side by side (${options.rounds} rounds, medians and min-max)\n\n${compareTable(rows)}`);
  if (rows.some((r) => r.paced)) log(`\n## At a fixed rate (--paced ${options.pacedRps}, ${options.rounds} rounds)\n\n${pacedTable(rows)}`);
  log(`\n## Targets\n\n${targetsTable(met)}\n`);
  log(`written: ${path.relative(process.cwd(), options.out)}`);
}

let finishing;
/** Stops every process and removes what the run created; runs once, whichever way the run ends. */
function finish(code) {
  finishing ??= (async () => {
    await stopAll(15_000);
    for (const c of cleanups.reverse()) await Promise.resolve().then(c).catch(() => undefined);
    process.exit(code);
  })();
  return finishing;
}

let options;
try {
  options = parseOptions(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${err.message}\n`);
  process.exit(2);
}
if (options.help) {
  log(USAGE);
  process.exit(0);
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    process.stderr.write(`\n${signal}: stopping the bench's processes...\n`);
    void finish(130);
  });
}
// A reader that went away (`npm run bench | head`) must end the run, not make every later write fail again.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => void finish(1));
process.on('uncaughtException', (err) => {
  if (!finishing) process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
  void finish(1);
});
main(options).then(
  () => finish(0),
  (err) => {
    process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
    return finish(1);
  },
);
