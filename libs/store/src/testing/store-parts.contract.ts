import type { AttemptRecord, NewDelivery, Store, StoredDelivery } from '../store.types';
import { newDelivery, newMessage, quiesce, unique, type StoreHarness } from './store-fixtures';

const ok = (number: number): AttemptRecord => ({ number, startedAt: Date.now(), durationMs: 3, ok: true, statusCode: 200 });
const failed = (number: number): AttemptRecord => ({
  number,
  startedAt: Date.now(),
  durationMs: 3,
  ok: false,
  errorCode: 'HTTP_400',
  error: 'bad request',
});

/** A message split into `n` parts, each with a delivery to `crm` (chained when `ordered`) and one to `erp`. */
async function splitMessage(store: Store, n: number, ordered: boolean) {
  const routeId = unique('parts');
  const m = newMessage({ routeId });
  await store.acceptMessage(m);
  await store.claimMessages(100, 60_000);
  const crm: NewDelivery[] = [];
  const erp: NewDelivery[] = [];
  for (let i = 0; i < n; i++) {
    const part = { partIndex: i, partId: `${m.id}.${i}`, headers: { 'x-parent-message-id': m.id, 'x-split-index': String(i) } };
    crm.push(newDelivery(m.id, { ...part, targetId: 'crm', waiting: ordered && i > 0 }));
    erp.push(newDelivery(m.id, { ...part, targetId: 'erp' }));
  }
  if (ordered) for (let i = 0; i + 1 < n; i++) crm[i].thenId = crm[i + 1].id;
  await store.completeRouting(m.id, { status: 'pending', hops: [], deliveries: [...crm, ...erp] });
  return { routeId, messageId: m.id, crm, erp };
}

const mine = (claimed: StoredDelivery[], routeId: string, targetId: string) =>
  claimed.filter((d) => d.routeId === routeId && d.targetId === targetId).map((d) => d.partId);

/** Split parts as the journal holds them: each delivery names its part, an ordered chain goes one part at a time,
 *  and the admin reads show the parts as a tree and a part by its own id. Run against every driver. */
export function describeParts(h: StoreHarness): void {
  describe('split parts', () => {
    beforeEach(() => quiesce(h.store));

    it('lets an ordered chain go one part at a time: the next is due once the one before is delivered or dead', async () => {
      const { routeId, messageId, crm } = await splitMessage(h.store, 3, true);
      const first = await h.store.claimDeliveries(100, 60_000);
      // Every erp delivery is free at once; of crm, only the first part.
      expect(mine(first, routeId, 'crm')).toEqual([`${messageId}.0`]);
      expect(mine(first, routeId, 'erp').sort()).toEqual([0, 1, 2].map((i) => `${messageId}.${i}`));
      for (const d of first.filter((x) => x.targetId === 'erp')) await h.store.recordAttempt(d.id, ok(1), { kind: 'delivered' });
      await h.store.recordAttempt(crm[0].id, ok(1), { kind: 'delivered' });
      expect(mine(await h.store.claimDeliveries(100, 60_000), routeId, 'crm')).toEqual([`${messageId}.1`]);
      // A dead part lets the next one go too (its dead letter stays for a replay).
      await h.store.recordAttempt(crm[1].id, failed(1), { kind: 'dead', failure: { code: 'HTTP_400', message: 'bad request' } });
      expect(mine(await h.store.claimDeliveries(100, 60_000), routeId, 'crm')).toEqual([`${messageId}.2`]);
      expect((await h.store.getMessage(messageId))!.status).toBe('pending');
      await h.store.recordAttempt(crm[2].id, ok(1), { kind: 'delivered' });
      expect((await h.store.getMessage(messageId))!.status).toBe('dead');
    });

    it('keeps the next part waiting while the one before is retried', async () => {
      const { routeId, crm } = await splitMessage(h.store, 2, true);
      await h.store.claimDeliveries(100, 60_000);
      await h.store.recordAttempt(crm[0].id, failed(1), { kind: 'retry', nextAttemptAt: Date.now() });
      const claimed = await h.store.claimDeliveries(100, 60_000);
      expect(mine(claimed, routeId, 'crm')).toEqual([crm[0].partId]);
    });

    it('shows the parts as a tree under the message, and a part by its own id with its parent', async () => {
      const { messageId, crm, erp } = await splitMessage(h.store, 2, false);
      await h.store.claimDeliveries(100, 60_000);
      await h.store.recordAttempt(crm[0].id, ok(1), { kind: 'delivered' });
      await h.store.recordAttempt(erp[0].id, ok(1), { kind: 'delivered' });
      await h.store.recordAttempt(crm[1].id, failed(1), { kind: 'dead', failure: { code: 'HTTP_400', message: 'bad request' } });

      const message = (await h.store.getMessage(messageId))!;
      expect(message.parts).toEqual([
        { id: `${messageId}.0`, parentId: messageId, index: 0, status: 'delivered', deliveries: expect.arrayContaining([crm[0].id, erp[0].id]) },
        { id: `${messageId}.1`, parentId: messageId, index: 1, status: 'pending', deliveries: expect.arrayContaining([crm[1].id, erp[1].id]) },
      ]);
      expect(message.deliveries.map((d) => d.partId)).toEqual([0, 0, 1, 1].map((i) => `${messageId}.${i}`));

      const part = (await h.store.getMessage(`${messageId}.1`))!;
      expect(part).toMatchObject({ id: `${messageId}.1`, parentId: messageId, routeId: message.routeId, status: 'pending' });
      expect(part.deliveries.map((d) => d.id).sort()).toEqual([crm[1].id, erp[1].id].sort());
      expect(part.deadLetters.map((dl) => dl.deliveryId)).toEqual([crm[1].id]);
      expect(part.headers).toMatchObject({ 'x-parent-message-id': messageId, 'x-split-index': '1' });
      await expect(h.store.getMessage(`${messageId}.7`)).resolves.toBeNull();
      await expect(h.store.getMessage(`${messageId}x.1`)).resolves.toBeNull();
    });

    it('nests the parts of parts under their parent', async () => {
      const routeId = unique('nested');
      const m = newMessage({ routeId });
      await h.store.acceptMessage(m);
      await h.store.claimMessages(100, 60_000);
      const ids = ['1.0', '0.1', '0.0'].map((p) => `${m.id}.${p}`);
      const deliveries = ids.map((partId) => newDelivery(m.id, { partId, partIndex: Number(partId.slice(-1)) }));
      await h.store.completeRouting(m.id, { status: 'pending', hops: [], deliveries });
      const tree = (await h.store.getMessage(m.id))!.parts!;
      expect(tree.map((p) => [p.id, p.deliveries.length, p.parts?.map((q) => q.id)])).toEqual([
        [`${m.id}.0`, 0, [`${m.id}.0.0`, `${m.id}.0.1`]],
        [`${m.id}.1`, 0, [`${m.id}.1.0`]],
      ]);
      expect((await h.store.getMessage(`${m.id}.0`))!.deliveries).toHaveLength(2);
      expect((await h.store.getMessage(`${m.id}.0.1`))!.parentId).toBe(`${m.id}.0`);
    });
  });
}
