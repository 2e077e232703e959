const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** A duration as text: whole numbers with units, one or more. */
export const DURATION_PATTERN = /^(?:\d+(?:ms|s|m|h|d))+$/;
const PART = /(\d+)(ms|s|m|h|d)/g;

/**
 * Milliseconds of a duration written as whole numbers with units, largest first or not: `500ms`, `30s`, `5m`, `1h`,
 * `1d`, or a sum such as `1h30m`. Undefined when the text is not a duration (spaces, decimals, no unit).
 */
export function parseDuration(text: string): number | undefined {
  if (!DURATION_PATTERN.test(text)) return undefined;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(PART)) ms += Number(n) * UNIT_MS[unit];
  return Number.isSafeInteger(ms) ? ms : undefined;
}
