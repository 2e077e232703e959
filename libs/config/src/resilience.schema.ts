import { parseDuration } from '@junction/core';
import { z } from 'zod';

/**
 * The resilience patterns of a route file: throttle (Camel/EIP Throttler, resilience4j RateLimiter), bulkhead
 * (resilience4j Bulkhead) and circuit breaker (Camel Circuit Breaker EIP, resilience4j CircuitBreaker). A target may
 * set all three beside its id and retry; a route may set a throttle of its own. See the README's "Resilience".
 */

const RATE = /^(\d+(?:\.\d+)?)\s*\/\s*(s|sec|second|m|min|minute|h|hour)$/;
const PER: Readonly<Record<string, number>> = { s: 1, sec: 1, second: 1, m: 60, min: 60, minute: 60, h: 3600, hour: 3600 };

/** Messages per second of a rate written `50/s`, `300/min` or `1000/h`; undefined when the text is not a rate. */
export function parseRate(text: string): number | undefined {
  const m = RATE.exec(text.trim());
  if (!m) return undefined;
  const perSecond = Number(m[1]) / PER[m[2]];
  return perSecond > 0 && Number.isFinite(perSecond) ? perSecond : undefined;
}

const duration = (what: string, min: number) =>
  z.string().refine((s) => (parseDuration(s) ?? -1) >= min, { error: `expected a duration such as 500ms, 10s or 1m (${what})` });

export const ThrottleSchema = z
  .strictObject({
    rate: z
      .string()
      .refine((s) => parseRate(s) !== undefined && parseRate(s)! <= 100_000, { error: 'expected a rate such as 50/s, 300/min or 1000/h' })
      .optional()
      .describe('The rate: `50/s`, `300/min`, `1000/h`.'),
    perSecond: z.number().positive().max(100_000).optional().describe('The rate in messages (requests) per second; instead of `rate`.'),
    burst: z
      .int()
      .min(1)
      .max(10_000)
      .default(1)
      .describe('How many may go at once after a quiet spell, above the steady rate (1: evenly spaced, none ahead).'),
  })
  .superRefine((value, ctx) => {
    if ((value.rate === undefined) === (value.perSecond === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'expected one of rate (e.g. 50/s) or perSecond' });
    }
  })
  .meta({
    id: 'Throttle',
    description:
      'Throttler (Camel/EIP Throttler, resilience4j RateLimiter): at most this rate, evenly spaced. On a target: deliveries wait for their turn (never counted as attempts). On a route: an async route makes its callers wait, a sync route over the rate answers 429 with Retry-After.',
    oneOf: [{ required: ['rate'] }, { required: ['perSecond'] }],
  });

export const BulkheadSchema = z
  .strictObject({
    maxInFlight: z.int().min(1).max(10_000).describe('At most this many deliveries to the target in flight at once, per instance.'),
  })
  .meta({
    id: 'Bulkhead',
    description: "Bulkhead (resilience4j Bulkhead): caps the target's deliveries in flight, so that a slow target never holds the slots other targets need.",
  });

export const CircuitBreakerSchema = z
  .strictObject({
    failureRatio: z
      .number()
      .gt(0)
      .max(1)
      .optional()
      .describe('Opens when at least this share of the calls in the window failed (and there were at least minCalls).'),
    minCalls: z.int().min(1).max(100_000).default(10).describe('Calls the window must hold before failureRatio is judged.'),
    failures: z.int().min(1).max(100_000).optional().describe('Opens after this many failures in the window, whatever the ratio.'),
    window: duration('at least 1s', 1000).default('30s').describe('The sliding window the failures are counted in.'),
    cooldown: duration('at least 100ms', 100)
      .default('10s')
      .describe('How long the breaker stays open before one probe delivery is let through (half-open).'),
  })
  .meta({
    id: 'CircuitBreaker',
    description:
      "Circuit breaker (Camel Circuit Breaker EIP, resilience4j CircuitBreaker): opens after failureRatio or failures in the window; while open, deliveries to the target wait without spending attempts; after the cooldown one probe goes (half-open) and a success closes it. Failures are retriable errors (5xx, 429, time-outs, connection errors). Without failureRatio and failures, failureRatio 0.5 applies.",
  });

export type ThrottleDef = z.output<typeof ThrottleSchema>;
export type BulkheadDef = z.output<typeof BulkheadSchema>;
export type CircuitBreakerDef = z.output<typeof CircuitBreakerSchema>;

/** A throttle as the engine uses it. */
export interface RateLimit {
  /** Per second. */
  readonly perSecond: number;
  readonly burst: number;
}

/** A circuit breaker as the engine uses it: durations in ms, the default ratio applied. */
export interface BreakerPolicy {
  readonly failureRatio?: number;
  readonly minCalls: number;
  readonly failures?: number;
  readonly windowMs: number;
  readonly cooldownMs: number;
}

export function rateLimitOf(def: ThrottleDef): RateLimit {
  return { perSecond: def.perSecond ?? parseRate(def.rate!)!, burst: def.burst };
}

export function breakerPolicyOf(def: CircuitBreakerDef): BreakerPolicy {
  const ratio = def.failureRatio ?? (def.failures === undefined ? 0.5 : undefined);
  return {
    ...(ratio !== undefined && { failureRatio: ratio }),
    minCalls: def.minCalls,
    ...(def.failures !== undefined && { failures: def.failures }),
    windowMs: parseDuration(def.window)!,
    cooldownMs: parseDuration(def.cooldown)!,
  };
}
