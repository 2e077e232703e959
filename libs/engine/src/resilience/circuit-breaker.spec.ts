import type { BreakerPolicy } from '@junction/config';
import { CircuitBreaker } from './circuit-breaker';

const RATIO: BreakerPolicy = { failureRatio: 0.5, minCalls: 4, windowMs: 10_000, cooldownMs: 1000 };
const COUNT: BreakerPolicy = { failures: 3, minCalls: 10, windowMs: 10_000, cooldownMs: 1000 };

describe('CircuitBreaker', () => {
  let now: number;
  let breaker: CircuitBreaker;
  beforeEach(() => {
    now = 1_000_000;
    breaker = new CircuitBreaker(() => now);
  });
  const call = (policy: BreakerPolicy, ok: boolean) => {
    const p = breaker.permit(policy);
    if (p.kind === 'go') breaker.record(policy, ok, p.probe);
    return p;
  };

  it('opens on the failure ratio once the window holds minCalls calls', () => {
    call(RATIO, false);
    call(RATIO, false);
    call(RATIO, true);
    expect(breaker.view(RATIO).state).toBe('closed');
    call(RATIO, false);
    expect(breaker.view(RATIO)).toMatchObject({ state: 'open', since: now, calls: 4, failures: 3, opened: 1, probeAt: now + 1000 });
    expect(breaker.permit(RATIO)).toEqual({ kind: 'wait', untilMs: now + 1000 });
    expect(breaker.blocked(RATIO)).toBe(true);
  });

  it('opens on a count of failures whatever the ratio', () => {
    for (let i = 0; i < 20; i++) call(COUNT, true);
    call(COUNT, false);
    call(COUNT, false);
    expect(breaker.view(COUNT).state).toBe('closed');
    call(COUNT, false);
    expect(breaker.view(COUNT).state).toBe('open');
  });

  it('forgets failures older than the window', () => {
    call(COUNT, false);
    call(COUNT, false);
    now += 11_000;
    call(COUNT, false);
    expect(breaker.view(COUNT)).toMatchObject({ state: 'closed', failures: 1 });
  });

  it('after the cooldown lets one probe through (half-open); its success closes the breaker', () => {
    for (let i = 0; i < 4; i++) call(RATIO, false);
    now += 1000;
    expect(breaker.blocked(RATIO)).toBe(false);
    const probe = breaker.permit(RATIO);
    expect(probe).toEqual({ kind: 'go', probe: true });
    expect(breaker.view(RATIO).state).toBe('half-open');
    expect(breaker.permit(RATIO).kind).toBe('wait');
    expect(breaker.blocked(RATIO)).toBe(true);
    breaker.record(RATIO, true, true);
    expect(breaker.view(RATIO)).toMatchObject({ state: 'closed', calls: 0, failures: 0, opened: 1 });
    expect(breaker.permit(RATIO)).toEqual({ kind: 'go', probe: false });
  });

  it('a failed probe opens it again for another cooldown; an abandoned probe lets another go', () => {
    for (let i = 0; i < 4; i++) call(RATIO, false);
    now += 1000;
    breaker.permit(RATIO);
    breaker.abandon(true);
    const again = breaker.permit(RATIO);
    expect(again).toEqual({ kind: 'go', probe: true });
    now += 5;
    breaker.record(RATIO, false, true);
    expect(breaker.view(RATIO)).toMatchObject({ state: 'open', since: now, opened: 2 });
    expect(breaker.permit(RATIO)).toEqual({ kind: 'wait', untilMs: now + 1000 });
  });

  it('ignores outcomes of calls that went before it opened', () => {
    const early = breaker.permit(RATIO);
    for (let i = 0; i < 4; i++) call(RATIO, false);
    breaker.record(RATIO, true, early.kind === 'go' && early.probe);
    expect(breaker.view(RATIO).state).toBe('open');
  });
});
