#!/usr/bin/env node
'use strict';
/**
 * `npm run soak`: mixed traffic through the built bus for a set time while the bus is killed with SIGKILL at random
 * and restarted, then the count of what was lost or duplicated, and the bus's memory over the run. See
 * bench/README.md (Soak). Not part of `npm test`: it takes minutes, and its figures depend on the machine.
 *
 * Timeline: the first 60% of the run is the chaos phase (a kill every --kill-min-s to --kill-max-s seconds, the bus
 * restarted at once on the same port and store); the last 40% is steady (no kill), so that one bus process lives
 * long enough to show whether its memory grows: its RSS after a warm-up is compared with its RSS at the end. Then
 * the senders stop, the bus is given --drain-s seconds to deliver what it acknowledged, and the counts are made.
 *
 * Exit code: 0 when the harness ran and nothing acknowledged was lost, 1 otherwise (2 on a usage error).
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { BUS_MAIN, ROOT, freePort, get } = require('../lib/processes');
const { problem: kafkaProblem, createTopic, deleteTopic, BROKERS } = require('../lib/brokers/kafka');
const { startSink } = require('./sink');
const { writeRoutes } = require('./routes');
const { Tally, pace, httpSenders, kafkaSender, sleep, agent } = require('./traffic');

const USAGE = `usage: npm run soak -- [options]
  --minutes <n>      how long traffic runs (default 30)
  --rate <n>         messages a second of each kind (default 20)
  --kill-min-s <s>   shortest time between two kills (default: 5% of the run)
  --kill-max-s <s>   longest time between two kills (default: 15% of the run)
  --drain-s <s>      time allowed after the traffic for acknowledged messages to arrive (default 120)
  --no-kafka         leave Kafka out even when a broker answers (KAFKA_BROKERS, else 127.0.0.1:9092)`;

function parse(argv) {
  const o = { minutes: 30, rate: 20, drainS: 120, kafka: true };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const num = () => {
      const n = Number(argv[++i]);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} expects a number > 0`);
      return n;
    };
    if (flag === '--minutes') o.minutes = num();
    else if (flag === '--rate') o.rate = num();
    else if (flag === '--kill-min-s') o.killMinS = num();
    else if (flag === '--kill-max-s') o.killMaxS = num();
    else if (flag === '--drain-s') o.drainS = num();
    else if (flag === '--no-kafka') o.kafka = false;
    else if (flag === '--help') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new Error(`unknown option ${flag}\n${USAGE}`);
  }
  const runS = o.minutes * 60;
  o.killMinS ??= Math.max(5, runS * 0.05);
  o.killMaxS ??= Math.max(o.killMinS, runS * 0.15);
  if (o.killMaxS < o.killMinS) throw new Error('--kill-max-s must not be below --kill-min-s');
  return o;
}

/** The bus as a child process on a fixed port, so that senders keep their URL across kills. */
class Bus {
  constructor(env) {
    this.env = env;
    this.url = `http://127.0.0.1:${env.PORT}`;
    this.child = undefined;
    this.lives = 0;
    this.output = '';
  }

  async start() {
    const child = spawn(process.execPath, [BUS_MAIN], { cwd: ROOT, env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (c) => (this.output = (this.output + c.toString('utf8')).slice(-32_768));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    this.child = child;
    this.lives++;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`the bus exited while starting:\n${this.output.slice(-4000)}`);
      if ((await get(`${this.url}/health`)).status === 200) return;
      await sleep(100);
    }
    throw new Error(`the bus did not start within 60 s:\n${this.output.slice(-4000)}`);
  }

  /** kill -9, and wait until the process is gone. */
  async kill() {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  }

  async stop() {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await gone;
    clearTimeout(timer);
  }

  /** Resident set of the running bus in MB, from /proc; undefined while it is down. */
  rssMb() {
    try {
      const status = fs.readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
      return Number.isFinite(kb) ? Math.round(kb / 102.4) / 10 : undefined;
    } catch {
      return undefined;
    }
  }
}

async function main() {
  let o;
  try {
    o = parse(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  if (!fs.existsSync(BUS_MAIN)) throw new Error(`no built bus at ${BUS_MAIN}: npm run build first`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'junction-soak-'));
  const tag = Date.now().toString(36);
  const sink = await startSink();
  let producer;
  let topic;
  let bus;
  const cleanup = async () => {
    await bus?.stop().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    if (topic) await deleteTopic(topic);
    await sink.close();
    agent.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    const kafkaSkipped = !o.kafka ? 'left out (--no-kafka)' : await kafkaProblem();
    if (!kafkaSkipped) {
      topic = `soak-${tag}`;
      await createTopic(topic, 3);
      const { Kafka, logLevel } = require('kafkajs');
      producer = new Kafka({ clientId: 'junction-soak', brokers: BROKERS, logLevel: logLevel.NOTHING }).producer();
      await producer.connect();
    }
    const routesDir = path.join(dir, 'routes');
    writeRoutes(routesDir, { kafkaTopic: topic });
    bus = new Bus({
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      ROUTES_DIR: routesDir,
      DATABASE_URL: `sqlite:${path.join(dir, 'soak.db')}`,
      SINK_URL: sink.url,
      LOG_LEVEL: 'warn',
      WATCH_ROUTES: 'false',
      ...(topic ? { KAFKA_BROKERS: BROKERS.join(',') } : {}),
    });
    await bus.start();

    const runMs = o.minutes * 60_000;
    const started = Date.now();
    const endAt = started + runMs;
    const chaosEndAt = started + runMs * 0.6;
    const warmUpMs = Math.min(60_000, runMs * 0.4 * 0.25);
    const log = (text) => process.stderr.write(`soak ${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s: ${text}\n`);
    log(`bus up (pid ${bus.child.pid}); ${o.minutes} min, ${o.rate}/s per kind, kills every ${o.killMinS.toFixed(0)}-${o.killMaxS.toFixed(0)} s in the first 60%; Kafka: ${kafkaSkipped ?? topic}`);

    const running = () => Date.now() < endAt;
    const senders = httpSenders(() => bus.url);
    const kinds = ['sync', 'async', 'soap', ...(topic ? ['kafka'] : [])];
    const tallies = Object.fromEntries(kinds.map((k) => [k, new Tally(k)]));
    const send = (kind) => (kind === 'kafka' ? kafkaSender(producer, topic) : senders[kind]);
    const traffic = Promise.all(kinds.map((k) => pace(tallies[k], { rate: o.rate, concurrency: 32, running, prefix: `${k}-${tag}`, sendOne: send(k) })));

    // Memory: sampled every 5 s; the figures taken at the marks below.
    const rss = { start: undefined, middle: undefined, end: undefined, steadyFrom: undefined, steadyLife: undefined };
    const sampler = setInterval(() => {
      const now = Date.now();
      const mb = bus.rssMb();
      if (mb === undefined) return;
      if (rss.start === undefined && now - started >= warmUpMs) rss.start = mb;
      if (rss.middle === undefined && now - started >= runMs / 2) rss.middle = mb;
      if (now >= chaosEndAt + warmUpMs && rss.steadyFrom === undefined) {
        rss.steadyFrom = mb;
        rss.steadyLife = bus.lives;
      }
      rss.end = mb;
    }, 5_000);

    const kills = [];
    const chaos = (async () => {
      for (;;) {
        const waitMs = (o.killMinS + Math.random() * (o.killMaxS - o.killMinS)) * 1000;
        if (Date.now() + waitMs >= chaosEndAt) return;
        await sleep(waitMs);
        await bus.kill();
        const downAt = Date.now();
        await bus.start();
        kills.push({ atS: Math.round((downAt - started) / 1000), downMs: Date.now() - downAt });
        log(`kill -9 #${kills.length}; the bus was back in ${Date.now() - downAt} ms (pid ${bus.child.pid})`);
      }
    })();
    const progress = setInterval(() => {
      const line = kinds.map((k) => `${k} ${tallies[k].acked.size}/${tallies[k].sent}`).join(', ');
      log(`acknowledged/sent: ${line}; bus RSS ${bus.rssMb() ?? '-'} MB`);
    }, 30_000);
    await Promise.all([traffic, chaos]);
    clearInterval(progress);
    clearInterval(sampler);
    rss.end = bus.rssMb() ?? rss.end;
    log('traffic stopped; waiting for acknowledged messages to arrive');

    const missing = (k) => [...tallies[k].acked].filter((id) => !(sink.deliveries.get(k)?.has(id))).length;
    const drainUntil = Date.now() + o.drainS * 1000;
    while (Date.now() < drainUntil && kinds.some((k) => missing(k) > 0)) await sleep(500);

    const rows = kinds.map((k) => {
      const t = tallies[k];
      const seen = sink.deliveries.get(k) ?? new Map();
      let deliveries = 0;
      for (const n of seen.values()) deliveries += n;
      return { kind: k, sent: t.sent, acknowledged: t.acked.size, refused: t.failed, delivered: seen.size, lost: missing(k), duplicated: deliveries - seen.size };
    });
    const lost = rows.reduce((s, r) => s + r.lost, 0);
    const growthPct = rss.steadyFrom && rss.end && bus.lives === rss.steadyLife ? ((rss.end - rss.steadyFrom) / rss.steadyFrom) * 100 : undefined;
    report({ o, rows, kills, rss, growthPct, kafkaSkipped, minutes: (Date.now() - started) / 60_000 });
    process.exitCode = lost === 0 ? 0 : 1;
  } finally {
    await cleanup();
  }
}

function report({ o, rows, kills, rss, growthPct, kafkaSkipped, minutes }) {
  const out = [];
  out.push(`\n## Soak: ${o.minutes} min of traffic (${minutes.toFixed(1)} min with the drain), ${o.rate}/s per kind, ${kills.length} kills (-9)\n`);
  out.push('| kind | sent | acknowledged | refused or unanswered | delivered | lost | duplicated |');
  out.push('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) out.push(`| ${r.kind} | ${r.sent} | ${r.acknowledged} | ${r.refused} | ${r.delivered} | ${r.lost} | ${r.duplicated} |`);
  if (kafkaSkipped) out.push(`\nKafka: ${kafkaSkipped}`);
  out.push(`\nKills at ${kills.map((k) => `${k.atS} s`).join(', ') || 'none'}; back up in ${kills.map((k) => `${(k.downMs / 1000).toFixed(1)} s`).join(', ') || '-'}.`);
  const mb = (v) => (v === undefined ? '-' : `${v} MB`);
  out.push(`Bus RSS: start ${mb(rss.start)} (after warm-up), middle ${mb(rss.middle)}, end ${mb(rss.end)}.`);
  out.push(
    growthPct === undefined
      ? 'Steady phase: too short to judge RSS growth (needs one bus process from its warm-up to the end).'
      : `Steady phase (one process, no kill): ${mb(rss.steadyFrom)} after warm-up -> ${mb(rss.end)} at the end: ${growthPct >= 0 ? '+' : ''}${growthPct.toFixed(1)}% (goal: under 10%).`,
  );
  const lost = rows.reduce((s, r) => s + r.lost, 0);
  out.push(`Lost: ${lost} (goal: 0). Duplicated: ${rows.reduce((s, r) => s + r.duplicated, 0)} (at-least-once allows them).\n`);
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((err) => {
  process.stderr.write(`soak failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = process.exitCode || 1;
});
