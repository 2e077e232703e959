import type { Dispatch } from '@junction/routing';
import type { NewDelivery } from '@junction/store';
import { chainOrderedParts, deliverInTurn, waitingParts } from './ordered-parts';

const dispatch = (target: string, ordered?: boolean, wireTap = false): Dispatch =>
  ({ target: { id: target }, message: {}, wireTap, ...(ordered ? { ordered } : {}) }) as unknown as Dispatch;
const delivery = (id: string): NewDelivery => ({ id }) as NewDelivery;

describe('chainOrderedParts', () => {
  it('chains the ordered deliveries of each target in order; all but the first wait', () => {
    const ds = [dispatch('a', true), dispatch('b', true), dispatch('tap', true, true), dispatch('a', true), dispatch('c'), dispatch('a', true), dispatch('b', true)];
    const out = chainOrderedParts(ds, ds.map((_, i) => delivery(`d${i}`)));
    expect(out.map((d) => [d.id, d.thenId ?? null, d.waiting ?? false])).toEqual([
      ['d0', 'd3', false],
      ['d1', 'd6', false],
      ['d2', null, false],
      ['d3', 'd5', true],
      ['d4', null, false],
      ['d5', null, true],
      ['d6', null, true],
    ]);
    expect([...waitingParts(ds)]).toEqual([ds[3], ds[5], ds[6]]);
  });

  it('returns the same deliveries when nothing is ordered', () => {
    const ds = [dispatch('a'), dispatch('a')];
    const deliveries = ds.map((_, i) => delivery(`d${i}`));
    expect(chainOrderedParts(ds, deliveries)).toBe(deliveries);
    expect(waitingParts(ds).size).toBe(0);
  });
});

describe('deliverInTurn', () => {
  it('delivers the ordered copies to one target one after the other, the rest at once, results in dispatch order', async () => {
    const ds = [dispatch('a', true), dispatch('b'), dispatch('a', true), dispatch('a', true)];
    const log: string[] = [];
    let inFlightA = 0;
    let maxA = 0;
    const results = await deliverInTurn(ds, async (d, i) => {
      if (d.target.id === 'a') maxA = Math.max(maxA, ++inFlightA);
      log.push(`start ${i}`);
      // The first part is the slowest: the others must still wait for it.
      await new Promise((r) => setTimeout(r, i === 0 ? 30 : 1));
      if (d.target.id === 'a') inFlightA--;
      log.push(`end ${i}`);
      return i * 10;
    });
    expect(results).toEqual([0, 10, 20, 30]);
    expect(maxA).toBe(1);
    expect(log.filter((l) => /[023]$/.test(l))).toEqual(['start 0', 'end 0', 'start 2', 'end 2', 'start 3', 'end 3']);
  });
});
