'use strict';
/**
 * CPU and memory of a process, read from /proc (Linux) the way pidusage does, without the dependency: CPU time is
 * utime + stime from /proc/<pid>/stat (in clock ticks), memory the resident set VmRSS from /proc/<pid>/status,
 * sampled every `intervalMs` for its peak. Elsewhere than Linux the figures are null rather than wrong.
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
 * Starts sampling `pid`; `stop()` gives `{ cpuPct, cpuS, peakRssMb }` over the time since the start (CPU % of one
 * core: 200 is both cores of a 2-core machine busy; cpuS: CPU seconds, user + system).
 */
function sample(pid, intervalMs = 100) {
  const t0 = process.hrtime.bigint();
  const c0 = cpuTicks(pid);
  let peak = rssKb(pid) ?? 0;
  const timer = setInterval(() => {
    const kb = rssKb(pid);
    if (kb !== undefined && kb > peak) peak = kb;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      const kb = rssKb(pid);
      if (kb !== undefined && kb > peak) peak = kb;
      const c1 = cpuTicks(pid);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpuS = c0 === undefined || c1 === undefined ? null : (c1 - c0) / clockTicks();
      const cpuPct = cpuS === null ? null : Math.round((cpuS / seconds) * 100);
      return { cpuPct, cpuS: cpuS === null ? null : Math.round(cpuS * 100) / 100, peakRssMb: peak ? Math.round(peak / 1024) : null };
    },
  };
}

module.exports = { sample, rssKb, cpuTicks, clockTicks };
