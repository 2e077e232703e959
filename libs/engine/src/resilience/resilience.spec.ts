import { Resilience, THROTTLE_HOLD_MS } from './resilience';

const ref = { routeId: 'r', targetId: 't' };

describe('Resilience', () => {
  it('a throttle turn within the hold waits in memory; turns stay spaced by the rate', async () => {
    const resilience = new Resilience();
    const limit = { perSecond: 20, burst: 1 };
    const started = Date.now();
    const times = await Promise.all([1, 2, 3, 4].map(async () => ((await resilience.targetTurn(ref, limit)).go ? Date.now() - started : -1)));
    expect(times.every((t) => t >= 0)).toBe(true);
    const sorted = [...times].sort((a, b) => a - b);
    // A waiter whose timer fires late keeps the turn it was due (RateLimiter.tryTake): on a busy event loop one turn
    // may then follow the one before at once, but the average rate holds over the four.
    const gaps = sorted.slice(1).map((t, i) => t - sorted[i]);
    expect(gaps.filter((g) => g < 45).length).toBeLessThanOrEqual(1);
    expect(sorted[3] - sorted[0]).toBeGreaterThanOrEqual(95);
    expect(resilience.view().throttles[0]).toMatchObject({ routeId: 'r', targetId: 't', throttled: 3, waiting: 0 });
  });

  it('a turn further off than the hold is not taken: it says when to come back, and claims leave the target out', async () => {
    const resilience = new Resilience();
    const limit = { perSecond: 0.5, burst: 1 };
    expect(await resilience.targetTurn(ref, limit)).toEqual({ go: true });
    const before = Date.now();
    const turn = await resilience.targetTurn(ref, limit);
    expect(turn.go).toBe(false);
    if (!turn.go) expect(turn.untilMs - before).toBeGreaterThan(THROTTLE_HOLD_MS);
    expect(resilience.holdsBack(ref, { throttle: limit })).toBe(true);
  });

  it('a sync route over its rate is refused at once and counted', async () => {
    const resilience = new Resilience();
    const limit = { perSecond: 1, burst: 2 };
    const turns = [];
    for (let i = 0; i < 3; i++) turns.push(await resilience.routeTurn('sync-route', limit, 0));
    expect(turns.map((t) => t.go)).toEqual([true, true, false]);
    expect(resilience.view().throttles[0]).toMatchObject({ routeId: 'sync-route', targetId: null, refused: 1 });
  });

  it('keeps breaker state across a reload (a new policy object) and forgets targets no longer loaded', () => {
    const resilience = new Resilience();
    const policy = { failures: 1, minCalls: 1, windowMs: 10_000, cooldownMs: 60_000 };
    const permit = resilience.permit(ref, policy);
    resilience.recordCall(ref, policy, false, permit.kind === 'go' && permit.probe);
    const reloaded = { ...policy, cooldownMs: 30_000 };
    expect(resilience.holdsBack(ref, { breaker: reloaded })).toBe(true);
    expect(resilience.view().circuits).toEqual([expect.objectContaining({ routeId: 'r', targetId: 't', state: 'open' })]);
    resilience.retain(() => true);
    expect(resilience.view().circuits).toHaveLength(1);
    resilience.retain(() => false);
    expect(resilience.view().circuits).toHaveLength(0);
  });
});
