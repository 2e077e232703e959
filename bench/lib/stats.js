'use strict';
/** Small statistics shared by the harness's summaries. */

/** The median of the numbers among `values` (others ignored), or null when there is none. */
function median(values) {
  const v = values.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

module.exports = { median };
