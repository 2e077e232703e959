import { LATENCY_RELATIVE_ERROR } from './log-histogram';
import { HISTORY_SECONDS, RollingFigures } from './rolling-figures';

// A whole second, so that second n of a test starts at T0 + n * 1000.
const T0 = 1_700_000_000_000;
const at = (second: number, ms = 0) => T0 + second * 1000 + ms;

type Event = [second: number, kind: 'in' | 'ok' | 'dead' | 'refused', count?: number, latencyMs?: number];

function figuresWith(events: Event[]): RollingFigures {
  const f = new RollingFigures(T0);
  for (const [second, kind, count = 1, latency = 10] of events) {
    for (let i = 0; i < count; i++) {
      const now = at(second, 100 + i);
      if (kind === 'in') f.recordReceived(now);
      else if (kind === 'refused') f.recordRefused(now);
      else f.recordCompleted(now, kind === 'ok', latency);
    }
  }
  return f;
}

function expectWithin(got: number | null, want: number): void {
  expect(got).not.toBeNull();
  expect(Math.abs(got! - want) / want).toBeLessThanOrEqual(LATENCY_RELATIVE_ERROR + 1e-9);
}

describe('rolling figures', () => {
  test.each<[string, Event[], number, { inPerSec: number; outPerSec: number; errorRate: number }]>([
    ['nothing happened', [], at(10), { inPerSec: 0, outPerSec: 0, errorRate: 0 }],
    ['12 received over the last 5 whole seconds', [[5, 'in', 2], [7, 'in', 4], [9, 'in', 6]], at(10, 200), { inPerSec: 2.4, outPerSec: 0, errorRate: 0 }],
    ['the current second does not count yet', [[10, 'in', 5]], at(10, 900), { inPerSec: 0, outPerSec: 0, errorRate: 0 }],
    ['... and counts once it is over', [[10, 'in', 5]], at(11), { inPerSec: 1, outPerSec: 0, errorRate: 0 }],
    ['a second older than the window is out', [[4, 'in', 5], [5, 'in', 1]], at(10), { inPerSec: 0.2, outPerSec: 0, errorRate: 0 }],
    ['completions: only delivered and filtered are out', [[9, 'ok', 3], [9, 'dead', 1]], at(10), { inPerSec: 0, outPerSec: 0.6, errorRate: 0.25 }],
    ['refusals fail', [[20, 'ok', 1], [30, 'refused', 3]], at(31), { inPerSec: 0, outPerSec: 0, errorRate: 0.75 }],
    ['errors over 60 s: the first second is still in at 60', [[0, 'dead', 1], [59, 'ok', 1]], at(60), { inPerSec: 0, outPerSec: 0.2, errorRate: 0.5 }],
    ['... and out at 61', [[0, 'dead', 1], [59, 'ok', 1]], at(61), { inPerSec: 0, outPerSec: 0.2, errorRate: 0 }],
    ['a long quiet spell leaves nothing in the windows', [[3, 'in', 9], [3, 'ok', 9]], at(5000), { inPerSec: 0, outPerSec: 0, errorRate: 0 }],
  ])('rates: %s', (_name, events, now, want) => {
    const view = figuresWith(events).view(now);
    expect({ inPerSec: view.inPerSec, outPerSec: view.outPerSec, errorRate: view.errorRate }).toEqual(want);
  });

  test('totals count everything since the start, whatever the windows', () => {
    const f = figuresWith([[0, 'in', 4], [1, 'ok', 2], [2, 'dead'], [3, 'refused'], [2000, 'in']]);
    expect(f.view(at(3000)).totals).toEqual({ received: 5, completed: 2, failed: 2 });
  });

  test('percentiles of an empty window are null', () => {
    const view = figuresWith([[0, 'in', 3]]).view(at(30));
    expect([view.p50Ms, view.p95Ms, view.p99Ms]).toEqual([null, null, null]);
  });

  test('percentiles over the last 60 whole seconds, within the bucket error, rolling over', () => {
    // 90 fast messages at second 0, 10 slow ones at second 30: p50 fast, p95 and p99 slow.
    const f = figuresWith([[0, 'ok', 90, 12], [30, 'ok', 10, 800]]);
    const early = f.view(at(30, 500));
    expectWithin(early.p50Ms, 12);
    expectWithin(early.p95Ms, 12);
    const both = f.view(at(31));
    expectWithin(both.p50Ms, 12);
    expectWithin(both.p95Ms, 800);
    expectWithin(both.p99Ms, 800);
    // At 61 the window is seconds 1..60: only the slow ones are left.
    const later = f.view(at(61));
    expectWithin(later.p50Ms, 800);
    // At 91 the window is 31..90: nothing.
    expect(f.view(at(91)).p50Ms).toBeNull();
  });

  test('latencies of failed messages count in the percentiles too', () => {
    const view = figuresWith([[1, 'dead', 1, 5000]]).view(at(2));
    expectWithin(view.p99Ms, 5000);
  });

  test('the window holds exactly the seconds it should after many roll-overs', () => {
    const f = new RollingFigures(T0);
    // One sample a second for 200 s, latency = the second's number + 1 (ms).
    for (let s = 0; s < 200; s++) f.recordCompleted(at(s, 500), true, s + 1);
    // At 200 the window is seconds 140..199: latencies 141..200, median by nearest rank 170.
    const view = f.view(at(200));
    expectWithin(view.p50Ms, 170);
    expectWithin(view.p99Ms, 200);
    expect(view.errorRate).toBe(0);
  });

  test('history: one point per whole second since the start, oldest first, with its own figures', () => {
    const f = figuresWith([[0, 'in', 2], [1, 'in', 1], [1, 'ok', 1, 40], [3, 'dead', 1], [3, 'ok', 3, 100], [5, 'in', 7]]);
    const points = f.history(at(5, 500), 900);
    expect(points.map((p) => p.at)).toEqual([0, 1, 2, 3, 4].map((s) => at(s)));
    expect(points.map((p) => [p.inPerSec, p.outPerSec, p.errorRate])).toEqual([
      [2, 0, 0],
      [1, 1, 0],
      [0, 0, 0],
      [0, 3, 0.25],
      [0, 0, 0],
    ]);
    expect(points[0].p50Ms).toBeNull();
    expectWithin(points[1].p50Ms, 40);
    expectWithin(points[3].p50Ms, 100);
    expect(points[4].p99Ms).toBeNull();
  });

  test('history: the last `seconds` only, and at most 15 minutes', () => {
    const f = figuresWith([[95, 'in', 4]]);
    const ten = f.history(at(100), 10);
    expect(ten.map((p) => p.at)).toEqual(Array.from({ length: 10 }, (_, i) => at(90 + i)));
    expect(ten.find((p) => p.at === at(95))!.inPerSec).toBe(4);
    expect(f.history(at(2000), 3600)).toHaveLength(HISTORY_SECONDS);
  });

  test('history: seconds that left the ring come back empty, not with stale counts', () => {
    const f = figuresWith([[10, 'in', 3], [10, 'ok', 3]]);
    const points = f.history(at(10 + HISTORY_SECONDS + 5), 900);
    expect(points).toHaveLength(HISTORY_SECONDS);
    expect(points.every((p) => p.inPerSec === 0 && p.outPerSec === 0 && p.p50Ms === null)).toBe(true);
  });

  test('a clock that steps back keeps counting into the current second', () => {
    const f = new RollingFigures(T0);
    f.recordReceived(at(10));
    f.recordReceived(at(8));
    expect(f.history(at(11), 900).at(-1)).toMatchObject({ at: at(10), inPerSec: 2 });
  });
});
