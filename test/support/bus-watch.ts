import { readFileSync } from 'node:fs';
import { get } from 'node:http';

/** Resident memory of a process in MB, from /proc. */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for process ${pid}`);
  return Number(m[1]) / 1024;
}

/** What a watch saw, from its start to its stop. */
export interface BusWatch {
  /** Longest time between two answers of /health/live (a probe is sent `everyMs` after the previous answer). */
  readonly maxGapMs: number;
  readonly probes: number;
  /** Probes that got no 200. */
  readonly failed: number;
  readonly peakRssMb: number;
}

/**
 * Watches a bus running as its own process while a test loads it: /health/live is probed one call after another,
 * `everyMs` after each answer, and the process's memory is sampled every 50 ms. A bus whose event loop stalls answers
 * late, and the gap between two answers shows it. `stop` ends the watch and gives the figures.
 */
export function watchBus(url: string, pid: number, everyMs = 100): { stop(): Promise<BusWatch> } {
  let running = true;
  let maxGapMs = 0;
  let probes = 0;
  let failed = 0;
  let peakRssMb = rssMb(pid);
  const sampler = setInterval(() => {
    try {
      peakRssMb = Math.max(peakRssMb, rssMb(pid));
    } catch {
      // the process is gone; the test will say so
    }
  }, 50);
  const probe = () =>
    new Promise<boolean>((done) => {
      const req = get(`${url}/health/live`, (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode === 200));
      });
      req.on('error', () => done(false));
    });
  const loop = (async () => {
    let last = performance.now();
    while (running) {
      const ok = await probe();
      const now = performance.now();
      maxGapMs = Math.max(maxGapMs, now - last);
      last = now;
      probes++;
      if (!ok) failed++;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      clearInterval(sampler);
      return { maxGapMs: Math.round(maxGapMs), probes, failed, peakRssMb: Math.round(peakRssMb) };
    },
  };
}
