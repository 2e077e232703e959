import {
  LATENCY_BUCKETS,
  LATENCY_FLOOR_MS,
  LATENCY_RELATIVE_ERROR,
  bucketValue,
  latencyBucket,
  newHistogram,
  percentile,
} from './log-histogram';

/** The exact nearest-rank percentile of a list of samples. */
function exact(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length - 1e-9)) - 1];
}

function histogramOf(samples: number[]): Uint32Array {
  const h = newHistogram();
  for (const s of samples) h[latencyBucket(s)]++;
  return h;
}

const range = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

describe('log-scale latency histogram', () => {
  test('the stated error is half a bucket: 2^(1/16) - 1', () => {
    expect(LATENCY_RELATIVE_ERROR).toBeCloseTo(0.04427, 5);
  });

  test.each([
    ['under the floor', 0.05, 0],
    ['zero', 0, 0],
    ['negative (clock step)', -3, 0],
    ['NaN', NaN, 0],
    ['the floor', LATENCY_FLOOR_MS, 1],
    ['one doubling above the floor', 0.2, 9],
    ['1 ms', 1, 1 + Math.floor(Math.log2(10) * 8)],
    ['far above the top', 1e12, LATENCY_BUCKETS - 1],
  ])('bucket of %s', (_name, ms, bucket) => {
    expect(latencyBucket(ms)).toBe(bucket);
  });

  test('every finite bucket holds the values it stands for within the stated error', () => {
    for (let i = 1; i < LATENCY_BUCKETS - 1; i++) {
      const lower = LATENCY_FLOOR_MS * 2 ** ((i - 1) / 8);
      const upper = LATENCY_FLOOR_MS * 2 ** (i / 8);
      for (const v of [lower * 1.0000001, (lower + upper) / 2, upper * 0.9999999]) {
        expect(latencyBucket(v)).toBe(i);
        expect(Math.abs(bucketValue(i) - v) / v).toBeLessThanOrEqual(LATENCY_RELATIVE_ERROR + 1e-9);
      }
    }
  });

  test.each([
    ['one sample', [42]],
    ['constant', range(100, () => 7)],
    ['uniform 1..1000 ms', range(1000, (i) => i + 1)],
    ['geometric 0.1 ms .. 1 h', range(500, (i) => 0.1 * 1.035 ** i)],
    ['bimodal fast and slow', [...range(90, (i) => 2 + i / 100), ...range(10, (i) => 2000 + i * 100)]],
    ['twenty samples (rank 19 of 0.95)', range(20, (i) => 10 * (i + 1))],
  ])('percentiles of %s are within the stated error of the exact ones', (_name, samples) => {
    const h = histogramOf(samples);
    for (const q of [0.5, 0.95, 0.99, 1]) {
      const want = exact(samples, q);
      const got = percentile(h, samples.length, q)!;
      expect(Math.abs(got - want) / want).toBeLessThanOrEqual(LATENCY_RELATIVE_ERROR + 1e-9);
    }
  });

  test('no sample: no percentile', () => {
    expect(percentile(newHistogram(), 0, 0.5)).toBeNull();
  });

  test('histograms merge by adding: the merge gives the percentiles of all the samples', () => {
    const a = range(300, (i) => 1 + i);
    const b = range(700, (i) => 500 + i * 3);
    const merged = histogramOf(a);
    const hb = histogramOf(b);
    for (let i = 0; i < LATENCY_BUCKETS; i++) merged[i] += hb[i];
    expect(merged).toEqual(histogramOf([...a, ...b]));
    expect(percentile(merged, 1000, 0.5)).toBe(percentile(histogramOf([...a, ...b]), 1000, 0.5));
  });

  test('out of range samples come back as the floor and the top edge', () => {
    expect(percentile(histogramOf([0.01]), 1, 0.5)).toBe(LATENCY_FLOOR_MS);
    expect(percentile(histogramOf([1e12]), 1, 0.5)).toBeCloseTo(LATENCY_FLOOR_MS * 2 ** ((LATENCY_BUCKETS - 2) / 8), 3);
  });
});
