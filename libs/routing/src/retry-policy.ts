import type { RetryDef } from '@junction/config';
import type { BusError } from '@junction/core';

/** Longest wait a target can ask for with Retry-After before we cap it. */
const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * Delay before attempt `attempt + 1` after `attempt` attempts failed: exponential from `backoffMs`, capped at
 * `maxBackoffMs`, with equal jitter (half fixed, half random) so that many failing messages do not retry in lock-step.
 */
export function backoffDelay(retry: RetryDef, attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(retry.maxBackoffMs, retry.backoffMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/** What to do after a failed attempt. The decision rests on the error's `retriable` flag alone. */
export type RetryDecision = { readonly kind: 'retry'; readonly delayMs: number } | { readonly kind: 'dead' };

export function decideRetry(
  retry: RetryDef,
  attemptsMade: number,
  error: BusError & { retryAfterMs?: number },
  random?: () => number,
): RetryDecision {
  if (!error.retriable || attemptsMade >= retry.attempts) return { kind: 'dead' };
  const hinted = error.retryAfterMs;
  const delayMs =
    hinted !== undefined && hinted >= 0 ? Math.min(hinted, MAX_RETRY_AFTER_MS) : backoffDelay(retry, attemptsMade, random);
  return { kind: 'retry', delayMs };
}

export const DEFAULT_RETRY: RetryDef = { attempts: 5, backoffMs: 200, maxBackoffMs: 60_000 };
