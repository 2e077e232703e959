import type { Store } from '../store.types';
import { newDelivery, newMessage, quiesce, sleep, unique, type StoreHarness } from './store-fixtures';

/** A routed message of a route unique to the test, with one pending delivery, not claimed. */
async function pending(store: Store): Promise<{ routeId: string; messageId: string; id: string }> {
  const routeId = unique('dl');
  const m = newMessage({ routeId });
  await store.acceptMessage(m);
  await store.claimMessages(100, 60_000);
  const d = newDelivery(m.id, { targetId: 'crm' });
  await store.completeRouting(m.id, { status: 'pending', hops: [], deliveries: [d] });
  return { routeId, messageId: m.id, id: d.id };
}

/**
 * What lease renewal and the resilience patterns need from the store: a running delivery's lease extended by the
 * instance holding it (never by another), and a held-back delivery put back for later without spending an attempt
 * or counting the claim. Run against every driver.
 */
export function describeDeliveryLeases(h: StoreHarness): void {
  describe('delivery leases: renew and defer', () => {
    beforeEach(() => quiesce(h.store));

    it('renews the lease of a delivery this instance runs, so that another instance cannot take it over', async () => {
      const { id } = await pending(h.store);
      const claimed = (await h.store.claimDeliveries(100, 1500)).find((d) => d.id === id);
      expect(claimed).toBeDefined();
      expect(await h.store.renewDeliveryLeases([id], 60_000)).toEqual([id]);
      await sleep(1600);
      const other = await h.open({ instanceId: unique('other') });
      expect((await other.claimDeliveries(100, 60_000)).find((d) => d.id === id)).toBeUndefined();
    });

    it('does not renew a lease another instance took over, nor a delivery that is done', async () => {
      const { id } = await pending(h.store);
      await h.store.claimDeliveries(100, 30);
      await sleep(60);
      const other = await h.open({ instanceId: unique('other') });
      expect((await other.claimDeliveries(100, 60_000)).find((d) => d.id === id)).toBeDefined();
      expect(await h.store.renewDeliveryLeases([id], 60_000)).toEqual([]);
      await other.recordAttempt(id, { number: 1, startedAt: Date.now(), durationMs: 1, ok: true }, { kind: 'delivered' });
      expect(await other.renewDeliveryLeases([id], 60_000)).toEqual([]);
      expect(await h.store.renewDeliveryLeases([], 60_000)).toEqual([]);
    });

    it('renews the lease of a message this instance routes; not once it is routed', async () => {
      const m = newMessage({ routeId: unique('dl-msg') });
      await h.store.acceptMessage(m);
      expect((await h.store.claimMessages(100, 1500)).find((x) => x.id === m.id)).toBeDefined();
      expect(await h.store.renewMessageLeases([m.id], 60_000)).toEqual([m.id]);
      await sleep(1600);
      const other = await h.open({ instanceId: unique('other') });
      expect((await other.claimMessages(100, 60_000)).find((x) => x.id === m.id)).toBeUndefined();
      await h.store.completeRouting(m.id, { status: 'filtered', hops: [], deliveries: [] });
      expect(await h.store.renewMessageLeases([m.id], 60_000)).toEqual([]);
    });

    it('defers a claimed delivery to a later due time: no attempt spent, the claim uncounted, claimable once due', async () => {
      const { messageId, id } = await pending(h.store);
      expect((await h.store.claimDeliveries(100, 60_000)).find((d) => d.id === id)?.claims).toBe(1);
      await h.store.deferDeliveries([id], Date.now() + 1500);
      expect((await h.store.claimDeliveries(100, 60_000)).find((d) => d.id === id)).toBeUndefined();
      await sleep(1600);
      const again = (await h.store.claimDeliveries(100, 60_000)).find((d) => d.id === id);
      expect(again).toMatchObject({ attempts: 0, claims: 1 });
      const detail = (await h.store.getMessage(messageId))!.deliveries[0];
      expect(detail).toMatchObject({ status: 'pending', attempts: [] });
    });

    it('leaves alone a delivery leased by another instance when deferring', async () => {
      const { id } = await pending(h.store);
      const other = await h.open({ instanceId: unique('other') });
      expect((await other.claimDeliveries(100, 1500)).find((d) => d.id === id)).toBeDefined();
      await h.store.deferDeliveries([id], Date.now() + 60_000);
      await sleep(1600);
      // The other instance's lease ran out and the due time is unchanged: claimable now.
      expect((await h.store.claimDeliveries(100, 60_000)).find((d) => d.id === id)?.claims).toBe(2);
    });
  });
}
