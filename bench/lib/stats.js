'use strict';
/** Small statistics shared by the harness's summaries. */

/** The median of the numbers among `values` (others ignored), or null when there is none. */
function median(values) {
  const v = values.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** The p-th percentile (nearest rank) of ascending `sorted`, rounded to 0.01, or null when it is empty. */
function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[i] * 100) / 100;
}

module.exports = { median, percentile };
