'use strict';
/**
 * CPU and memory of a process and its descendants, read from /proc (Linux) the way pidusage does, without the
 * dependency: CPU time is utime + stime from /proc/<pid>/stat (in clock ticks), memory the resident set VmRSS from
 * /proc/<pid>/status, sampled every `intervalMs` for its peak. The descendants count because a bus started with
 * WORKERS > 1 is a primary and its worker processes: its cost is the whole tree's. Elsewhere than Linux the figures
 * are null rather than wrong.
 */
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');

let ticksPerSecond;
function clockTicks() {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100; // the Linux default on every common architecture
    }
  }
  return ticksPerSecond;
}

/** utime + stime in ticks, or undefined when the process is gone. */
function cpuTicks(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // fields 14 and 15 of the full line
  } catch {
    return undefined;
  }
}

/** The parent pid of `pid`, or undefined when it is gone. */
function parentOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** `pid` and every live descendant of it. */
function processTree(pid) {
  let pids;
  try {
    pids = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
  } catch {
    return [pid];
  }
  const children = new Map();
  for (const p of pids) {
    const parent = parentOf(p);
    if (parent === undefined) continue;
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(p);
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]) ?? []));
  return tree;
}

/** CPU ticks of each process of the tree, by pid (a process that exits between two reads drops out). */
function treeTicks(pids) {
  const ticks = new Map();
  for (const p of pids) {
    const t = cpuTicks(p);
    if (t !== undefined) ticks.set(p, t);
  }
  return ticks;
}

/** CPU ticks since `before` (a treeTicks map), summed over the processes still alive. */
function ticksSince(before) {
  let sum = 0;
  for (const [p, t0] of before) {
    const t1 = cpuTicks(p);
    if (t1 !== undefined) sum += t1 - t0;
  }
  return sum;
}

/** Resident set size in kB, or undefined. */
function rssKb(pid) {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts sampling `pid` and its descendants; `stop()` gives `{ cpuPct, cpuS, peakRssMb, peakProcessRssMb,
 * processes }` over the time since the start: CPU % of one core (200 is both cores of a 2-core machine busy), CPU
 * seconds (user + system) of the processes alive at both ends, the peak of the tree's summed resident set, the peak
 * of any one process's, and how many processes the tree had.
 */
function sample(pid, intervalMs = 100) {
  const t0 = process.hrtime.bigint();
  let pids = processTree(pid);
  const c0 = treeTicks(pids);
  let peak = 0;
  let peakOne = 0;
  const read = () => {
    let sum = 0;
    for (const p of pids) {
      const kb = rssKb(p) ?? 0;
      sum += kb;
      if (kb > peakOne) peakOne = kb;
    }
    if (sum > peak) peak = sum;
  };
  read();
  let ticks = 0;
  const timer = setInterval(() => {
    // The tree rarely changes (a worker restarted): look for new processes once a second, not every sample.
    if (++ticks % 10 === 0) pids = processTree(pid);
    read();
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      read();
      const c1 = treeTicks(processTree(pid));
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      let used = 0;
      for (const [p, t] of c1) if (c0.has(p)) used += t - c0.get(p);
      const cpuS = c0.has(pid) && c1.has(pid) ? used / clockTicks() : null;
      const cpuPct = cpuS === null ? null : Math.round((cpuS / seconds) * 100);
      const mb = (kb) => (kb ? Math.round(kb / 1024) : null);
      return {
        cpuPct,
        cpuS: cpuS === null ? null : Math.round(cpuS * 100) / 100,
        peakRssMb: mb(peak),
        peakProcessRssMb: mb(peakOne),
        processes: c1.size,
      };
    },
  };
}

module.exports = { sample, rssKb, cpuTicks, clockTicks, processTree, treeTicks, ticksSince };
