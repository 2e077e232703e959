/** The shortest period a schedule may have: below it, ticks would mostly measure the event loop's own delays. */
export const MIN_PERIOD_MS = 100;
/** The longest: a longer period is a date, which `cron` says better. */
export const MAX_PERIOD_MS = 365 * 86_400_000;

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

/** Why `text` cannot be a schedule's period, or undefined when it can. */
export function periodProblem(text: string): string | undefined {
  const ms = parseDuration(text);
  if (ms === undefined) return `"${text}" is not a duration: expected e.g. 500ms, 30s, 5m, 1h or 1h30m`;
  if (ms < MIN_PERIOD_MS) return `${text} is too short: a schedule ticks at most every ${MIN_PERIOD_MS}ms`;
  if (ms > MAX_PERIOD_MS) return `${text} is too long: at most 365d (use cron for dates)`;
  return undefined;
}
