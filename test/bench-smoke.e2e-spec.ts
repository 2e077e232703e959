import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');

interface BenchRow {
  scenario: string;
  size: string;
  concurrency: number;
  rps: number;
  baselineRps: number | null;
  ratio: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  errorRate: number;
  rssMb: number | null;
  requests: number;
  busAlive: boolean;
}

interface SystemSummary {
  rps: number;
  minRps: number;
  maxRps: number;
  errorRate: number;
  cpuPct: number | null;
  rssMb: number | null;
  runs: unknown[];
}

interface PacedSummary {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

interface CompareRow extends BenchRow {
  paced?: { systems: Record<string, PacedSummary>; addedP99Ms: Record<string, number> };
  load: string;
  rounds: number;
  directRps: number;
  counts: boolean;
  limit?: string;
  systems: Record<string, SystemSummary>;
}

function run(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(ROOT, 'bench', 'run.js'), ...args], { cwd: ROOT, timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/**
 * The benchmark harness runs end to end on the built bus: one tiny cell (S1 at 1 KB, 10 connections, about a second)
 * against the bus and the raw proxy. Only the shape of the output and that load was really applied are checked:
 * benchmark figures are never asserted in the test suite (they depend on the machine and on what else runs on it).
 */
describe('bench harness smoke run', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'junction-bench-smoke-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('S1 at 1 KB, c=10 for a second: a results file with one measured row and a markdown table', async () => {
    const out = join(dir, 'results.json');
    const args = ['--scenarios', 'S1', '--sizes', '1KB', '--concurrency', '10', '--duration', '1', '--warmup', '0', '--out', out];
    const { code, stdout, stderr } = await run(args, 100_000);
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain('| scenario | size | c | rps |');
    expect(stdout).toContain('## Targets');

    const rows = JSON.parse(readFileSync(out, 'utf8')) as BenchRow[];
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row).toMatchObject({ scenario: 'S1', size: '1KB', concurrency: 10, busAlive: true });
    for (const key of ['rps', 'baselineRps', 'ratio', 'p50Ms', 'p99Ms', 'errorRate', 'rssMb'] as const) {
      expect(typeof row[key]).toBe('number');
    }
    // Load really went through the bus and the proxy, and the bus's memory was sampled.
    expect(row.requests).toBeGreaterThan(0);
    expect(row.rps).toBeGreaterThan(0);
    expect(row.baselineRps).toBeGreaterThan(0);
    expect(row.rssMb).toBeGreaterThan(0);
    expect(row.errorRate).toBeLessThan(1);
  });

  test('--load wrk: S1 at 1 KB, c=10, two rounds of a second on the bus, the raw proxy and the backend called directly, then at a fixed rate', async () => {
    const out = join(dir, 'results-wrk.json');
    const args = ['--load', 'wrk', '--rounds', '2', '--scenarios', 'S1', '--sizes', '1KB', '--concurrency', '10', '--duration', '1', '--warmup', '0', '--paced', '100', '--out', out];
    const { code, stdout, stderr } = await run(args, 150_000);
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain('## Systems side by side (2 rounds, medians and min-max)');

    const rows = JSON.parse(readFileSync(out, 'utf8')) as CompareRow[];
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row).toMatchObject({ scenario: 'S1', size: '1KB', concurrency: 10, load: 'wrk', rounds: 2, busAlive: true });
    // No Camel without --camel: the bus, the proxy and the direct backend, each measured in both rounds.
    expect(Object.keys(row.systems).sort()).toEqual(['direct', 'junction', 'proxy']);
    for (const [name, system] of Object.entries(row.systems)) {
      expect({ name, runs: system.runs.length }).toEqual({ name, runs: 2 });
      expect(system.rps).toBeGreaterThan(0);
      expect(system.minRps).toBeLessThanOrEqual(system.rps);
      expect(system.maxRps).toBeGreaterThanOrEqual(system.rps);
      expect(system.errorRate).toBeLessThan(1);
    }
    expect(row.rps).toBe(row.systems.junction.rps);
    expect(row.baselineRps).toBe(row.systems.proxy.rps);
    expect(row.directRps).toBe(row.systems.direct.rps);
    // The honesty rule, whichever way it went on this machine: counts exactly when direct >= 2 x raw proxy.
    expect(row.counts).toBe(row.directRps >= 2 * (row.baselineRps ?? Infinity));
    if (!row.counts) expect(row.limit).toContain('load generator or the machine');
    expect(row.systems.junction.rssMb).toBeGreaterThan(0);
    // --paced 100: every system offered 100 requests a second over the same 10 connections, every one answered.
    expect(stdout).toContain('## At a fixed rate (--paced 100, 2 rounds)');
    expect(Object.keys(row.paced!.systems).sort()).toEqual(['direct', 'junction', 'proxy']);
    for (const [name, system] of Object.entries(row.paced!.systems)) {
      expect({ name, errors: system.errors, answered: system.rps > 0 }).toEqual({ name, errors: 0, answered: true });
      expect(system.p99Ms).toBeGreaterThanOrEqual(system.p50Ms);
    }
    expect(row.paced!.addedP99Ms.junction).toBeCloseTo(row.paced!.systems.junction.p99Ms - row.paced!.systems.direct.p99Ms, 1);
    console.log(`bench smoke wrk: junction ${row.rps} rps, raw ${row.baselineRps}, direct ${row.directRps}, counts ${row.counts}`);
  });
});
