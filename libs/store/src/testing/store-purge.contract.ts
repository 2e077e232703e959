import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { Exchange, JournaledDelivery, NewMessage, RetentionPolicy } from '../store.types';
import { newDelivery, newMessage, unique, type StoreHarness } from './store-fixtures';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A message received `agoMs` ago, its id made then too (ids are time-ordered UUIDv7, as the bus makes them). */
function receivedAgo(agoMs: number, overrides: Partial<NewMessage> = {}): NewMessage {
  const at = Date.now() - agoMs;
  return newMessage({ id: uuidv7({ msecs: at }), receivedAt: at, mode: 'sync', ...overrides });
}

function delivered(m: NewMessage, overrides: Partial<JournaledDelivery> = {}): JournaledDelivery {
  return { ...newDelivery(m.id), status: 'delivered', attempts: [{ number: 1, startedAt: m.receivedAt, durationMs: 3, ok: true, statusCode: 200 }], ...overrides };
}

const finished = (m: NewMessage): Exchange => ({ message: m, status: 'delivered', hops: [], deliveries: [delivered(m)] });
const deadLettered = (m: NewMessage): Exchange => ({
  message: m,
  status: 'dead',
  hops: [],
  deliveries: [delivered(m, { status: 'dead', attempts: [{ number: 1, startedAt: m.receivedAt, durationMs: 3, ok: false, errorCode: 'HTTP_400', error: 'no' }] })],
});

/** The journal's retention: what a purge deletes and what it keeps. Run against every driver, after the others
 *  (a purge deletes the old finished messages of every test; each test here looks only at its own). */
export function describePurge(h: StoreHarness): void {
  describe('journal retention', () => {
    const policy = (p: Partial<RetentionPolicy> = {}): RetentionPolicy => ({ ageMs: DAY, deadLetterAgeMs: 30 * DAY, ...p });
    const exists = async (id: string) => (await h.store.getMessage(id)) !== null;

    it('deletes finished messages past their age with their deliveries and attempts, and keeps the young', async () => {
      const routeId = unique('age');
      const old = [receivedAgo(3 * HOUR, { routeId }), receivedAgo(2 * HOUR, { routeId, mode: 'async' })];
      const filtered = receivedAgo(2 * HOUR, { routeId });
      const young = receivedAgo(10 * 60_000, { routeId });
      for (const m of [...old, young]) await h.store.journalExchange(finished(m));
      await h.store.journalExchange({ message: filtered, status: 'filtered', hops: [], deliveries: [] });

      const report = await h.store.purgeJournal(policy({ ageMs: HOUR }));
      expect(report.messages).toBeGreaterThanOrEqual(3);
      expect(report.forSize).toBe(0);
      expect(await Promise.all([...old, filtered].map((m) => exists(m.id)))).toEqual([false, false, false]);
      expect(await exists(young.id)).toBe(true);
      expect((await h.store.getMessage(young.id))?.deliveries[0].attempts).toHaveLength(1);
    });

    it('keeps what is not finished: a message waiting to be routed, one with a delivery pending (a wire tap too)', async () => {
      const routeId = unique('busy');
      const waiting = receivedAgo(3 * HOUR, { routeId, mode: 'async' });
      await h.store.acceptMessage(waiting);
      const tapped = receivedAgo(3 * HOUR, { routeId });
      const tap: JournaledDelivery = { ...newDelivery(tapped.id, { wireTap: true, targetId: 'audit' }), status: 'pending', attempts: [] };
      await h.store.journalExchange({ message: tapped, status: 'delivered', hops: [], deliveries: [delivered(tapped), tap] });

      await h.store.purgeJournal(policy({ ageMs: HOUR }));
      expect(await exists(waiting.id)).toBe(true);
      expect(await exists(tapped.id)).toBe(true);
    });

    it('keeps a dead letter not replayed past the age of its message, until it expires; a replayed one goes', async () => {
      const routeId = unique('dead');
      const [kept, replayed] = [receivedAgo(3 * HOUR, { routeId }), receivedAgo(3 * HOUR, { routeId })];
      for (const m of [kept, replayed]) await h.store.journalExchange(deadLettered(m));
      const [letter] = await h.store.listDeadLetters({ routeId: routeId, replayed: false, limit: 10 }).then((ls) => ls.filter((l) => l.messageId === replayed.id));
      await h.store.replayDeadLetter(letter.id);
      const again = (await h.store.claimDeliveries(1000, 60_000)).find((d) => d.messageId === replayed.id);
      expect(again).toBeDefined();
      await h.store.recordAttempt(again!.id, { number: 1, startedAt: Date.now(), durationMs: 2, ok: true, statusCode: 200 }, { kind: 'delivered' });

      await h.store.purgeJournal(policy({ ageMs: HOUR, deadLetterAgeMs: HOUR }));
      expect(await exists(kept.id)).toBe(true);
      expect(await exists(replayed.id)).toBe(false);
      expect((await h.store.listDeadLetters({ routeId, limit: 10 })).map((l) => l.messageId)).toEqual([kept.id]);

      // Expired: written longer ago than the dead letters' age (0 here), the message goes with its dead letter.
      await new Promise((resolve) => setTimeout(resolve, 20));
      await h.store.purgeJournal(policy({ ageMs: HOUR, deadLetterAgeMs: 0 }));
      expect(await exists(kept.id)).toBe(false);
      expect(await h.store.listDeadLetters({ routeId, limit: 10 })).toEqual([]);
    });

    it('gives a route its own age, shorter or longer than the default', async () => {
      const [short, long, other] = [unique('short'), unique('long'), unique('other')];
      const ms = [short, long, other].map((routeId) => receivedAgo(2 * HOUR, { routeId }));
      const recent = receivedAgo(10 * 60_000, { routeId: short });
      for (const m of [...ms, recent]) await h.store.journalExchange(finished(m));

      await h.store.purgeJournal(policy({ ageMs: HOUR, routeAgeMs: { [short]: 60_000, [long]: DAY } }));
      expect(await Promise.all([...ms, recent].map((m) => exists(m.id)))).toEqual([false, true, false, false]);
    });

    it('works in batches of the size asked, pausing between them, until nothing is left to look at', async () => {
      const routeId = unique('batches');
      const ms = Array.from({ length: 23 }, (_, i) => receivedAgo(5 * HOUR - i * 1000, { routeId }));
      await Promise.all(ms.map((m) => h.store.journalExchange(finished(m))));
      let pauses = 0;
      const report = await h.store.purgeJournal(policy({ ageMs: HOUR }), { batch: 5, pause: async () => void pauses++ });
      expect(report.batches).toBeGreaterThanOrEqual(5);
      expect(pauses).toBeGreaterThanOrEqual(4);
      expect(report.messages).toBeGreaterThanOrEqual(23);
      expect(await h.store.listMessages({ routeId })).toEqual([]);
      const stopped = new AbortController();
      stopped.abort();
      expect(await h.store.purgeJournal(policy({ ageMs: 0 }), { signal: stopped.signal })).toMatchObject({ messages: 0, batches: 0 });
    });

    it('measures the journal without reading it, and purges the oldest finished messages ahead of their age over maxBytes', async () => {
      const routeId = unique('size');
      const before = await h.store.journalSize();
      // PostgreSQL's used bytes are an estimate from the planner's statistics, 0 until the table was analysed.
      expect(before.bytes).toBeGreaterThanOrEqual(before.usedBytes);
      expect(before.usedBytes).toBeGreaterThanOrEqual(0);
      // Incompressible bodies, so that both databases store them at full size.
      const ms = Array.from({ length: 40 }, (_, i) => receivedAgo(2 * HOUR - i * 60_000, { routeId, body: randomBytes(100_000) }));
      const letter = receivedAgo(3 * HOUR, { routeId });
      const waiting = receivedAgo(3 * HOUR, { routeId, mode: 'async' });
      for (const m of ms) await h.store.journalExchange(finished(m));
      await h.store.journalExchange(deadLettered(letter));
      await h.store.acceptMessage(waiting);
      const after = await h.store.journalSize();
      // The 4 MB just written are in the journal's size, in the file or still in the WAL: a difference from `before`
      // would not do, since a checkpoint in between may have emptied a WAL that `before` counted.
      expect(after.bytes).toBeGreaterThan(4_000_000);

      const maxBytes = Math.max(1, after.usedBytes - 2_000_000);
      // The first batch takes in every message of this test: which go then depends on no other test's rows (the
      // exact stop at the bound is SQLite's, whose size is exact: see its spec).
      const report = await h.store.purgeJournal(policy({ maxBytes }), { batch: 50 });
      expect(report.forSize).toBeGreaterThan(0);
      expect(await exists(ms[0].id)).toBe(false);
      expect(await exists(letter.id)).toBe(true);
      expect(await exists(waiting.id)).toBe(true);
    });
  });
}
