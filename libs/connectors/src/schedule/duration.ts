import { parseDuration } from '@junction/core';

// The parser is shared with the settings and route files (retention); the schedule's own bounds stay here.
export { DURATION_PATTERN, parseDuration } from '@junction/core';

/** The shortest period a schedule may have: below it, ticks would mostly measure the event loop's own delays. */
export const MIN_PERIOD_MS = 100;
/** The longest: a longer period is a date, which `cron` says better. */
export const MAX_PERIOD_MS = 365 * 86_400_000;

/** Why `text` cannot be a schedule's period, or undefined when it can. */
export function periodProblem(text: string): string | undefined {
  const ms = parseDuration(text);
  if (ms === undefined) return `"${text}" is not a duration: expected e.g. 500ms, 30s, 5m, 1h or 1h30m`;
  if (ms < MIN_PERIOD_MS) return `${text} is too short: a schedule ticks at most every ${MIN_PERIOD_MS}ms`;
  if (ms > MAX_PERIOD_MS) return `${text} is too long: at most 365d (use cron for dates)`;
  return undefined;
}
