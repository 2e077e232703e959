import { BusError } from '@junction/core';
import { SqlExecutor } from '../sql-executor';
import type { AttemptRecord, Store } from '../store.types';
import { newDelivery, newMessage, quiesce, recordingLogger, sleep, unique, type StoreHarness } from './store-fixtures';

const attempt = (number: number, ok: boolean, extra: Partial<AttemptRecord> = {}): AttemptRecord => ({
  number,
  startedAt: Date.now(),
  durationMs: 12.7,
  ok,
  statusCode: ok ? 200 : 503,
  errorCode: ok ? null : 'HTTP_503',
  error: ok ? null : 'service unavailable',
  ...extra,
});

async function claimMine(store: Store, id: string, leaseMs = 60_000) {
  return (await store.claimMessages(100, leaseMs)).find((m) => m.id === id);
}

async function claimDelivery(store: Store, id: string, leaseMs = 60_000) {
  return (await store.claimDeliveries(100, leaseMs)).find((d) => d.id === id);
}

/** The message lifecycle: accept, claim, route, attempt, retry, dead-letter, replay. Run against every driver. */
export function describeLifecycle(h: StoreHarness): void {
  describe('message lifecycle', () => {
    beforeEach(() => quiesce(h.store));

    it('stores an accepted message and hands it out once while its lease runs', async () => {
      const body = Buffer.from([0, 1, 2, 250, 255]);
      const m = newMessage({ body, contentType: 'application/octet-stream', businessKey: 'PO-1' });
      await h.store.acceptMessage(m);

      const before = Date.now();
      const claimed = await h.store.claimMessages(10, 60_000);
      expect(claimed).toHaveLength(1);
      const [c] = claimed;
      expect(c).toMatchObject({
        id: m.id,
        routeId: m.routeId,
        correlationId: m.correlationId,
        businessKey: 'PO-1',
        sourceKind: 'http',
        sourceAddress: '/orders',
        mode: 'async',
        headers: m.headers,
        contentType: 'application/octet-stream',
        receivedAt: m.receivedAt,
        status: 'received',
        hops: [],
        claims: 1,
      });
      expect(c.body.equals(body)).toBe(true);
      expect(c.leaseUntil).toBeGreaterThanOrEqual(before + 60_000 - 5);
      expect(await h.store.claimMessages(10, 60_000)).toEqual([]);
    });

    it('hands a message out again once its lease expired', async () => {
      const m = newMessage();
      await h.store.acceptMessage(m);
      expect((await claimMine(h.store, m.id, 40))?.claims).toBe(1);
      expect(await claimMine(h.store, m.id)).toBeUndefined();
      await sleep(80);
      const again = await claimMine(h.store, m.id);
      expect(again?.claims).toBe(2);
    });

    it('routes to deliveries and marks the message delivered when its deliveries are done; wire taps do not count', async () => {
      const m = newMessage();
      await h.store.acceptMessage(m);
      await claimMine(h.store, m.id);
      const main = newDelivery(m.id, { partIndex: 0 });
      const tap = newDelivery(m.id, { targetId: 'audit', wireTap: true, partIndex: 0 });
      const hops = [{ at: 1, step: 'map' }, { at: 2, step: 'routed', note: '2 deliveries' }];
      await h.store.completeRouting(m.id, { status: 'pending', hops, deliveries: [main, tap] });

      expect((await h.store.getMessage(m.id))?.status).toBe('pending');
      expect(await claimMine(h.store, m.id)).toBeUndefined();
      const claimed = (await h.store.claimDeliveries(100, 60_000)).filter((d) => d.messageId === m.id);
      expect(claimed.map((d) => d.id).sort()).toEqual([main.id, tap.id].sort());
      const d = claimed.find((x) => x.id === main.id)!;
      expect(d).toMatchObject({
        routeId: m.routeId,
        correlationId: m.correlationId,
        targetId: 'crm',
        targetDescription: 'POST http://crm/orders',
        partIndex: 0,
        wireTap: false,
        headers: main.headers,
        contentType: 'application/xml',
        attempts: 0,
        maxAttempts: 3,
      });
      expect(d.body.toString()).toBe('<order/>');
      expect(claimed.find((x) => x.id === tap.id)?.wireTap).toBe(true);

      await h.store.recordAttempt(main.id, attempt(1, true), { kind: 'delivered', reply: '<ok/>' });
      const detail = await h.store.getMessage(m.id);
      expect(detail?.status).toBe('delivered');
      expect(detail?.hops).toEqual(hops);
      const delivered = detail?.deliveries.find((x) => x.id === main.id);
      expect(delivered).toMatchObject({ status: 'delivered', reply: '<ok/>' });
      expect(delivered?.attempts).toEqual([
        { number: 1, startedAt: expect.any(Number), durationMs: 13, ok: true, statusCode: 200, errorCode: null, error: null },
      ]);

      // The wire tap dies: dead-lettered, but the message stays delivered.
      await h.store.recordAttempt(tap.id, attempt(1, false), { kind: 'dead', failure: { code: 'HTTP_503', message: 'down' } });
      const after = await h.store.getMessage(m.id);
      expect(after?.status).toBe('delivered');
      expect(after?.deliveries.find((x) => x.id === tap.id)?.status).toBe('dead');
      expect(after?.deadLetters).toEqual([
        expect.objectContaining({ deliveryId: tap.id, targetId: 'audit', reason: { code: 'HTTP_503', message: 'down' } }),
      ]);
    });

    it('retries when due, then dead-letters the delivery and the message', async () => {
      const m = newMessage();
      await h.store.acceptMessage(m);
      await claimMine(h.store, m.id);
      const d = newDelivery(m.id);
      await h.store.completeRouting(m.id, { status: 'pending', hops: [], deliveries: [d] });
      await claimDelivery(h.store, d.id);

      await h.store.recordAttempt(d.id, attempt(1, false), { kind: 'retry', nextAttemptAt: Date.now() + 60 });
      expect(await claimDelivery(h.store, d.id)).toBeUndefined();
      await sleep(100);
      const again = await claimDelivery(h.store, d.id);
      expect(again?.attempts).toBe(1);

      const failure = { code: 'HTTP_503', message: 'gave up after 2 attempts' };
      await h.store.recordAttempt(d.id, attempt(2, false), { kind: 'dead', failure });
      const detail = await h.store.getMessage(m.id);
      expect(detail?.status).toBe('dead');
      expect(detail?.failure).toEqual(failure);
      expect(detail?.deliveries[0]).toMatchObject({ status: 'dead', lastError: failure.message });
      expect(detail?.deliveries[0].attempts.map((a) => a.number)).toEqual([1, 2]);
      expect(detail?.deadLetters).toHaveLength(1);
      const dl = await h.store.getDeadLetter(detail!.deadLetters[0].id);
      expect(dl).toMatchObject({
        messageId: m.id,
        deliveryId: d.id,
        routeId: m.routeId,
        targetId: 'crm',
        reason: failure,
        contentType: 'application/xml',
        headers: d.headers,
        replayedAt: null,
        replayCount: 0,
      });
      expect(dl?.body.toString()).toBe('<order/>');
      expect(await claimDelivery(h.store, d.id)).toBeUndefined();
    });

    it('replays a dead delivery with an edited body, and refuses to replay what is not dead', async () => {
      const m = newMessage();
      await h.store.acceptMessage(m);
      await claimMine(h.store, m.id);
      const d = newDelivery(m.id);
      await h.store.completeRouting(m.id, { status: 'pending', hops: [], deliveries: [d] });
      await claimDelivery(h.store, d.id);
      await h.store.recordAttempt(d.id, attempt(1, false), { kind: 'dead', failure: { code: 'HTTP_400', message: 'bad' } });
      const [dl] = (await h.store.getMessage(m.id))!.deadLetters;

      const edit = { body: Buffer.from('<order fixed="1"/>'), headers: { 'x-fixed': '1' } };
      expect(await h.store.replayDeadLetter(dl.id, edit)).toEqual({ kind: 'delivery', id: d.id });
      expect((await h.store.getMessage(m.id))?.status).toBe('pending');
      const replayed = await h.store.getDeadLetter(dl.id);
      expect(replayed?.replayCount).toBe(1);
      expect(replayed?.replayedAt).toEqual(expect.any(Number));
      expect(replayed?.body.toString()).toBe('<order/>');

      const again = await claimDelivery(h.store, d.id);
      expect(again).toMatchObject({ attempts: 0, headers: { 'x-fixed': '1' }, contentType: 'application/xml' });
      expect(again?.body.toString()).toBe('<order fixed="1"/>');
      await expect(h.store.replayDeadLetter(dl.id)).rejects.toMatchObject({ code: 'CONFLICT', retriable: false });

      await h.store.recordAttempt(d.id, attempt(1, true), { kind: 'delivered' });
      const detail = await h.store.getMessage(m.id);
      expect(detail?.status).toBe('delivered');
      expect(detail?.failure).toBeNull();
      expect(detail?.deliveries[0].attempts.map((a) => a.ok)).toEqual([false, true]);
      await expect(h.store.replayDeadLetter('no-such-dead-letter')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('dead-letters a step failure with the message body, and replays it as a message to route again', async () => {
      const routeId = unique('steps');
      const m = newMessage({ routeId, body: Buffer.from('{"a":1}') });
      await h.store.acceptMessage(m);
      await claimMine(h.store, m.id);
      const failure = { code: 'STEP_FAILED', message: 'map: field a is not a string' };
      await h.store.completeRouting(m.id, { status: 'dead', hops: [{ at: 5, step: 'failed' }], deliveries: [], failure });

      const [dl] = await h.store.listDeadLetters({ routeId });
      expect(dl).toMatchObject({ messageId: m.id, deliveryId: null, targetId: null, reason: failure, replayCount: 0 });
      expect((await h.store.getDeadLetter(dl.id))?.body.toString()).toBe('{"a":1}');
      expect((await h.store.getMessage(m.id))?.failure).toEqual(failure);

      const edit = { body: Buffer.from('{"a":"1"}'), contentType: 'application/json; charset=utf-8' };
      expect(await h.store.replayDeadLetter(dl.id, edit)).toEqual({ kind: 'message', id: m.id });
      const again = await claimMine(h.store, m.id);
      expect(again).toMatchObject({ status: 'received', claims: 1, contentType: 'application/json; charset=utf-8' });
      expect(again?.body.toString()).toBe('{"a":"1"}');
      expect(again?.hops).toEqual([{ at: 5, step: 'failed' }, expect.objectContaining({ step: 'replay' })]);
      expect(await h.store.listDeadLetters({ routeId, replayed: false })).toEqual([]);
      expect((await h.store.listDeadLetters({ routeId, replayed: true })).map((x) => x.id)).toEqual([dl.id]);
    });

    it('settles a message once when its deliveries finish at the same time; a bad id in the burst fails alone', async () => {
      const ok = newMessage();
      const bad = newMessage();
      for (const m of [ok, bad]) await h.store.acceptMessage(m);
      await h.store.claimMessages(100, 60_000);
      const parts = (m: string) => Array.from({ length: 8 }, (_, i) => newDelivery(m, { partIndex: i }));
      const okParts = parts(ok.id);
      const badParts = parts(bad.id);
      await Promise.all([
        h.store.completeRouting(ok.id, { status: 'pending', hops: [], deliveries: okParts }),
        h.store.completeRouting(bad.id, { status: 'pending', hops: [], deliveries: badParts }),
      ]);
      expect((await h.store.claimDeliveries(100, 60_000)).length).toBe(16);

      const results = await Promise.allSettled([
        ...okParts.map((d) => h.store.recordAttempt(d.id, attempt(1, true), { kind: 'delivered' })),
        h.store.recordAttempt('no-such-delivery', attempt(1, true), { kind: 'delivered' }),
        ...badParts.map((d, i) =>
          h.store.recordAttempt(d.id, attempt(1, i !== 3), i === 3 ? { kind: 'dead', failure: { code: 'X', message: 'x' } } : { kind: 'delivered' }),
        ),
      ]);
      expect(results.map((r) => r.status)).toEqual([...Array(8).fill('fulfilled'), 'rejected', ...Array(8).fill('fulfilled')]);
      expect((results[8] as PromiseRejectedResult).reason).toMatchObject({ code: 'NOT_FOUND' });
      expect((await h.store.getMessage(ok.id))?.status).toBe('delivered');
      const dead = await h.store.getMessage(bad.id);
      expect(dead?.status).toBe('dead');
      expect(dead?.deliveries.map((d) => d.status)).toEqual(badParts.map((_, i) => (i === 3 ? 'dead' : 'delivered')));
    });

    it('journals a filtered message without deliveries', async () => {
      const m = newMessage();
      await h.store.acceptMessage(m);
      await claimMine(h.store, m.id);
      await h.store.completeRouting(m.id, { status: 'filtered', hops: [{ at: 1, step: 'filter' }], deliveries: [] });
      const detail = await h.store.getMessage(m.id);
      expect(detail).toMatchObject({ status: 'filtered', deliveries: [], deadLetters: [], failure: null });
    });

    it('ignores a routing result or a retry from an instance that lost its lease', async () => {
      const logger = recordingLogger();
      const slow = await h.open({ instanceId: 'slow', logger });
      const m = newMessage();
      await h.store.acceptMessage(m);
      expect(await claimMine(slow, m.id, 30)).toBeDefined();
      await sleep(60);
      expect(await claimMine(h.store, m.id)).toBeDefined();

      await slow.completeRouting(m.id, { status: 'filtered', hops: [], deliveries: [] });
      expect((await h.store.getMessage(m.id))?.status).toBe('received');
      expect(logger.warnings).toEqual([expect.objectContaining({ o: expect.objectContaining({ messageId: m.id }) })]);

      const d = newDelivery(m.id);
      await h.store.completeRouting(m.id, { status: 'pending', hops: [], deliveries: [d] });
      expect(await claimDelivery(slow, d.id, 30)).toBeDefined();
      await sleep(60);
      expect(await claimDelivery(h.store, d.id)).toBeDefined();
      await slow.recordAttempt(d.id, attempt(1, false), { kind: 'retry', nextAttemptAt: Date.now() });
      const detail = await h.store.getMessage(m.id);
      expect(detail?.deliveries[0].attempts).toHaveLength(1);
      expect(await claimDelivery(h.store, d.id)).toBeUndefined();
      expect(logger.warnings).toHaveLength(2);
    });

    it('hands off the deliveries a routing asks for: leased to this instance, the others free for any claim', async () => {
      const other = await h.open({ instanceId: 'other' });
      const m = newMessage();
      await h.store.acceptMessage(m);
      await claimMine(h.store, m.id);
      const parts = Array.from({ length: 3 }, (_, i) => newDelivery(m.id, { partIndex: i }));
      const before = Date.now();
      const handed = await h.store.completeRouting(m.id, { status: 'pending', hops: [], deliveries: parts }, { count: 2, leaseMs: 80 });

      expect(handed.map((d) => d.id)).toEqual([parts[0].id, parts[1].id]);
      expect(handed[0]).toMatchObject({
        messageId: m.id,
        routeId: m.routeId,
        correlationId: m.correlationId,
        targetId: 'crm',
        partIndex: 0,
        wireTap: false,
        headers: parts[0].headers,
        contentType: 'application/xml',
        attempts: 0,
        maxAttempts: 3,
      });
      expect(handed[0].body.toString()).toBe('<order/>');
      expect(handed[0].leaseUntil).toBeGreaterThanOrEqual(before + 80);
      // Only the third is free; the handed-off ones come back only once their lease runs out (a crashed worker).
      expect((await other.claimDeliveries(100, 60_000)).map((d) => d.id)).toEqual([parts[2].id]);
      await h.store.recordAttempt(parts[0].id, attempt(1, true), { kind: 'delivered' });
      await sleep(120);
      expect((await other.claimDeliveries(100, 60_000)).map((d) => d.id)).toEqual([parts[1].id]);
    });

    it('hands off nothing when the routing result is ignored', async () => {
      const slow = await h.open({ instanceId: 'slow-handoff' });
      const m = newMessage();
      await h.store.acceptMessage(m);
      expect(await claimMine(slow, m.id, 30)).toBeDefined();
      await sleep(60);
      expect(await claimMine(h.store, m.id)).toBeDefined();
      const d = newDelivery(m.id);
      expect(await slow.completeRouting(m.id, { status: 'pending', hops: [], deliveries: [d] }, { count: 1, leaseMs: 60_000 })).toEqual([]);
      expect((await h.store.getMessage(m.id))?.deliveries).toEqual([]);
    });

    it('group-commits a burst of routings and attempts into a few transactions', async () => {
      const tx = jest.spyOn(SqlExecutor.prototype, 'tx');
      try {
        const ms = Array.from({ length: 40 }, () => newMessage());
        for (const m of ms) await h.store.acceptMessage(m);
        await h.store.claimMessages(100, 60_000);
        tx.mockClear();
        const ds = ms.map((m) => newDelivery(m.id));
        const handed = await Promise.all(
          ms.map((m, i) => h.store.completeRouting(m.id, { status: 'pending', hops: [], deliveries: [ds[i]] }, { count: 1, leaseMs: 60_000 })),
        );
        expect(handed.map((x) => x.map((d) => d.id))).toEqual(ds.map((d) => [d.id]));
        const scrubbed = { headers: { masked: '1' }, body: Buffer.from('<order>***</order>') };
        await Promise.all(
          ds.map((d, i) =>
            h.store.recordAttempt(d.id, attempt(1, i !== 7), i === 7 ? { kind: 'retry', nextAttemptAt: Date.now() + 60_000 } : { kind: 'delivered', scrubbed }),
          ),
        );
        expect(tx.mock.calls.length).toBeLessThanOrEqual(4);
        const details = await Promise.all(ms.map((m) => h.store.getMessage(m.id)));
        expect(details.map((x) => x?.status)).toEqual(ms.map((_, i) => (i === 7 ? 'pending' : 'delivered')));
        expect(details[0]?.deliveries[0]).toMatchObject({ status: 'delivered', headers: { masked: '1' }, attempts: [expect.objectContaining({ ok: true })] });
        expect(details[0]?.deliveries[0].body.toString()).toBe('<order>***</order>');
        expect(details[7]?.deliveries[0]).toMatchObject({ status: 'pending', attempts: [expect.objectContaining({ ok: false })] });
      } finally {
        tx.mockRestore();
      }
    });

    it('rejects work on unknown ids with NOT_FOUND', async () => {
      await expect(h.store.completeRouting('nope', { status: 'filtered', hops: [], deliveries: [] })).rejects.toBeInstanceOf(
        BusError,
      );
      await expect(h.store.completeRouting('nope', { status: 'filtered', hops: [], deliveries: [] })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      await expect(h.store.recordAttempt('nope', attempt(1, true), { kind: 'delivered' })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      expect(await h.store.getMessage('nope')).toBeNull();
      expect(await h.store.getDeadLetter('nope')).toBeNull();
    });
  });
}
