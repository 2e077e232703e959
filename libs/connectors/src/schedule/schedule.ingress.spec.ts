import { ConfigError, silentLogger, StoreError, type Ack, type Incoming, type MessageSink, type SourceStatus } from '@junction/core';
import { createStore, type LeaseStore, type Store } from '@junction/store';
import { tempDir, waitUntil, type TempDir } from '@junction/testing';
import { ScheduleSourceSchema } from './schedule.config';
import { ScheduleIngress } from './schedule.ingress';

/** A sink that records what it was given; `hold` keeps dispatches pending until `release`. */
function recordingSink() {
  const taken: Array<{ routeId: string; incoming: Incoming; json: any }> = [];
  let gate: Promise<void> | undefined;
  let open: () => void = () => undefined;
  const sink: MessageSink = {
    async dispatch(routeId: string, incoming: Incoming): Promise<Ack> {
      taken.push({ routeId, incoming, json: incoming.contentType === 'application/json' ? JSON.parse(incoming.body.toString()) : undefined });
      if (gate) await gate;
      return { kind: 'accepted', messageId: `m${taken.length}` };
    },
  };
  return {
    sink,
    taken,
    hold: () => void (gate = new Promise<void>((r) => (open = r))),
    release: () => {
      gate = undefined;
      open();
    },
  };
}

const binding = (routeId: string, source: Record<string, unknown>) => ({
  routeId,
  mode: 'async' as const,
  config: ScheduleSourceSchema.parse(source),
  baseDir: '.',
});

async function statusOf(ingress: ScheduleIngress, routeId: string): Promise<SourceStatus & { detail: Record<string, any> }> {
  const found = (await ingress.status()).find((s) => s.routeId === routeId);
  if (!found) throw new Error(`no status for ${routeId}`);
  return found as SourceStatus & { detail: Record<string, any> };
}

describe('ScheduleIngress', () => {
  let dir: TempDir;
  let store: Store;
  const opened: ScheduleIngress[] = [];
  const stores: Store[] = [];

  const open = async (instanceId: string) => {
    const s = createStore({ url: `sqlite:${dir.path}/junction.db`, instanceId });
    await s.init();
    stores.push(s);
    return s;
  };
  const ingressOn = (leases: LeaseStore) => {
    const ingress = new ScheduleIngress(leases, silentLogger);
    opened.push(ingress);
    return ingress;
  };

  beforeAll(async () => {
    dir = await tempDir('junction-schedule');
    store = await open('a');
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((i) => i.close(1_000)));
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    await dir.cleanup();
  });

  it('hands the route one message per tick, numbered, with the body expression evaluated at each tick', async () => {
    const { sink, taken } = recordingSink();
    const ingress = ingressOn(store.leases);
    const b = binding('numbered', { every: '100ms', bodyExpr: '{ "tick": $tick, "at": $scheduledAt, "now": $now }', headers: { 'x-poll': 'crm' } });
    await ingress.prepare([b]);
    ingress.bind([b]);
    expect((await statusOf(ingress, 'numbered')).state).toBe('connecting');
    await ingress.start(sink);
    await waitUntil(() => taken.length >= 3, 10_000, 'three ticks');

    const [first, second, third] = taken;
    expect(first.routeId).toBe('numbered');
    expect(first.incoming).toMatchObject({ source: { kind: 'schedule', address: 'every 100ms' }, headers: { 'x-poll': 'crm' }, contentType: 'application/json' });
    expect([first.json.tick, second.json.tick, third.json.tick]).toEqual([1, 2, 3]);
    for (const { json } of taken) {
      expect(Date.parse(json.at) % 100).toBe(0);
      expect(Date.parse(json.now)).toBeGreaterThanOrEqual(Date.parse(json.at));
    }
    expect(Date.parse(second.json.at)).toBeGreaterThan(Date.parse(first.json.at));

    const status = await statusOf(ingress, 'numbered');
    expect(status.state).toBe('connected');
    expect(status.detail).toMatchObject({ schedule: 'every 100ms', fired: expect.any(Number), firedElsewhere: 0, failed: 0 });
    expect(status.detail.fired).toBeGreaterThanOrEqual(3);
    // The next tick is on the grid, after the ticks already fired.
    expect(Date.parse(status.detail.next) % 100).toBe(0);
    expect(Date.parse(status.detail.next)).toBeGreaterThan(Date.parse(third.json.at));
    expect(Date.parse(status.detail.lastFiredAt)).toBeGreaterThanOrEqual(Date.parse(first.json.now));
  });

  it('sends a fixed body as it is, JSON by default', async () => {
    const { sink, taken } = recordingSink();
    const ingress = ingressOn(store.leases);
    const bindings = [binding('xml', { every: '100ms', body: '<poll/>' }), binding('empty', { every: '100ms', name: 'default body' })];
    ingress.bind(bindings);
    await ingress.start(sink);
    await waitUntil(() => ['xml', 'empty'].every((r) => taken.some((t) => t.routeId === r)), 10_000, 'a tick of each route');
    const xml = taken.find((t) => t.routeId === 'xml')!.incoming;
    expect([xml.body.toString(), xml.contentType]).toEqual(['<poll/>', 'application/xml']);
    expect(taken.find((t) => t.routeId === 'empty')!.json).toEqual({});
    expect((await statusOf(ingress, 'empty')).detail.name).toBe('default body');
  });

  it('skips ticks while the previous message is still being dispatched, and counts them', async () => {
    const { sink, taken, hold, release } = recordingSink();
    hold();
    const ingress = ingressOn(store.leases);
    ingress.bind([binding('slow', { every: '100ms' })]);
    await ingress.start(sink);
    await waitUntil(async () => (await statusOf(ingress, 'slow')).detail.skipped >= 3, 10_000, 'three skipped ticks');
    expect(taken).toHaveLength(1);
    expect((await statusOf(ingress, 'slow')).detail.fired).toBe(1);
    release();
    await waitUntil(() => taken.length >= 2, 10_000, 'ticks again once the first was taken');
  });

  it('fires each tick on one of two instances sharing a store', async () => {
    const other = await open('b');
    const a = recordingSink();
    const b = recordingSink();
    const onA = ingressOn(store.leases);
    const onB = ingressOn(other.leases);
    const route = binding('shared', { every: '100ms', bodyExpr: '{ "at": $scheduledAt, "tick": $tick }' });
    for (const [ingress, s] of [[onA, a], [onB, b]] as const) {
      ingress.bind([route]);
      await ingress.start(s.sink);
    }
    await waitUntil(() => a.taken.length + b.taken.length >= 10, 15_000, 'ten ticks between the two');
    await Promise.all([onA.close(1_000), onB.close(1_000)]);

    const at = [...a.taken, ...b.taken].map((t) => t.json.at as string);
    expect(new Set(at).size).toBe(at.length);
    const numbers = [...a.taken, ...b.taken].map((t) => t.json.tick as number).sort((x, y) => x - y);
    expect(new Set(numbers).size).toBe(numbers.length);
    const [sa, sb] = await Promise.all([onA.status(), onB.status()]);
    expect([sa, sb]).toEqual([[], []]);
  });

  it('keeps an unchanged schedule across a reload, replaces a changed one and stops a removed one', async () => {
    const { sink, taken } = recordingSink();
    const ingress = ingressOn(store.leases);
    ingress.bind([binding('kept', { every: '100ms' }), binding('changed', { every: '100ms' })]);
    await ingress.start(sink);
    await waitUntil(async () => (await statusOf(ingress, 'kept')).detail.fired >= 2, 10_000, 'two ticks');

    const firedBefore = (await statusOf(ingress, 'kept')).detail.fired;
    ingress.bind([binding('kept', { every: '100ms' }), binding('changed', { every: '1h' })]);
    expect((await statusOf(ingress, 'kept')).detail.fired).toBeGreaterThanOrEqual(firedBefore);
    expect((await statusOf(ingress, 'changed')).detail).toMatchObject({ schedule: 'every 1h', fired: 0 });

    ingress.bind([]);
    expect(await ingress.status()).toEqual([]);
    const count = taken.length;
    await new Promise((r) => setTimeout(r, 500));
    // At most the tick each stopped schedule had in flight (the old `changed` and `kept`); no new ones.
    expect(taken.length).toBeLessThanOrEqual(count + 2);
  });

  it('fires nothing and says so while the store cannot be reached, then resumes', async () => {
    let down = true;
    const real = store.leases;
    const leases: LeaseStore = {
      tryLease: (key, ms) => real.tryLease(key, ms),
      releaseLease: (key) => real.releaseLease(key),
      readLease: (key) => real.readLease(key),
      purgeLeases: (ms) => real.purgeLeases(ms),
      claimTick: (key, tick, holdMs) => (down ? Promise.reject(new StoreError('database unreachable')) : real.claimTick(key, tick, holdMs)),
    };
    const { sink, taken } = recordingSink();
    const ingress = ingressOn(leases);
    ingress.bind([binding('outage', { every: '100ms' })]);
    await ingress.start(sink);
    await waitUntil(async () => (await statusOf(ingress, 'outage')).detail.failed >= 2, 10_000, 'two failed ticks');
    expect(await statusOf(ingress, 'outage')).toMatchObject({ state: 'reconnecting', error: 'database unreachable', detail: { fired: 0 } });
    expect(taken).toEqual([]);
    down = false;
    await waitUntil(() => taken.length >= 1, 10_000, 'a tick after the outage');
    expect((await statusOf(ingress, 'outage')).state).toBe('connected');
  });

  it('counts a tick whose body expression fails, and fires nothing for it', async () => {
    const { sink, taken } = recordingSink();
    const ingress = ingressOn(store.leases);
    ingress.bind([binding('broken', { every: '100ms', bodyExpr: '$error("no body")' })]);
    await ingress.start(sink);
    await waitUntil(async () => (await statusOf(ingress, 'broken')).detail.failed >= 2, 10_000, 'two failed ticks');
    expect(taken).toEqual([]);
    expect((await statusOf(ingress, 'broken')).state).toBe('connected');
  });

  it('refuses bindings it cannot schedule, naming the route', async () => {
    const ingress = ingressOn(store.leases);
    const bad = { routeId: 'bad', mode: 'async' as const, config: { cron: 'sometimes', headers: {} }, baseDir: '.' };
    await expect(ingress.prepare([binding('good', { every: '1m' }), bad])).rejects.toThrow(ConfigError);
    await expect(ingress.prepare([bad])).rejects.toThrow(/^route bad: cron: not a cron expression/);
  });

  it('waits on close for the tick in flight, and fires nothing after', async () => {
    const { sink, taken, hold, release } = recordingSink();
    hold();
    const ingress = ingressOn(store.leases);
    ingress.bind([binding('closing', { every: '100ms' })]);
    await ingress.start(sink);
    await waitUntil(() => taken.length === 1, 10_000, 'a tick in flight');
    let closed = false;
    const closing = ingress.close(10_000).then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 200));
    expect(closed).toBe(false);
    release();
    await closing;
    await new Promise((r) => setTimeout(r, 300));
    expect(taken).toHaveLength(1);
  });

  it('purges lease rows that ran out long ago while schedules run', async () => {
    const stale = `stale-${Date.now()}`;
    expect(await store.leases.claimTick(stale, 1, 0)).toBe(1);
    const ingress = new ScheduleIngress(store.leases, silentLogger, { purgeEveryMs: 50, purgeAfterMs: 0 });
    opened.push(ingress);
    ingress.bind([binding('purging', { every: '100ms' })]);
    await ingress.start(recordingSink().sink);
    await waitUntil(async () => (await store.leases.readLease(stale)) === null, 10_000, 'the stale row purged');
    await waitUntil(async () => (await store.leases.readLease('schedule:purging')) !== null, 10_000, 'the live row');
  });
});
