import { newMessageId, StoreError } from '@junction/core';
import { buildDataSource } from '../data-source';
import { storeEntities } from '../entities';
import { SqlExecutor } from '../sql-executor';
import { createStore } from '../create-store';
import { parseStoreUrl } from '../store-url';
import type { JournaledDelivery, MessageStatus } from '../store.types';
import { newDelivery, newMessage, quiesce, unique, type StoreHarness } from './store-fixtures';

/** Group commit, sync journaling, the admin reads and the schema. Run against every driver. */
export function describeJournal(h: StoreHarness): void {
  describe('journal', () => {
    it('group-commits 500 concurrent accepts into a few transactions, all stored', async () => {
      const routeId = unique('burst');
      const tx = jest.spyOn(SqlExecutor.prototype, 'tx');
      try {
        const messages = Array.from({ length: 500 }, () => newMessage({ routeId }));
        await Promise.all(messages.map((m) => h.store.acceptMessage(m)));
        expect(tx.mock.calls.length).toBeLessThanOrEqual(5);
        const stored = await h.store.listMessages({ routeId, limit: 1000 });
        expect(stored).toHaveLength(500);
        expect(new Set(stored.map((m) => m.id))).toEqual(new Set(messages.map((m) => m.id)));
        expect(stored.every((m) => m.status === 'received')).toBe(true);
      } finally {
        tx.mockRestore();
      }
    });

    it('fails only the duplicate in a group-committed batch', async () => {
      const routeId = unique('dup');
      const first = newMessage({ routeId });
      await h.store.acceptMessage(first);
      const others = Array.from({ length: 20 }, () => newMessage({ routeId }));
      const results = await Promise.allSettled([
        ...others.map((m) => h.store.acceptMessage(m)),
        h.store.acceptMessage(newMessage({ routeId, id: first.id })),
      ]);
      expect(results.slice(0, 20).every((r) => r.status === 'fulfilled')).toBe(true);
      const last = results[20];
      expect(last.status).toBe('rejected');
      expect((last as PromiseRejectedResult).reason).toMatchObject({ code: 'STORE_REJECTED', retriable: false });
      expect(await h.store.listMessages({ routeId, limit: 100 })).toHaveLength(21);
    });

    it('journals a sync exchange: attempts, final statuses, outbox wire taps and dead letters', async () => {
      await quiesce(h.store);
      const routeId = unique('sync');
      const m = newMessage({ routeId, mode: 'sync' });
      const ok: JournaledDelivery = {
        ...newDelivery(m.id),
        status: 'delivered',
        attempts: [
          { number: 1, startedAt: 10, durationMs: 5, ok: false, statusCode: 503, errorCode: 'HTTP_503', error: 'busy' },
          { number: 2, startedAt: 20, durationMs: 6, ok: true, statusCode: 200 },
        ],
      };
      const tap: JournaledDelivery = { ...newDelivery(m.id, { targetId: 'audit', wireTap: true }), status: 'pending', attempts: [] };
      const hops = [{ at: 1, step: 'http' }, { at: 2, step: 'deliver', note: 'crm' }];
      await h.store.journalExchange({ message: m, status: 'delivered', hops, deliveries: [ok, tap] });

      const detail = await h.store.getMessage(m.id);
      expect(detail).toMatchObject({ status: 'delivered', mode: 'sync', hops, deadLetters: [] });
      expect(detail?.body.equals(m.body)).toBe(true);
      const crm = detail?.deliveries.find((d) => d.id === ok.id);
      expect(crm?.status).toBe('delivered');
      expect(crm?.attempts).toEqual([
        { number: 1, startedAt: 10, durationMs: 5, ok: false, statusCode: 503, errorCode: 'HTTP_503', error: 'busy' },
        { number: 2, startedAt: 20, durationMs: 6, ok: true, statusCode: 200, errorCode: null, error: null },
      ]);
      const outbox = (await h.store.claimDeliveries(100, 60_000)).filter((d) => d.messageId === m.id);
      expect(outbox.map((d) => d.id)).toEqual([tap.id]);

      // A dead delivery is dead-lettered under its own failure; a failed step under the exchange's.
      const dead = newMessage({ routeId, mode: 'sync' });
      const failed: JournaledDelivery = {
        ...newDelivery(dead.id),
        status: 'dead',
        attempts: [{ number: 1, startedAt: 1, durationMs: 1, ok: false, errorCode: 'HTTP_400', error: 'rejected' }],
      };
      const step = newMessage({ routeId, mode: 'sync' });
      const stepFailure = { code: 'VALIDATION_FAILED', message: 'amount missing' };
      await Promise.all([
        h.store.journalExchange({ message: dead, status: 'dead', hops: [], deliveries: [failed] }),
        h.store.journalExchange({ message: step, status: 'dead', hops: [], failure: stepFailure, deliveries: [] }),
      ]);
      const letters = await h.store.listDeadLetters({ routeId });
      expect(letters).toHaveLength(2);
      expect(letters.find((l) => l.messageId === dead.id)).toMatchObject({
        deliveryId: failed.id,
        reason: { code: 'HTTP_400', message: 'rejected' },
      });
      expect(letters.find((l) => l.messageId === step.id)).toMatchObject({ deliveryId: null, reason: stepFailure });
      expect((await h.store.getMessage(step.id))?.failure).toEqual(stepFailure);
    });

    it('stores a body the message and its copies share once, and gives every copy its body back', async () => {
      await quiesce(h.store);
      const routeId = unique('shared');
      const m = newMessage({ routeId, mode: 'sync', body: Buffer.from('{"order":1}') });
      const attempts = [{ number: 1, startedAt: 1, durationMs: 1, ok: false, errorCode: 'HTTP_400', error: 'no' }];
      const asis: JournaledDelivery = { ...newDelivery(m.id, { body: m.body }), status: 'dead', attempts };
      const tap: JournaledDelivery = { ...newDelivery(m.id, { body: m.body, wireTap: true, targetId: 'audit' }), status: 'pending', attempts: [] };
      const converted: JournaledDelivery = { ...newDelivery(m.id, { body: Buffer.from('<order>1</order>'), targetId: 'erp' }), status: 'delivered', attempts: [] };
      await h.store.journalExchange({ message: m, status: 'dead', hops: [], deliveries: [asis, tap, converted] });

      const detail = await h.store.getMessage(m.id);
      const bodyOf = (id: string) => detail?.deliveries.find((d) => d.id === id)?.body.toString();
      expect([bodyOf(asis.id), bodyOf(tap.id), bodyOf(converted.id)]).toEqual(['{"order":1}', '{"order":1}', '<order>1</order>']);
      expect((await h.store.claimDeliveries(100, 60_000)).find((d) => d.id === tap.id)?.body.toString()).toBe('{"order":1}');
      const [letter] = await h.store.listDeadLetters({ routeId });
      expect((await h.store.getDeadLetter(letter.id))?.body.toString()).toBe('{"order":1}');

      // A replay with an edit gives the delivery a body of its own; the message keeps its own.
      await h.store.replayDeadLetter(letter.id, { body: Buffer.from('{"order":2}') });
      expect((await h.store.claimDeliveries(100, 60_000)).find((d) => d.id === asis.id)?.body.toString()).toBe('{"order":2}');
      expect((await h.store.getMessage(m.id))?.body.toString()).toBe('{"order":1}');
    });

    it("routes to deliveries that share the message's body, unless routing masks the message", async () => {
      await quiesce(h.store);
      const routeId = unique('shared-async');
      const [plain, masked] = [newMessage({ routeId }), newMessage({ routeId })];
      for (const m of [plain, masked]) await h.store.acceptMessage(m);
      const claimed = await h.store.claimMessages(100, 60_000);
      const route = async (m: typeof plain, scrubbed?: { headers: Record<string, string>; body: Buffer }) => {
        const d = newDelivery(m.id, { body: m.body });
        await h.store.completeRouting(m.id, { status: 'pending', hops: [], deliveries: [d], messageBody: claimed.find((c) => c.id === m.id)!.body, scrubbed });
        return d;
      };
      const shared = await route(plain);
      const own = await route(masked, { headers: {}, body: Buffer.from('{"order":"***"}') });
      const out = await h.store.claimDeliveries(100, 60_000);
      expect(out.find((d) => d.id === shared.id)?.body.equals(plain.body)).toBe(true);
      expect(out.find((d) => d.id === own.id)?.body.equals(masked.body)).toBe(true);
      expect((await h.store.getMessage(masked.id))?.body.toString()).toBe('{"order":"***"}');
      expect((await h.store.getMessage(plain.id))?.deliveries[0].body.equals(plain.body)).toBe(true);
    });

    it('lists messages by route, status, correlation id, business key and time, newest first, with a cursor', async () => {
      const routeId = unique('list');
      const t0 = 1_700_000_000_000;
      const ms = Array.from({ length: 5 }, (_, i) =>
        newMessage({ id: newMessageId(), routeId, receivedAt: t0 + i * 1000, businessKey: i % 2 === 0 ? 'even' : 'odd' }),
      );
      for (const m of ms) await h.store.acceptMessage(m);
      await h.store.journalExchange({ message: newMessage({ routeId: `${routeId}_other` }), status: 'delivered', hops: [], deliveries: [] });
      const ids = (xs: Array<{ id: string }>) => xs.map((x) => x.id);
      const newestFirst = ids([...ms].reverse());

      expect(ids(await h.store.listMessages({ routeId }))).toEqual(newestFirst);
      const page1 = await h.store.listMessages({ routeId, limit: 2 });
      const page2 = await h.store.listMessages({ routeId, limit: 2, before: page1[1].id });
      expect([...ids(page1), ...ids(page2)]).toEqual(newestFirst.slice(0, 4));
      expect(ids(await h.store.listMessages({ routeId, businessKey: 'odd' }))).toEqual([ms[3].id, ms[1].id]);
      expect(ids(await h.store.listMessages({ correlationId: ms[2].correlationId }))).toEqual([ms[2].id]);
      expect(ids(await h.store.listMessages({ routeId, since: t0 + 1000, until: t0 + 3000 }))).toEqual([ms[2].id, ms[1].id]);
      expect(ids(await h.store.listMessages({ routeId, since: t0 + 4000 }))).toEqual([ms[4].id]);
      expect(ids(await h.store.listMessages({ routeId, until: t0 + 1000 }))).toEqual([ms[0].id]);
      expect(await h.store.listMessages({ routeId, status: 'delivered' })).toEqual([]);
      const [summary] = await h.store.listMessages({ routeId, status: 'received', limit: 1 });
      expect(summary).toEqual({
        id: ms[4].id,
        routeId,
        correlationId: ms[4].correlationId,
        businessKey: 'even',
        sourceKind: 'http',
        sourceAddress: '/orders',
        mode: 'async',
        status: 'received',
        contentType: 'application/json',
        failure: null,
        receivedAt: t0 + 4000,
        updatedAt: expect.any(Number),
      });
    });

    it('counts messages by status, pending deliveries and dead letters not replayed', async () => {
      const before = await h.store.stats();
      const a = newMessage();
      const b = newMessage();
      await h.store.acceptMessage(a);
      await h.store.journalExchange({
        message: b,
        status: 'dead',
        hops: [],
        deliveries: [
          { ...newDelivery(b.id), status: 'dead', attempts: [] },
          { ...newDelivery(b.id, { wireTap: true }), status: 'pending', attempts: [] },
        ],
      });
      const after = await h.store.stats();
      const delta = (s: MessageStatus) => after.messages[s] - before.messages[s];
      expect({ received: delta('received'), dead: delta('dead'), delivered: delta('delivered') }).toEqual({
        received: 1,
        dead: 1,
        delivered: 0,
      });
      expect(Object.keys(after.messages).sort()).toEqual(['aggregated', 'dead', 'delivered', 'duplicate', 'filtered', 'held', 'pending', 'received']);
      expect(after.pendingDeliveries - before.pendingDeliveries).toBe(1);
      expect(after.deadLetters - before.deadLetters).toBe(1);
    });

    it('counts pending deliveries by route and target: the queues of the outbox', async () => {
      const routeId = unique('queues');
      const m = newMessage({ routeId });
      await h.store.journalExchange({
        message: m,
        status: 'pending',
        hops: [],
        deliveries: [
          { ...newDelivery(m.id, { targetId: 'crm' }), status: 'pending', attempts: [] },
          { ...newDelivery(m.id, { targetId: 'crm' }), status: 'pending', attempts: [] },
          { ...newDelivery(m.id, { targetId: 'erp' }), status: 'pending', attempts: [] },
          { ...newDelivery(m.id, { targetId: 'done' }), status: 'delivered', attempts: [] },
        ],
      });
      const mine = (await h.store.pendingByTarget()).filter((q) => q.routeId === routeId);
      expect(mine).toEqual([
        { routeId, targetId: 'crm', pending: 2 },
        { routeId, targetId: 'erp', pending: 1 },
      ]);
    });
  });

  describe('audit log', () => {
    it('appends admin actions and lists them newest first, by action, with paging', async () => {
      const actor = `admin-${Date.now()}`;
      const first = await h.store.recordAudit({ actor, action: 'login', outcome: 'ok', remote: '127.0.0.1' });
      const second = await h.store.recordAudit({
        actor,
        action: 'replay',
        target: 'dl-1',
        outcome: 'failed',
        detail: { error: 'no dead letter dl-1' },
      });
      expect(second.id > first.id).toBe(true);
      const mine = (await h.store.listAudit({ limit: 1000 })).filter((e) => e.actor === actor);
      expect(mine.map((e) => e.action)).toEqual(['replay', 'login']);
      expect(mine[0]).toEqual({ ...second, at: expect.any(Number) });
      expect(mine[1]).toMatchObject({ target: null, detail: {}, remote: '127.0.0.1', outcome: 'ok' });
      const older = await h.store.listAudit({ before: second.id, limit: 1000 });
      expect(older.some((e) => e.id === second.id)).toBe(false);
      expect(older.some((e) => e.id === first.id)).toBe(true);
      const replays = await h.store.listAudit({ action: 'replay', limit: 1000 });
      expect(replays.every((e) => e.action === 'replay')).toBe(true);
    });
  });

  describe('schema and lifecycle', () => {
    it('has entities that agree with the migrations (nothing left to synchronise)', async () => {
      const target = parseStoreUrl(h.url);
      const dataSource = buildDataSource(target, storeEntities(target.driver), { warn: () => undefined });
      await dataSource.initialize();
      try {
        const pending = await dataSource.driver.createSchemaBuilder().log();
        expect(pending.upQueries.map((q) => q.query)).toEqual([]);
        expect(await dataSource.showMigrations()).toBe(false);
      } finally {
        await dataSource.destroy();
      }
    });

    it('opens again on a migrated database and reports health', async () => {
      const second = createStore({ url: h.url });
      await second.init();
      const health = await second.health();
      expect(health).toEqual({ ok: true, driver: h.store.driver, latencyMs: expect.any(Number) });
      await second.close();
      expect(await second.health()).toMatchObject({ ok: false, error: 'store is closed' });
      await expect(second.claimMessages(1, 1000)).rejects.toBeInstanceOf(StoreError);
    });

    it('rejects work before init with a StoreError', async () => {
      const idle = createStore({ url: h.url });
      await expect(idle.acceptMessage(newMessage())).rejects.toBeInstanceOf(StoreError);
      await expect(idle.stats()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', retriable: true });
      expect(await idle.health()).toMatchObject({ ok: false, error: 'store not initialised' });
    });
  });
}
