import { DEFAULT_THROTTLE, LoginThrottle, type LoginThrottleOptions } from './login-throttle';

const OPTIONS: LoginThrottleOptions = {
  address: { free: 3, baseDelayMs: 1_000, maxDelayMs: 8_000, forgetAfterMs: 60_000 },
  user: { free: 5, baseDelayMs: 1_000, maxDelayMs: 30_000, forgetAfterMs: 600_000, hardCap: 10 },
  maxKeys: 100,
};

/** A throttle on a clock the test moves. */
function throttleAt(options: LoginThrottleOptions = OPTIONS) {
  const clock = { now: 0 };
  return { throttle: new LoginThrottle(options, () => clock.now), clock };
}

describe('LoginThrottle', () => {
  it('lets `free` failures pass, then waits from the last failure, doubling per failure up to the maximum', () => {
    const { throttle, clock } = throttleAt();
    const a = { address: '10.0.0.1', user: 'u' };
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      waits.push(throttle.waitMs(a));
      throttle.failed(a);
      clock.now += 100;
    }
    // After 3 failures: 1 s, then 2, 4, 8 and 8 s (the maximum), each counted from the last failure, 100 ms ago.
    expect(waits).toEqual([0, 0, 0, 900, 1_900, 3_900, 7_900, 7_900]);
    clock.now += 8_000;
    expect(throttle.waitMs(a)).toBe(0);
  });

  it('keys failures per address: one address failing leaves another address alone', () => {
    const { throttle } = throttleAt();
    for (let i = 0; i < 4; i++) throttle.failed({ address: '10.0.0.1', user: `u${i}` });
    expect(throttle.waitMs({ address: '10.0.0.1', user: 'fresh' })).toBeGreaterThan(0);
    expect(throttle.waitMs({ address: '10.0.0.2', user: 'u0' })).toBe(0);
  });

  it('keys failures per user: many addresses failing on one user make it wait from any address', () => {
    const { throttle } = throttleAt();
    // Two failures from each of three addresses: no address reaches its 3 free, the user passes its 5.
    for (let i = 0; i < 6; i++) throttle.failed({ address: `10.0.1.${i % 3}`, user: 'admin' });
    expect(throttle.waitMs({ address: '10.0.9.9', user: 'admin' })).toBeGreaterThan(0);
    expect(throttle.waitMs({ address: '10.0.9.9', user: 'other' })).toBe(0);
    expect(throttle.lockedMs('admin')).toBe(0);
  });

  it('locks a user at the hard cap while its wait runs, and again at its next failure', () => {
    const { throttle, clock } = throttleAt();
    const a = { address: '10.0.0.1', user: 'admin' };
    for (let i = 0; i < 9; i++) throttle.failed(a);
    expect(throttle.lockedMs('admin')).toBe(0);
    throttle.failed(a);
    expect(throttle.lockedMs('admin')).toBe(30_000);
    expect(throttle.lockedMs('token')).toBe(0);
    clock.now += 30_000;
    expect(throttle.lockedMs('admin')).toBe(0);
    throttle.failed(a);
    expect(throttle.lockedMs('admin')).toBe(30_000);
  });

  it('forgets a key once its last failure is older than forgetAfterMs', () => {
    const { throttle, clock } = throttleAt();
    const a = { address: '10.0.0.1', user: 'admin' };
    for (let i = 0; i < 10; i++) throttle.failed(a);
    throttle.failed({ address: '10.0.0.2', user: 'other' });
    clock.now += 600_000;
    expect(throttle.lockedMs('admin')).toBe(0);
    throttle.failed(a);
    expect(throttle.waitMs(a)).toBe(0);
    // The keys of 10.0.0.2 and `other` were swept by that failure, though nothing asked for them.
    expect(throttle.size).toBe(2);
  });

  it('keeps at most maxKeys of each kind, forgetting the least recently failed first', () => {
    const { throttle, clock } = throttleAt();
    const busy = { address: '10.0.0.1', user: 'admin' };
    for (let i = 0; i < 4; i++) throttle.failed(busy);
    for (let i = 0; i < 1_000; i++) {
      clock.now += 1;
      throttle.failed({ address: `192.0.2.${i}`, user: `name-${i}` });
      // The busy address keeps failing, so it is never the least recent.
      if (i % 50 === 0) throttle.failed(busy);
    }
    expect(throttle.size).toBeLessThanOrEqual(2 * OPTIONS.maxKeys);
    expect(throttle.waitMs({ address: '10.0.0.1', user: 'x' })).toBeGreaterThan(0);
    expect(throttle.waitMs({ address: '192.0.2.0', user: 'y' })).toBe(0);
  });

  it('defaults: five failures per address and a hundred per user before a lock', () => {
    expect(DEFAULT_THROTTLE.address.free).toBe(5);
    expect(DEFAULT_THROTTLE.user.hardCap).toBe(100);
    const { throttle } = throttleAt(DEFAULT_THROTTLE);
    const a = { address: '10.0.0.1', user: 'admin' };
    for (let i = 0; i < 5; i++) throttle.failed(a);
    expect(throttle.waitMs(a)).toBe(1_000);
  });
});
