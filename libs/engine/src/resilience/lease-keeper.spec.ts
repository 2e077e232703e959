import { StoreError, type Logger } from '@junction/core';
import type { StoredDelivery } from '@junction/store';
import { LeaseKeeper } from './lease-keeper';

const warnings: string[] = [];
const log = { debug: () => undefined, info: () => undefined, warn: (_o: object, m: string) => warnings.push(m), error: () => undefined } as unknown as Logger;
const delivery = (id: string, leaseUntil: number) => ({ id, leaseUntil }) as StoredDelivery;
const noMessages = { renewMessageLeases: async () => [] };

describe('LeaseKeeper', () => {
  beforeEach(() => (warnings.length = 0));

  it('renews the leases with less than half left, in one call, and leaves the others', async () => {
    const calls: string[][] = [];
    const keeper = new LeaseKeeper({ ...noMessages, renewDeliveryLeases: async (ids) => (calls.push([...ids]), [...ids]) }, 1000, log);
    const a = keeper.hold(delivery('a', Date.now() + 100));
    keeper.hold(delivery('b', Date.now() + 1000));
    await keeper.renew();
    expect(calls).toEqual([['a']]);
    expect(a.aborted).toBe(false);
    await keeper.renew();
    expect(calls).toHaveLength(1);
  });

  it('aborts a delivery whose lease the store no longer gives this instance', async () => {
    const keeper = new LeaseKeeper({ ...noMessages, renewDeliveryLeases: async () => [] }, 1000, log);
    const signal = keeper.hold(delivery('a', Date.now() + 100));
    await keeper.renew();
    expect(signal.aborted).toBe(true);
    expect((signal.reason as { code: string }).code).toBe('LEASE_LOST');
    expect(keeper.size).toBe(0);
  });

  it('keeps trying while the store is down, and aborts only once the lease has run out', async () => {
    const keeper = new LeaseKeeper({ ...noMessages, renewDeliveryLeases: async () => Promise.reject(new StoreError('down')) }, 1000, log);
    const soon = keeper.hold(delivery('soon', Date.now() + 200));
    const gone = keeper.hold(delivery('gone', Date.now() - 1));
    await keeper.renew();
    expect(soon.aborted).toBe(false);
    expect(gone.aborted).toBe(true);
    expect((gone.reason as { code: string }).code).toBe('LEASE_EXPIRED');
    expect(warnings[0]).toMatch(/renewing delivery leases failed/);
    expect(warnings[1]).toMatch(/delivery aborted/);
    keeper.release('soon');
    expect(keeper.size).toBe(0);
  });

  it('renews messages being routed as well, in a statement of their own', async () => {
    const renewed: string[][] = [];
    const keeper = new LeaseKeeper(
      { renewDeliveryLeases: async () => [], renewMessageLeases: async (ids) => (renewed.push([...ids]), [...ids]) },
      1000,
      log,
    );
    const signal = keeper.hold({ id: 'm1', leaseUntil: Date.now() + 100 }, 'message');
    await keeper.renew();
    expect(renewed).toEqual([['m1']]);
    expect(signal.aborted).toBe(false);
    keeper.release('m1', 'message');
    expect(keeper.size).toBe(0);
  });
});
