'use strict';
/**
 * A preload for the bus (`--bus-node-args "--require ./bench/loop-delay.js"`, with LOOP_DELAY_FILE set): every
 * second each process of the bus (the cluster primary and its workers; not worker threads) appends one JSON line to
 * that file: its event-loop delay (p50, p99, max in ms, from perf_hooks.monitorEventLoopDelay), its main thread's CPU
 * in ms (from /proc, so that the XML worker threads are not counted) and the whole process's, and the HTTP requests it
 * answered by status. Event-loop delay is the figure that other load on a shared machine moves least.
 */
const { isMainThread } = require('node:worker_threads');

const file = process.env.LOOP_DELAY_FILE;
if (isMainThread && file) start(file);

function start(out) {
  const fs = require('node:fs');
  const cluster = require('node:cluster');
  const dc = require('node:diagnostics_channel');
  const { monitorEventLoopDelay } = require('node:perf_hooks');
  const stat = `/proc/self/task/${process.pid}/stat`;
  /** utime + stime of the main thread, in clock ticks (10 ms). */
  const mainTicks = () => {
    const s = fs.readFileSync(stat, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  };
  const role = cluster.isPrimary ? 'primary' : `worker${cluster.worker?.id ?? ''}`;
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let statuses = {};
  dc.subscribe('http.server.response.finish', ({ response }) => {
    statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
  });
  let ticks = mainTicks();
  let usage = process.cpuUsage();
  setInterval(() => {
    const t = mainTicks();
    const u = process.cpuUsage(usage);
    const ms = (ns) => Math.round(ns / 1e5) / 10;
    const line = {
      t: Date.now(),
      pid: process.pid,
      role,
      p50: ms(delay.percentile(50)),
      p99: ms(delay.percentile(99)),
      max: ms(delay.max),
      mainCpuMs: (t - ticks) * 10,
      cpuMs: Math.round((u.user + u.system) / 1000),
      statuses,
    };
    fs.appendFileSync(out, `${JSON.stringify(line)}\n`);
    delay.reset();
    statuses = {};
    ticks = t;
    usage = process.cpuUsage();
  }, 1000).unref();
}
