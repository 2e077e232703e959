// The benchmark's goals are judged from the rows of a run: these checks pin which cells may count for a goal.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { targets } = require('./report');

interface Target {
  target: string;
  value: number | null;
  where: string | null;
  met: boolean | null;
}

function compareRow(over: Record<string, unknown> = {}, systems: Record<string, Record<string, number>> = {}) {
  return {
    scenario: 'S1',
    size: '1KB',
    format: 'json',
    concurrency: 100,
    rps: 3000,
    ratio: 0.6,
    camelRatio: 0.75,
    counts: true,
    p99Ms: 9,
    rssMb: 300,
    systems: {
      junction: { cpuMsPerRequest: 0.3, p99Ms: 9 },
      proxy: { cpuMsPerRequest: 0.15, p99Ms: 4 },
      camel: { cpuMsPerRequest: 0.2, p99Ms: 3 },
      direct: { cpuMsPerRequest: 0.02, p99Ms: 1 },
      ...systems,
    },
    ...over,
  };
}

const find = (results: Target[], start: string) => results.find((t) => t.target.startsWith(start))!;

describe('benchmark targets', () => {
  it('judges ratios on counting cells only: a cell whose direct row is under twice the raw proxy is left out', () => {
    const results: Target[] = targets([
      compareRow({ size: '1KB', camelRatio: 1.2 }),
      compareRow({ size: '10KB', camelRatio: 0.1, counts: false }),
    ]);
    const s1 = find(results, 'S1 passthrough 1 KB and 10 KB, Junction / Camel');
    expect(s1).toMatchObject({ value: 1.2, where: 'S1 1KB c=100', met: true });
  });

  it('is not measured when no cell counts', () => {
    const s1 = find(targets([compareRow({ counts: false })]), 'S1 passthrough 1 KB and 10 KB');
    expect(s1).toMatchObject({ value: null, met: null });
  });

  it('compares CPU per request with Camel and with the raw proxy', () => {
    const results: Target[] = targets([compareRow()]);
    // Camel spends 0.2 ms where Junction spends 0.3: Junction answers 0.67 as many requests per CPU second.
    expect(find(results, 'requests per second of own CPU')).toMatchObject({ value: 0.67, met: false });
    // 0.3 against the raw proxy's 0.15: exactly twice, which the goal allows.
    expect(find(results, 'S1 1 KB passthrough CPU per request')).toMatchObject({ value: 2, met: true });
  });

  it('measures the p99 added over the backend called directly, and falls back to the raw proxy without it', () => {
    const withDirect = targets([compareRow({ concurrency: 10, p99Ms: 2.5 })]);
    expect(find(withDirect, 'p99 added at c=10')).toMatchObject({ value: 1.5, met: true });
    const plain = targets([{ scenario: 'S1', size: '1KB', concurrency: 10, rps: 100, ratio: 0.5, p99Ms: 9, baselineP99Ms: 4 }]);
    expect(find(plain, 'p99 added at c=10')).toMatchObject({ value: 5, met: false });
  });

  it('takes the p99 added at the fixed rate when the cell was paced, and misses the goal when the bus fell behind it', () => {
    const paced = (junction: Record<string, unknown>) => ({
      rps: 500,
      systems: { junction: { p99Ms: 3.1, keptRate: true, ...junction }, direct: { p99Ms: 1.6, keptRate: true } },
      addedP99Ms: { junction: 1.5 },
    });
    // The closed loop's p99 (9 ms here) is left aside for the paced figure.
    const kept = targets([compareRow({ concurrency: 10, p99Ms: 9, paced: paced({}) })]);
    expect(find(kept, 'p99 added at c=10')).toMatchObject({ value: 1.5, where: 'S1 1KB c=10 at 500 rps (paced)', met: true });
    const behind = targets([compareRow({ concurrency: 10, p99Ms: 9, paced: paced({ keptRate: false }) })]);
    expect(find(behind, 'p99 added at c=10')).toMatchObject({ value: null, met: false });
  });

  it("takes the largest process's resident set when the bus runs as several processes", () => {
    const results = targets([compareRow({ concurrency: 500, rssMb: 380, processRssMb: 190 })]);
    expect(find(results, 'RSS per bus process')).toMatchObject({ value: 190, met: true });
  });

  it('allows refused flood requests but not a dead bus or an unanswered probe', () => {
    const flood = (over: Record<string, unknown>) => ({
      scenario: 'S4',
      size: '100KB',
      format: 'xml',
      concurrency: 100,
      rps: 50,
      busAlive: true,
      errorRate: 0.4,
      probe: { ok: true, errors: 0, p99Ms: 30, maxMs: 45 },
      ...over,
    });
    expect(find(targets([flood({})]), "another route's probe")).toMatchObject({ value: 30, met: true });
    const dead = find(targets([flood({ busAlive: false })]), "another route's probe");
    expect(dead.met).toBe(false);
    expect(dead.where).toContain('the bus died');
  });
});
