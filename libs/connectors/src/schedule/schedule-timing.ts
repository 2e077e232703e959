import { parseDuration, periodProblem } from './duration';

/**
 * When a schedule ticks. Tick times are absolute (epoch ms) and computed the same way on every instance from the
 * schedule alone, never from when an instance started: that is what lets instances sharing a store agree on which
 * tick is which, and claim each once.
 */
export interface Schedule {
  /** The schedule as written, for logs, the status and the message's source address: `every 30s`, `cron 0 9 * * 1-5 Europe/Paris`. */
  readonly text: string;
  /** The first tick strictly after `afterMs`. */
  next(afterMs: number): number;
  /** The last tick at or before `atMs`. */
  latest(atMs: number): number;
}

/** What of a source config decides its ticks. */
export interface Timing {
  readonly every?: string;
  readonly cron?: string;
  readonly timezone?: string;
}

/** A problem with a timing, at its key in the source config. */
export interface TimingProblem {
  readonly path: 'every' | 'cron' | 'timezone';
  readonly message: string;
}

/** Time zone of cron fields when none is given: the same on every instance, whatever the machine's own zone. */
export const DEFAULT_TIMEZONE = 'UTC';

/**
 * `every`: ticks on the multiples of the period counted from 1970-01-01T00:00Z (so `every: 1h` ticks on the hour,
 * UTC, and `every: 1d` at midnight UTC).
 */
export function everySchedule(text: string, periodMs: number): Schedule {
  return {
    text: `every ${text}`,
    next: (after) => (Math.floor(after / periodMs) + 1) * periodMs,
    latest: (at) => Math.floor(at / periodMs) * periodMs,
  };
}

/**
 * `cron`: five fields (minute first), six (second first) or an alias (`@hourly`, `@daily`...), in `timezone` (IANA name). Daylight saving as cron-parser
 * does it: a local time skipped in spring fires an hour later, a time repeated in autumn fires once. `seed` fixes what
 * `H` picks, so that every instance picks the same.
 */
export function cronSchedule(expression: string, timezone: string, seed: string): Schedule {
  const options = { tz: timezone, hashSeed: seed };
  // cron-parser pads a short expression from the left (`*/5 * * *` would tick every 5 hours): refused instead.
  const fields = expression.trim().split(/\s+/).length;
  if (!expression.trim().startsWith('@') && fields !== 5 && fields !== 6) {
    throw new Error(`expected 5 fields (minute hour day month weekday), 6 (seconds first) or an @alias, got ${fields}`);
  }
  // cron-parser (with luxon, about 1 MB of heap) is loaded by the first cron schedule, not with the bus.
  const { CronExpressionParser } = require('cron-parser') as typeof import('cron-parser');
  // Parsed once here so that a bad expression fails at load, not at the first tick.
  CronExpressionParser.parse(expression, options).next();
  return {
    text: `cron ${expression}${timezone === DEFAULT_TIMEZONE ? '' : ` ${timezone}`}`,
    next: (after) => CronExpressionParser.parse(expression, { ...options, currentDate: after }).next().getTime(),
    // cron-parser's prev() is strictly before its current date.
    latest: (at) => CronExpressionParser.parse(expression, { ...options, currentDate: at + 1 }).prev().getTime(),
  };
}

/** What is wrong with a timing (none when it builds a schedule); no I/O. */
export function timingProblems(timing: Timing, seed = ''): TimingProblem[] {
  if (timing.every !== undefined) {
    const problem = periodProblem(timing.every);
    return problem ? [{ path: 'every', message: problem }] : [];
  }
  if (timing.cron === undefined) return [{ path: 'every', message: 'expected one of every, cron' }];
  const timezone = timing.timezone ?? DEFAULT_TIMEZONE;
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    return [{ path: 'timezone', message: `unknown time zone "${timezone}": expected an IANA name such as Europe/Paris` }];
  }
  try {
    cronSchedule(timing.cron, timezone, seed);
    return [];
  } catch (err) {
    return [{ path: 'cron', message: `not a cron expression: ${err instanceof Error ? err.message : String(err)}` }];
  }
}

/** The schedule of a valid timing (see `timingProblems`); throws the first problem otherwise. */
export function scheduleOf(timing: Timing, seed: string): Schedule {
  const [problem] = timingProblems(timing, seed);
  if (problem) throw new Error(`${problem.path}: ${problem.message}`);
  if (timing.every !== undefined) return everySchedule(timing.every, parseDuration(timing.every)!);
  return cronSchedule(timing.cron!, timing.timezone ?? DEFAULT_TIMEZONE, seed);
}
