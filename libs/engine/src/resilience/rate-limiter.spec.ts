import { RateLimiter } from './rate-limiter';

describe('RateLimiter (GCRA)', () => {
  it('spaces turns evenly at the rate, burst 1', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter(() => now);
    const limit = { perSecond: 50, burst: 1 };
    expect(limiter.tryTake(limit)).toBe(true);
    expect(limiter.tryTake(limit)).toBe(false);
    expect(limiter.waitMs(limit)).toBe(20);
    now += 19;
    expect(limiter.tryTake(limit)).toBe(false);
    now += 1;
    expect(limiter.tryTake(limit)).toBe(true);
  });

  it('lets `burst` go at once after a quiet spell, then the rate', () => {
    let now = 5_000;
    const limiter = new RateLimiter(() => now);
    const limit = { perSecond: 10, burst: 3 };
    expect([1, 2, 3, 4].map(() => limiter.tryTake(limit))).toEqual([true, true, true, false]);
    expect(limiter.waitMs(limit)).toBe(100);
    now += 1000;
    expect([1, 2, 3, 4].map(() => limiter.tryTake(limit))).toEqual([true, true, true, false]);
  });

  it('never takes more than burst + rate x window in any window, however the calls come', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    const limit = { perSecond: 50, burst: 2 };
    const taken: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      now += Math.floor(Math.random() * 3);
      if (limiter.tryTake(limit)) taken.push(now);
    }
    let max = 0;
    for (let i = 0, j = 0; i < taken.length; i++) {
      while (taken[i] - taken[j] >= 1000) j++;
      max = Math.max(max, i - j + 1);
    }
    expect(max).toBeLessThanOrEqual(50 + 2);
    expect(max).toBeGreaterThanOrEqual(50);
  });
});
