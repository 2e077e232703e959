import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTargetServer, waitUntil, type CapturedRequest, type TargetServer } from '@junction/testing';
import { freshDatabase, getJson, startTestBus, type TestBus } from './support/test-bus';

/** The schedule sources of a bus, as `GET /admin/connectors` reports them. */
async function scheduleStatus(bus: TestBus): Promise<Array<{ routeId: string; state: string; detail: Record<string, any> }>> {
  const connectors = (await getJson(`${bus.adminUrl}/admin/connectors`)) as Array<{ kind: string; sources: any[] }>;
  return connectors.find((c) => c.kind === 'schedule')!.sources;
}

const byPath = (target: TargetServer, path: string): CapturedRequest[] => target.requests.filter((r) => r.path === path);

describe('schedule source on the real bus', () => {
  let target: TargetServer;
  let polled = 0;
  beforeAll(async () => {
    target = await startTargetServer({
      respond: (req) => (req.path === '/crm/changes' ? { body: { changed: [`c-${++polled}`] } } : {}),
    });
  });
  afterAll(() => target?.close());

  describe('one instance', () => {
    let bus: TestBus;
    beforeAll(async () => {
      bus = await startTestBus({
        env: { TARGET_URL: target.url },
        routes: {
          'ticks.yaml': `
routes:
  - id: ticks
    from:
      schedule:
        every: 200ms
        name: heartbeat
        bodyExpr: '{ "tick": $tick, "at": $scheduledAt, "now": $now }'
        headers: { x-origin: junction-schedule }
    to: [{ id: sink, http: { url: "\${TARGET_URL}/ticks" } }]
`,
          'poll.yaml': `
routes:
  - id: poll-crm
    from: { schedule: { every: 300ms, body: { source: crm } } }
    steps:
      - enrich:
          target: { id: crm, http: { url: "\${TARGET_URL}/crm/changes", method: GET } }
          into: changes
    to: [{ id: out, http: { url: "\${TARGET_URL}/changes-out" } }]
`,
        },
      });
    });
    afterAll(() => bus?.destroy());

    test('every 200ms: each tick arrives at the target as one message, numbered in tick order', async () => {
      const wanted = 8;
      await waitUntil(() => byPath(target, '/ticks').length >= wanted, 30_000, `${wanted} ticks at the target`);
      const arrived = byPath(target, '/ticks');
      const bodies = arrived.map((r) => r.json as { tick: number; at: string; now: string }).sort((x, y) => Date.parse(x.at) - Date.parse(y.at));
      const ticks = bodies.map((b) => b.tick);
      process.stdout.write(`schedule every 200ms: ticks delivered=${arrived.length} numbers=${ticks.join(',')}\n`);

      // One message per tick: distinct tick times on the 200ms grid, numbers rising with them.
      expect(new Set(bodies.map((b) => b.at)).size).toBe(bodies.length);
      expect(bodies.every((b) => Date.parse(b.at) % 200 === 0 && Date.parse(b.now) >= Date.parse(b.at))).toBe(true);
      expect(ticks.every((t, i) => i === 0 || t > ticks[i - 1])).toBe(true);
      expect(ticks[0]).toBe(1);
      expect(new Set(arrived.map((r) => r.headers['x-message-id'])).size).toBe(arrived.length);
      expect(arrived[0].headers['x-origin']).toBe('junction-schedule');

      const journaled = (await getJson(`${bus.adminUrl}/admin/messages?route=ticks&limit=5`)) as Array<{ sourceKind: string; sourceAddress: string }>;
      expect(journaled[0]).toMatchObject({ sourceKind: 'schedule', sourceAddress: 'every 200ms' });

      const [status] = (await scheduleStatus(bus)).filter((s) => s.routeId === 'ticks');
      expect(status).toMatchObject({ state: 'connected', detail: { schedule: 'every 200ms', name: 'heartbeat', failed: 0, firedElsewhere: 0 } });
      expect(status.detail.fired).toBeGreaterThanOrEqual(wanted);
      expect(Date.parse(status.detail.next) % 200).toBe(0);
      expect(Date.parse(status.detail.next)).toBeGreaterThan(Date.parse(bodies[bodies.length - 1].at));
    });

    test('a schedule polls a GET endpoint through an enricher, then delivers what it got', async () => {
      await waitUntil(() => byPath(target, '/changes-out').length >= 3, 30_000, 'three polls delivered');
      const polls = byPath(target, '/crm/changes');
      expect(polls.every((r) => r.method === 'GET' && r.body === '')).toBe(true);
      const delivered = byPath(target, '/changes-out').map((r) => r.json as { source: string; changes: { changed: string[] } });
      expect(delivered.every((d) => d.source === 'crm' && /^c-\d+$/.test(d.changes.changed[0]))).toBe(true);
      expect(new Set(delivered.map((d) => d.changes.changed[0])).size).toBe(delivered.length);
      process.stdout.write(`schedule + enrich: polls=${polls.length} delivered=${delivered.length}\n`);
    });
  });

  describe('two instances on one PostgreSQL database', () => {
    const PERIOD_MS = 250;
    const ROUTE = `
routes:
  - id: shared-tick
    from:
      schedule:
        every: ${PERIOD_MS}ms
        bodyExpr: '{ "tick": $tick, "at": $scheduledAt }'
    to: [{ id: sink, http: { url: "\${TARGET_URL}/shared" } }]
`;
    let dir: string;
    let drop: (() => Promise<void>) | undefined;
    let a: TestBus | undefined;
    let b: TestBus | undefined;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'junction-schedule-'));
      const db = await freshDatabase('postgres', dir);
      drop = db.drop;
      a = await startTestBus({ routes: { 'shared.yaml': ROUTE }, databaseUrl: db.url, env: { TARGET_URL: target.url, INSTANCE_ID: 'a' } });
      b = await startTestBus({ routes: { 'shared.yaml': ROUTE }, databaseUrl: db.url, env: { TARGET_URL: target.url, INSTANCE_ID: 'b' } });
    });
    afterAll(async () => {
      await a?.destroy();
      await b?.destroy();
      await drop?.();
      rmSync(dir, { recursive: true, force: true });
    });

    test('every tick time fires once in total, whichever instance fires it', async () => {
      const from = Date.now();
      await new Promise((r) => setTimeout(r, 4_000));
      const until = Date.now();
      const [sa] = await scheduleStatus(a!);
      const [sb] = await scheduleStatus(b!);
      const fired = sa.detail.fired + sb.detail.fired;
      // Deliveries go through each instance's outbox: let them catch up with what was fired.
      await waitUntil(() => byPath(target, '/shared').length >= fired, 30_000, `${fired} fired ticks delivered`);

      const bodies = byPath(target, '/shared').map((r) => r.json as { tick: number; at: string });
      const times = bodies.map((x) => Date.parse(x.at));
      const duplicated = times.length - new Set(times).size;
      const inWindow = new Set(times.filter((t) => t > from && t <= until));
      const expected = Math.floor(until / PERIOD_MS) - Math.floor(from / PERIOD_MS);
      process.stdout.write(
        `schedule two instances: ticks expected=${expected} delivered=${inWindow.size} duplicated=${duplicated} ` +
          `fired by a=${sa.detail.fired} by b=${sb.detail.fired} (firedElsewhere a=${sa.detail.firedElsewhere} b=${sb.detail.firedElsewhere}, ` +
          `missed a=${sa.detail.missed} b=${sb.detail.missed}, skipped a=${sa.detail.skipped} b=${sb.detail.skipped})\n`,
      );

      expect(duplicated).toBe(0);
      expect(new Set(bodies.map((x) => x.tick)).size).toBe(bodies.length);
      // A tick is only lost when both instances' timers came late past the next one: rare, but a loaded machine may.
      expect(inWindow.size).toBeGreaterThanOrEqual(Math.floor(expected / 2));
      expect(inWindow.size).toBeLessThanOrEqual(expected);
      // Both instances run the schedule and contend for its ticks; each tick went to one of them.
      for (const s of [sa, sb]) {
        expect(s.state).toBe('connected');
        expect(s.detail.fired + s.detail.firedElsewhere + s.detail.skipped + s.detail.missed).toBeGreaterThan(0);
      }
      for (const bus of [a!, b!]) expect((await fetch(`${bus.url}/health`)).status).toBe(200);
    });
  });
});
