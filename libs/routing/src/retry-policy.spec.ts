import { RetrySchema, type RetryDef } from '@junction/config';
import { BusError, DeliveryError, StepError } from '@junction/core';
import { backoffDelay, decideRetry, DEFAULT_RETRY } from './retry-policy';

const POLICY: RetryDef = { attempts: 5, backoffMs: 100, maxBackoffMs: 1_000 };
const low = () => 0;
const high = () => 1;
const mid = () => 0.5;

describe('backoffDelay', () => {
  it.each([
    // attempt, random 0 (half the exponential delay), random 1 (the whole of it)
    [1, 50, 100],
    [2, 100, 200],
    [3, 200, 400],
    [4, 400, 800],
    [5, 500, 1_000], // 1600 capped at maxBackoffMs
    [20, 500, 1_000],
  ])('after %i failed attempts waits between %i and %i ms', (attempt, min, max) => {
    expect(backoffDelay(POLICY, attempt, low)).toBe(min);
    expect(backoffDelay(POLICY, attempt, high)).toBe(max);
  });

  it('doubles from backoffMs with each attempt until the cap', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(POLICY, n, high));
    expect(delays).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('treats attempt 0 like attempt 1 (no shorter delay than backoffMs allows)', () => {
    expect(backoffDelay(POLICY, 0, high)).toBe(100);
    expect(backoffDelay(POLICY, 0, low)).toBe(50);
  });

  it('keeps the jitter within [exp/2, exp] and rounds to whole ms', () => {
    expect(backoffDelay({ attempts: 3, backoffMs: 3, maxBackoffMs: 100 }, 1, mid)).toBe(2); // 1.5 + 0.75 = 2.25
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(POLICY, 3);
      expect(Number.isInteger(d)).toBe(true);
      expect(d).toBeGreaterThanOrEqual(200);
      expect(d).toBeLessThanOrEqual(400);
    }
  });

  it('caps at maxBackoffMs even when backoffMs alone is larger', () => {
    expect(backoffDelay({ attempts: 3, backoffMs: 5_000, maxBackoffMs: 1_000 }, 1, high)).toBe(1_000);
  });

  it('gives 0 for a zero backoff at the highest attempt the schema allows', () => {
    expect(backoffDelay({ attempts: 100, backoffMs: 0, maxBackoffMs: 60_000 }, 100, high)).toBe(0);
  });

  it('stays finite and capped at the highest attempt the schema allows', () => {
    expect(backoffDelay({ attempts: 100, backoffMs: 3_600_000, maxBackoffMs: 86_400_000 }, 100, high)).toBe(86_400_000);
  });
});

describe('decideRetry', () => {
  const retriable = () => new DeliveryError('HTTP_503', 'unavailable', { retriable: true, status: 503 });
  const permanent = () => new DeliveryError('HTTP_400', 'bad request', { retriable: false, status: 400 });

  it.each<[string, number, 'retry' | 'dead', BusError]>([
    ['a retriable error', 1, 'retry', retriable()],
    ['a retriable error with attempts left', 4, 'retry', retriable()],
    ['a retriable error on the last attempt', 5, 'dead', retriable()],
    ['a retriable error past the limit', 9, 'dead', retriable()],
    ['a non-retriable delivery error', 1, 'dead', permanent()],
    ['a step error (never retriable)', 1, 'dead', new StepError('map', 'no value')],
    ['a plain BusError marked retriable', 2, 'retry', new BusError('X', 'x', { retriable: true })],
  ])('%s after %i attempts: %s', (_name, attempts, kind, error) => {
    expect(decideRetry(POLICY, attempts, error, low).kind).toBe(kind);
  });

  it('waits the backoff delay of the attempts made', () => {
    expect(decideRetry(POLICY, 1, retriable(), high)).toEqual({ kind: 'retry', delayMs: 100 });
    expect(decideRetry(POLICY, 3, retriable(), low)).toEqual({ kind: 'retry', delayMs: 200 });
  });

  it('allows no retry with attempts: 1', () => {
    expect(decideRetry({ ...POLICY, attempts: 1 }, 1, retriable(), low)).toEqual({ kind: 'dead' });
  });

  it('honours Retry-After exactly, without jitter and beyond maxBackoffMs', () => {
    const error = new DeliveryError('HTTP_429', 'slow down', { retriable: true, status: 429, retryAfterMs: 30_000 });
    expect(decideRetry(POLICY, 1, error, low)).toEqual({ kind: 'retry', delayMs: 30_000 });
    expect(decideRetry(POLICY, 1, error, high)).toEqual({ kind: 'retry', delayMs: 30_000 });
  });

  it('honours Retry-After: 0 as an immediate retry', () => {
    const error = new DeliveryError('HTTP_503', 'now', { retriable: true, retryAfterMs: 0 });
    expect(decideRetry(POLICY, 1, error, high)).toEqual({ kind: 'retry', delayMs: 0 });
  });

  it('caps Retry-After at one hour', () => {
    const error = new DeliveryError('HTTP_503', 'tomorrow', { retriable: true, retryAfterMs: 86_400_000 });
    expect(decideRetry(POLICY, 1, error, low)).toEqual({ kind: 'retry', delayMs: 3_600_000 });
  });

  it('ignores a negative Retry-After and falls back to the backoff', () => {
    const error = new DeliveryError('HTTP_503', 'odd', { retriable: true, retryAfterMs: -5 });
    expect(decideRetry(POLICY, 2, error, high)).toEqual({ kind: 'retry', delayMs: 200 });
  });

  it('does not retry a non-retriable error even with a Retry-After hint or attempts left', () => {
    const error = new DeliveryError('HTTP_400', 'bad', { retriable: false, retryAfterMs: 10 });
    expect(decideRetry(POLICY, 1, error, low)).toEqual({ kind: 'dead' });
  });

  it('does not retry past the attempt limit even with a Retry-After hint', () => {
    const error = new DeliveryError('HTTP_429', 'slow', { retriable: true, retryAfterMs: 10 });
    expect(decideRetry(POLICY, POLICY.attempts, error, low)).toEqual({ kind: 'dead' });
  });

  it('has a default policy matching the route schema defaults', () => {
    expect(DEFAULT_RETRY).toEqual(RetrySchema.parse({}));
  });
});
