/**
 * A fixed log-scale histogram of latencies in milliseconds, as plain count arrays: every histogram has the same
 * buckets, so windows merge by adding arrays and a percentile is one scan, whatever the number of samples.
 *
 * Buckets: index 0 holds [0, 0.1 ms); index i (1..LAST-1) holds [0.1·r^(i-1), 0.1·r^i) with r = 2^(1/8) (eight
 * buckets per doubling); the last one holds everything from 0.1·r^(LAST-1) ≈ 6.1·10^6 ms (about 1.7 h) up.
 *
 * Error: a percentile is reported as the geometric middle of the bucket that holds the sample of that rank, so for
 * samples between 0.1 ms and 1.7 h it is within a factor r^(1/2) = 2^(1/16) of the true value: at most 4.43 % too
 * high or 4.24 % too low (`LATENCY_RELATIVE_ERROR`). Samples under 0.1 ms are reported as 0.1 ms, samples above the
 * top as the top's lower edge.
 */

/** Lower edge of the first log-scale bucket, in ms. */
export const LATENCY_FLOOR_MS = 0.1;
const PER_DOUBLING = 8;
const LOG_RATIO = 1 / PER_DOUBLING;
/** Number of buckets: one under the floor, then 26 doublings of 8 buckets, the last one open-ended. */
export const LATENCY_BUCKETS = 1 + 26 * PER_DOUBLING;
const LAST = LATENCY_BUCKETS - 1;
/** Largest relative error of a reported percentile against the true sample of that rank (2^(1/16) - 1). */
export const LATENCY_RELATIVE_ERROR = 2 ** (1 / (2 * PER_DOUBLING)) - 1;

/** The bucket a latency falls in. Negative or NaN latencies (a clock step) count as the smallest. */
export function latencyBucket(ms: number): number {
  if (!(ms >= LATENCY_FLOOR_MS)) return 0;
  const i = 1 + Math.floor(Math.log2(ms / LATENCY_FLOOR_MS) * PER_DOUBLING);
  return i > LAST ? LAST : i;
}

/** The value a bucket stands for: its geometric middle (see the error bound above). */
export function bucketValue(index: number): number {
  if (index <= 0) return LATENCY_FLOOR_MS;
  if (index >= LAST) return LATENCY_FLOOR_MS * 2 ** ((LAST - 1) * LOG_RATIO);
  return LATENCY_FLOOR_MS * 2 ** ((index - 0.5) * LOG_RATIO);
}

/** A fresh, empty histogram. */
export function newHistogram(): Uint32Array {
  return new Uint32Array(LATENCY_BUCKETS);
}

/**
 * The `q` quantile (0 < q <= 1) of the samples counted in `counts` (`total` of them), by nearest rank: the value of
 * the bucket holding the ⌈q·total⌉-th smallest sample; null when there is no sample.
 */
export function percentile(counts: ArrayLike<number>, total: number, q: number): number | null {
  if (total <= 0) return null;
  // The epsilon keeps 0.95 · 20 at rank 19 despite binary fractions.
  const rank = Math.max(1, Math.ceil(q * total - 1e-9));
  let seen = 0;
  for (let i = 0; i < LATENCY_BUCKETS; i++) {
    seen += counts[i];
    if (seen >= rank) return bucketValue(i);
  }
  return bucketValue(LAST);
}
