import { newMessageId } from '@junction/core';
import type { AggregateMessage, GroupRef, HeldGroup, HeldPart } from '../correlation.types';
import type { Store } from '../store.types';
import { newDelivery, newMessage, quiesce, sleep, unique, type StoreHarness } from './store-fixtures';

/** Accepts a message, claims it and completes its routing with the parts given as held: what the outbox does for a
 *  message that reaches an aggregate step. */
async function holdVia(store: Store, group: GroupRef, parts: Array<Partial<HeldPart>>, withDelivery = false): Promise<string> {
  const m = newMessage({ routeId: group.routeId });
  await store.acceptMessage(m);
  const claimed = (await store.claimMessages(100, 60_000)).find((c) => c.id === m.id);
  if (!claimed) throw new Error('message not claimed');
  const held = parts.map((p, i): HeldPart => ({
    ...group,
    messageId: m.id,
    partIndex: i,
    correlationId: m.correlationId,
    headers: { 'x-n': String(i) },
    contentType: 'application/json',
    body: Buffer.from(JSON.stringify({ message: m.id, part: i })),
    size: null,
    checkEach: false,
    expireMs: 60_000,
    completeAfterFirstMs: null,
    completeAfterLastMs: null,
    ...p,
  }));
  const deliveries = withDelivery ? [newDelivery(m.id)] : [];
  await store.completeRouting(m.id, { status: withDelivery ? 'pending' : 'held', hops: [{ at: 1, step: 'aggregate' }], deliveries, held });
  return m.id;
}

function aggregateOf(group: GroupRef, body: string): AggregateMessage {
  const id = newMessageId();
  return {
    id,
    routeId: group.routeId,
    correlationId: `corr-${id}`,
    businessKey: group.key,
    sourceKind: 'aggregate',
    sourceAddress: group.step,
    mode: 'async',
    headers: { 'content-type': 'application/json' },
    contentType: 'application/json',
    body: Buffer.from(body),
    receivedAt: Date.now(),
    hops: [{ at: Date.now(), step: 'received', note: 'aggregate' }],
  };
}

async function claimGroup(store: Store, group: GroupRef, leaseMs = 60_000): Promise<HeldGroup | undefined> {
  return (await store.correlation.claimGroups(100, leaseMs)).find((g) => g.routeId === group.routeId && g.key === group.key);
}

/** The correlation store of the Aggregator: parts held with their routing, groups claimed, completed or expired once.
 *  Run against every driver. */
export function describeCorrelation(h: StoreHarness): void {
  describe('correlation store (aggregation groups)', () => {
    beforeEach(() => quiesce(h.store));
    const groupOf = (key = 'K1'): GroupRef => ({ routeId: unique('agg'), step: 'steps.0', key });

    it('holds parts with their routing result and lists the group', async () => {
      const g = groupOf();
      const id = await holdVia(h.store, g, [{ size: 3 }]);
      await holdVia(h.store, g, [{ size: 3 }]);
      expect((await h.store.getMessage(id))?.status).toBe('held');
      const [listed] = await h.store.correlation.listGroups({ routeId: g.routeId });
      expect(listed).toMatchObject({ routeId: g.routeId, step: 'steps.0', key: 'K1', parts: 2, size: 3, leaseOwner: null });
      expect(listed.expiresAt).toBeGreaterThan(Date.now() + 50_000);
      expect(await claimGroup(h.store, g)).toBeUndefined();
      const parts = await h.store.correlation.readGroup(g);
      expect(parts.map((p) => JSON.parse(p.body.toString()).message)).toHaveLength(2);
      expect(parts[0]).toMatchObject({ messageId: id, partIndex: 0, headers: { 'x-n': '0' }, contentType: 'application/json' });
      const counts = await h.store.correlation.countGroups();
      expect(counts.groups).toBeGreaterThanOrEqual(1);
      expect(counts.parts).toBeGreaterThanOrEqual(2);
    });

    it('a result applied twice holds its part once; a part routed with a delivery keeps its message pending', async () => {
      const g = groupOf();
      const id = await holdVia(h.store, g, [{}], true);
      expect((await h.store.getMessage(id))?.status).toBe('pending');
      // The routing result of a message no longer claimed is ignored, its parts with it.
      await h.store.completeRouting(id, { status: 'held', hops: [], deliveries: [], held: [{ ...g, messageId: id, partIndex: 0, correlationId: 'c', headers: {}, contentType: 'text/plain', body: Buffer.from('x'), size: null, checkEach: false, expireMs: 1000, completeAfterFirstMs: null, completeAfterLastMs: null }] });
      expect((await h.store.correlation.listGroups({ routeId: g.routeId }))[0].parts).toBe(1);
    });

    it('a group is due once its size is reached, and completes once into a received aggregate', async () => {
      const g = groupOf();
      const ids = [await holdVia(h.store, g, [{ size: 2 }]), await holdVia(h.store, g, [{ size: 2 }])];
      const claimed = await claimGroup(h.store, g);
      expect(claimed).toMatchObject({ parts: 2, size: 2, leaseOwner: 'main' });
      const other = await h.open({ instanceId: 'other' });
      expect(await claimGroup(other, g)).toBeUndefined();
      const aggregate = aggregateOf(g, '[1,2]');
      expect(await other.correlation.completeGroup(g, 2, aggregateOf(g, '[]'))).toBe(false);
      expect(await h.store.correlation.completeGroup(g, 2, aggregate)).toBe(true);
      expect(await h.store.correlation.completeGroup(g, 2, aggregateOf(g, '[]'))).toBe(false);
      expect(await h.store.correlation.listGroups({ routeId: g.routeId })).toEqual([]);
      expect(await h.store.correlation.readGroup(g)).toEqual([]);

      const routed = (await h.store.claimMessages(100, 60_000)).filter((m) => m.routeId === g.routeId);
      expect(routed).toHaveLength(1);
      expect(routed[0]).toMatchObject({ id: aggregate.id, sourceKind: 'aggregate', sourceAddress: 'steps.0', businessKey: 'K1', status: 'received' });
      expect(routed[0].body.toString()).toBe('[1,2]');
      for (const id of ids) {
        const part = await h.store.getMessage(id);
        expect(part?.status).toBe('aggregated');
        expect(part?.hops.at(-1)).toMatchObject({ step: 'aggregated', note: `into ${aggregate.id}` });
      }
    });

    it('a part that came in after the claim is never lost: completion is refused and the group is due again', async () => {
      const g = groupOf();
      await holdVia(h.store, g, [{ checkEach: true }]);
      const claimed = await claimGroup(h.store, g);
      expect(claimed?.parts).toBe(1);
      await holdVia(h.store, g, [{ checkEach: true }]);
      expect(await h.store.correlation.completeGroup(g, 1, aggregateOf(g, '[]'))).toBe(false);
      // The release keeps the group due now, since a part came in.
      expect(await h.store.correlation.releaseGroup(g, 1, Date.now() + 60_000)).toBe(true);
      const again = await claimGroup(h.store, g);
      expect(again?.parts).toBe(2);
      expect(await h.store.correlation.completeGroup(g, 2, aggregateOf(g, '[]'))).toBe(true);
    });

    it('a released group waits for its next time; completion timeouts make it due', async () => {
      const g = groupOf();
      await holdVia(h.store, g, [{ completeAfterLastMs: 1500 }]);
      expect(await claimGroup(h.store, g)).toBeUndefined();
      await sleep(1600);
      const claimed = await claimGroup(h.store, g);
      expect(claimed?.parts).toBe(1);
      expect(await h.store.correlation.releaseGroup(g, 1, Date.now() + 1500)).toBe(true);
      expect(await claimGroup(h.store, g)).toBeUndefined();
      await sleep(1600);
      expect((await claimGroup(h.store, g))?.parts).toBe(1);
    });

    it('a lease that ran out lets another instance claim the group', async () => {
      const g = groupOf();
      await holdVia(h.store, g, [{ size: 1 }]);
      const other = await h.open({ instanceId: 'taker' });
      expect(await claimGroup(h.store, g, 1500)).toBeDefined();
      expect(await claimGroup(other, g)).toBeUndefined();
      await sleep(1600);
      expect((await claimGroup(other, g))?.leaseOwner).toBe('taker');
      expect(await h.store.correlation.completeGroup(g, 1, aggregateOf(g, '[]'))).toBe(false);
      expect(await other.correlation.completeGroup(g, 1, aggregateOf(g, '[]'))).toBe(true);
    });

    it('an expired group dead-letters the message of each part, which a replay routes again', async () => {
      const g = groupOf();
      const ids = [await holdVia(h.store, g, [{ expireMs: 100 }]), await holdVia(h.store, g, [{ expireMs: 100 }])];
      await sleep(200);
      expect(await claimGroup(h.store, g)).toBeDefined();
      const failure = { code: 'AGGREGATION_TIMEOUT', message: 'group K1 incomplete: 2 parts' };
      expect(await h.store.correlation.expireGroup(g, 2, failure)).toBe(true);
      expect(await h.store.correlation.listGroups({ routeId: g.routeId })).toEqual([]);
      for (const id of ids) {
        const m = await h.store.getMessage(id);
        expect(m).toMatchObject({ status: 'dead', failure });
        expect(m?.deadLetters).toHaveLength(1);
        expect(m?.deadLetters[0].reason).toEqual(failure);
      }
      const replayed = await h.store.replayDeadLetter((await h.store.getMessage(ids[0]))!.deadLetters[0].id);
      expect(replayed).toEqual({ kind: 'message', id: ids[0] });
      expect((await h.store.getMessage(ids[0]))?.status).toBe('received');
    });
  });
}
