import { routeSchemas } from '@junction/config';
import { compileFixture, SPEC_CONNECTORS, target } from './testing/route-fixtures';

describe('compileRoute: resilience patterns', () => {
  it('compiles a target throttle, bulkhead and circuit breaker, and a route throttle, into the engine form', () => {
    const { route } = compileFixture({
      throttle: { rate: '300/min', burst: 5 },
      to: [
        target('crm', {
          throttle: { rate: '50/s' },
          bulkhead: { maxInFlight: 4 },
          circuitBreaker: { failureRatio: 0.5, minCalls: 10, window: '30s', cooldown: '10s' },
        }),
        target('erp', { throttle: { perSecond: 2.5 }, circuitBreaker: { failures: 5 } }),
        target('plain'),
      ],
    });
    expect(route.throttle).toEqual({ perSecond: 5, burst: 5 });
    expect(route.targets.get('crm')!.resilience).toEqual({
      throttle: { perSecond: 50, burst: 1 },
      maxInFlight: 4,
      breaker: { failureRatio: 0.5, minCalls: 10, windowMs: 30_000, cooldownMs: 10_000 },
    });
    expect(route.targets.get('erp')!.resilience).toEqual({
      throttle: { perSecond: 2.5, burst: 1 },
      breaker: { failures: 5, minCalls: 10, windowMs: 30_000, cooldownMs: 10_000 },
    });
    // A target without patterns carries nothing: the engine takes its plain path.
    expect(route.targets.get('plain')!.resilience).toBeUndefined();
  });

  it.each([
    [{ throttle: {} }, 'expected one of rate'],
    [{ throttle: { rate: '50/s', perSecond: 50 } }, 'expected one of rate'],
    [{ throttle: { rate: 'fast' } }, 'expected a rate'],
    [{ bulkhead: { maxInFlight: 0 } }, 'maxInFlight'],
    [{ circuitBreaker: { failureRatio: 1.5 } }, 'failureRatio'],
    [{ circuitBreaker: { window: '10' } }, 'expected a duration'],
    [{ circuitBreaker: { cooldown: '1s', halfOpen: 2 } }, 'halfOpen'],
  ])('refuses a bad pattern on a target: %j', (extra, message) => {
    const parsed = routeSchemas(SPEC_CONNECTORS).route.safeParse({ id: 'r', from: { http: { path: '/r' } }, to: [target('crm', extra)] });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain(message);
  });
});
