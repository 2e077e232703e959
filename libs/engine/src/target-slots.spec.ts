import { RECENT_MS, TargetSlots } from './target-slots';

const hung = { routeId: 'orders', targetId: 'erp' };
const fast = { routeId: 'orders', targetId: 'crm' };
const third = { routeId: 'invoices', targetId: 'erp' };

/** Takes slots for `target` until it is refused; how many were taken. */
function fill(slots: TargetSlots, target: typeof hung): number {
  let n = 0;
  while (slots.tryAcquire(target)) n++;
  return n;
}

describe('TargetSlots', () => {
  let clock: number;
  const make = (n: number) => new TargetSlots(n, () => clock);
  beforeEach(() => {
    clock = 1_000_000;
  });

  it('lets a lone target take every slot but the headroom (an eighth), so that another target always finds one', () => {
    const slots = make(32);
    expect(fill(slots, hung)).toBe(28);
    expect(slots.full()).toEqual([hung]);
    expect(slots.tryAcquire(fast)).toBe(true);
  });

  it('shrinks the share of a target holding slots once another has work; it takes no more until it is under', () => {
    const slots = make(32);
    fill(slots, hung);
    expect(slots.tryAcquire(fast)).toBe(true);
    expect(slots.share(hung)).toBe(14);
    expect(slots.share(fast)).toBe(14);
    // The hung target keeps what it holds (28) but gets nothing more until it is back under 14.
    for (let i = 0; i < 14; i++) {
      slots.release(hung);
      expect(slots.tryAcquire(hung)).toBe(false);
    }
    slots.release(hung);
    expect(slots.held(hung)).toBe(13);
    expect(slots.tryAcquire(hung)).toBe(true);
    expect(slots.tryAcquire(hung)).toBe(false);
    expect(fill(slots, fast)).toBe(13);
    expect(slots.full()).toEqual([hung, fast]);
  });

  it('splits the usable slots between every target with work', () => {
    const slots = make(32);
    expect(fill(slots, hung)).toBe(28);
    slots.tryAcquire(fast);
    slots.tryAcquire(third);
    expect([hung, fast, third].map((t) => slots.share(t))).toEqual([9, 9, 9]);
  });

  it('keeps the share of a fast target whose deliveries finish between claims, for RECENT_MS', () => {
    const slots = make(32);
    fill(slots, hung);
    slots.tryAcquire(fast);
    slots.release(fast);
    clock += RECENT_MS - 1;
    expect(slots.share(hung)).toBe(14);
    expect(slots.full()).toEqual([hung]);
    clock += 1;
    // Idle for RECENT_MS: forgotten, the hung target's share grows back.
    expect(slots.share(hung)).toBe(28);
    expect(slots.full()).toEqual([hung]);
  });

  it('always grants a target one slot, even with a single slot or more targets than slots', () => {
    const one = make(1);
    expect(fill(one, hung)).toBe(1);
    const few = make(2);
    expect(few.tryAcquire(hung)).toBe(true);
    expect(few.tryAcquire(fast)).toBe(true);
    expect(few.tryAcquire(third)).toBe(true);
    expect(few.full()).toEqual([hung, fast, third]);
  });

  it('ignores a release of a slot it did not give', () => {
    const slots = make(8);
    slots.release(hung);
    expect(slots.held(hung)).toBe(0);
    expect(fill(slots, hung)).toBe(7);
  });
});

describe('TargetSlots with a bulkhead', () => {
  it("caps a target's share at its maxInFlight, leaving the rest to the others", () => {
    const hung = { routeId: 'a', targetId: 'hung' };
    const other = { routeId: 'b', targetId: 'fast' };
    const slots = new TargetSlots(32, Date.now, (t) => (t.targetId === 'hung' ? 4 : undefined));
    let held = 0;
    while (slots.tryAcquire(hung)) held++;
    expect(held).toBe(4);
    expect(slots.share(hung)).toBe(4);
    expect(slots.full()).toEqual([hung]);
    let others = 0;
    while (slots.tryAcquire(other)) others++;
    expect(others).toBeGreaterThanOrEqual(14);
    slots.release(hung);
    expect(slots.tryAcquire(hung)).toBe(true);
  });
});
