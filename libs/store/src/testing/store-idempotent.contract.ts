import { v7 as uuidv7 } from 'uuid';
import type { Store } from '../store.types';
import { newMessage, sleep, unique, type StoreHarness } from './store-fixtures';

/**
 * The Idempotent Consumer's key set (IdempotentRepository), run against every driver. Two instances are two stores
 * opened on the same database, so that concurrent acceptances race on the database's unique index.
 */
export function describeIdempotent(h: StoreHarness): void {
  describe('idempotent consumer keys', () => {
    let a: Store;
    let b: Store;
    beforeAll(async () => {
      a = await h.open({ instanceId: 'idem-a' });
      b = await h.open({ instanceId: 'idem-b' });
    });

    it('accepts the first message of a key and journals a later one as a duplicate of it, never claimable', async () => {
      const routeId = unique('idem');
      const first = newMessage({ routeId });
      const again = newMessage({ routeId });
      expect(await a.idempotent.acceptOnce(first, { key: 'k1', retentionMs: 60_000 })).toEqual({ kind: 'accepted' });
      expect(await b.idempotent.acceptOnce(again, { key: 'k1', retentionMs: 60_000 })).toEqual({ kind: 'duplicate', originalId: first.id });
      expect(await a.idempotent.contains(routeId, 'k1')).toBe(first.id);
      expect(await a.getMessage(first.id)).toMatchObject({ status: 'received' });
      const dup = await a.getMessage(again.id);
      expect(dup).toMatchObject({ status: 'duplicate', routeId });
      expect(dup!.hops).toEqual([expect.objectContaining({ step: 'duplicate', note: `of ${first.id}` })]);
      // The same key on another route is another key.
      expect(await a.idempotent.acceptOnce(newMessage({ routeId: unique('idem') }), { key: 'k1', retentionMs: 60_000 })).toEqual({ kind: 'accepted' });
      const listed = await a.listMessages({ routeId, status: 'duplicate' });
      expect(listed.map((m) => m.id)).toEqual([again.id]);
      expect((await a.stats()).messages.duplicate).toBeGreaterThanOrEqual(1);
    });

    it('keeps the masked copy of a duplicate when the route gives one', async () => {
      const routeId = unique('idem');
      await a.idempotent.acceptOnce(newMessage({ routeId }), { key: 'x', retentionMs: 60_000 });
      const dup = newMessage({ routeId, body: Buffer.from('{"card":"4111"}') });
      const copy = { headers: { masked: 'yes' }, body: Buffer.from('{"card":"***"}') };
      await a.idempotent.acceptOnce(dup, { key: 'x', retentionMs: 60_000, duplicateCopy: () => copy });
      const got = await a.getMessage(dup.id);
      expect(got!.body.toString()).toBe('{"card":"***"}');
      expect(got!.headers).toEqual({ masked: 'yes' });
    });

    it('accepts exactly one of many concurrent messages with one key, across two instances, in one batch or many', async () => {
      const routeId = unique('idem');
      const messages = Array.from({ length: 40 }, () => newMessage({ routeId }));
      const outcomes = await Promise.all(
        messages.map((m, i) => (i % 2 === 0 ? a : b).idempotent.acceptOnce(m, { key: `k${i % 4}`, retentionMs: 60_000 })),
      );
      const accepted = messages.filter((_, i) => outcomes[i].kind === 'accepted');
      expect(accepted).toHaveLength(4);
      for (let k = 0; k < 4; k++) {
        const holder = await a.idempotent.contains(routeId, `k${k}`);
        const ofKey = messages.map((m, i) => ({ m, o: outcomes[i] })).filter((_, i) => i % 4 === k);
        expect(ofKey.filter((x) => x.o.kind === 'accepted').map((x) => x.m.id)).toEqual([holder]);
        for (const x of ofKey) if (x.o.kind === 'duplicate') expect(x.o.originalId).toBe(holder);
      }
      const claimed = await a.claimMessages(1000, 60_000);
      expect(claimed.filter((m) => m.routeId === routeId).map((m) => m.id).sort()).toEqual(accepted.map((m) => m.id).sort());
    });

    it('lets a lapsed key be taken again, purges lapsed keys, and forgets a removed key', async () => {
      const routeId = unique('idem');
      const first = newMessage({ routeId });
      await a.idempotent.acceptOnce(first, { key: 'short', retentionMs: 30 });
      await a.idempotent.acceptOnce(newMessage({ routeId }), { key: 'long', retentionMs: 60_000 });
      await sleep(60);
      expect(await a.idempotent.contains(routeId, 'short')).toBeNull();
      const next = newMessage({ routeId });
      expect(await b.idempotent.acceptOnce(next, { key: 'short', retentionMs: 30 })).toEqual({ kind: 'accepted' });
      await sleep(60);
      expect(await a.idempotent.purgeKeys()).toBeGreaterThanOrEqual(1);
      expect(await a.idempotent.contains(routeId, 'long')).not.toBeNull();
      expect(await a.idempotent.remove(routeId, 'long')).toBe(true);
      expect(await a.idempotent.remove(routeId, 'long')).toBe(false);
      expect(await a.idempotent.acceptOnce(newMessage({ routeId }), { key: 'long', retentionMs: 60_000 })).toEqual({ kind: 'accepted' });
    });

    it('purges a duplicate with the finished messages once its route age is past', async () => {
      const routeId = unique('idem');
      const at = Date.now() - 10_000;
      const original = newMessage({ routeId, id: uuidv7({ msecs: at }), receivedAt: at });
      const dup = newMessage({ routeId, id: uuidv7({ msecs: at + 1 }), receivedAt: at + 1 });
      await a.idempotent.acceptOnce(original, { key: 'p', retentionMs: 60_000 });
      await a.idempotent.acceptOnce(dup, { key: 'p', retentionMs: 60_000 });
      await a.purgeJournal({ ageMs: 60 * 60_000, routeAgeMs: { [routeId]: 1_000 }, deadLetterAgeMs: 1_000 });
      expect(await a.getMessage(dup.id)).toBeNull();
      // The original waits to be routed: kept, and so is its key (its own retention decides).
      expect(await a.getMessage(original.id)).not.toBeNull();
      expect(await a.idempotent.contains(routeId, 'p')).toBe(original.id);
    });
  });
}
