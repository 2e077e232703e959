import type { AttemptRecord, Store, StoredDelivery } from '../store.types';
import { newDelivery, newMessage, quiesce, sleep, unique, type StoreHarness } from './store-fixtures';

const failed = (number: number): AttemptRecord => ({
  number,
  startedAt: Date.now(),
  durationMs: 5,
  ok: false,
  errorCode: 'HTTP_503',
  error: 'service unavailable',
});

/** A routed message with one delivery per target id given, none claimed; `routeId` unique to the test. */
async function routed(store: Store, targets: string[]): Promise<{ routeId: string; messageId: string; ids: string[] }> {
  const routeId = unique('claims');
  const m = newMessage({ routeId });
  await store.acceptMessage(m);
  await store.claimMessages(100, 60_000);
  const deliveries = targets.map((targetId) => newDelivery(m.id, { targetId }));
  await store.completeRouting(m.id, { status: 'pending', hops: [], deliveries });
  return { routeId, messageId: m.id, ids: deliveries.map((d) => d.id) };
}

const mine = (claimed: StoredDelivery[], routeId: string) => claimed.filter((d) => d.routeId === routeId);

/**
 * What the outbox's poison rule and fair share need from the store: claims counted on the row (so that the count
 * survives restarts and holds across instances), targets left out of a claim, and claims given back. Run against
 * every driver.
 */
export function describeClaims(h: StoreHarness): void {
  describe('delivery claims', () => {
    beforeEach(() => quiesce(h.store));

    it('counts the claims of a delivery until an attempt is recorded; a retry and a replay start again', async () => {
      const { messageId, ids } = await routed(h.store, ['crm']);
      const [id] = ids;
      const claim = async (leaseMs: number) => (await h.store.claimDeliveries(100, leaseMs)).find((d) => d.id === id);
      expect((await claim(30))?.claims).toBe(1);
      await sleep(60);
      // Its lease ran out without an outcome (a crashed worker): claimed again, and the claim counts.
      expect((await claim(30))?.claims).toBe(2);
      await sleep(60);
      const other = await h.open({ instanceId: unique('other') });
      expect((await other.claimDeliveries(100, 60_000)).find((d) => d.id === id)?.claims).toBe(3);

      await other.recordAttempt(id, failed(1), { kind: 'retry', nextAttemptAt: Date.now() });
      expect((await claim(60_000))?.claims).toBe(1);
      await h.store.recordAttempt(id, failed(2), { kind: 'dead', failure: { code: 'POISON', message: 'gave up' } });
      const [dl] = (await h.store.getMessage(messageId))!.deadLetters;
      await h.store.replayDeadLetter(dl.id);
      expect((await claim(60_000))?.claims).toBe(1);
    });

    it('counts a hand-off as a claim', async () => {
      const routeId = unique('handoff');
      const m = newMessage({ routeId });
      await h.store.acceptMessage(m);
      await h.store.claimMessages(100, 60_000);
      const d = newDelivery(m.id);
      const result = { status: 'pending' as const, hops: [], deliveries: [d] };
      const [handed] = await h.store.completeRouting(m.id, result, { count: 1, leaseMs: 30 });
      expect(handed.claims).toBe(1);
      await sleep(60);
      expect((await h.store.claimDeliveries(100, 60_000)).find((x) => x.id === d.id)?.claims).toBe(2);
    });

    it('leaves out the targets it is told to skip, and claims them once they are not', async () => {
      const { routeId, ids } = await routed(h.store, ['hung', 'fast', 'hung', 'fast']);
      const skip = [{ routeId, targetId: 'hung' }, { routeId: 'other', targetId: 'fast' }];
      const claimed = mine(await h.store.claimDeliveries(100, 60_000, skip), routeId);
      expect(claimed.map((d) => d.targetId)).toEqual(['fast', 'fast']);
      expect(claimed.map((d) => d.id).sort()).toEqual([ids[1], ids[3]].sort());
      const rest = mine(await h.store.claimDeliveries(100, 60_000, []), routeId);
      expect(rest.map((d) => d.targetId)).toEqual(['hung', 'hung']);
    });

    it('gives claims back uncounted and claimable at once, but not another instance\'s', async () => {
      const { routeId, ids } = await routed(h.store, ['crm', 'erp']);
      const claimed = mine(await h.store.claimDeliveries(100, 60_000), routeId);
      expect(claimed.map((d) => d.claims)).toEqual([1, 1]);
      await h.store.releaseDeliveries([ids[0]]);
      const again = mine(await h.store.claimDeliveries(100, 60_000), routeId);
      expect(again.map((d) => [d.id, d.claims])).toEqual([[ids[0], 1]]);

      const other = await h.open({ instanceId: unique('other') });
      await other.releaseDeliveries(ids);
      expect(mine(await other.claimDeliveries(100, 60_000), routeId)).toEqual([]);
      await h.store.releaseDeliveries([]);
    });
  });
}
