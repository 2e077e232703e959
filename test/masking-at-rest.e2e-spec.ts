import { existsSync, readFileSync } from 'node:fs';
import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { getJson, post, startTestBus, type TestBus } from './support/test-bus';

const MESSAGES = 40;

/**
 * Masked values at rest on SQLite: an async message is written whole when it is accepted and masked once delivered.
 * Afterwards no byte of the original may remain in the database file or its write-ahead log, as a copy of the files
 * (a backup, a stolen disk) would otherwise show it.
 */
describe('masked values do not linger in the SQLite files', () => {
  let target: TargetServer;
  let bus: TestBus;

  beforeAll(async () => {
    target = await startTargetServer();
    bus = await startTestBus({
      routes: {
        'cards.yaml': `
routes:
  - id: cards
    from: { http: { path: /cards } }
    mode: async
    sensitive: { fields: [cardNumber] }
    to: [{ id: psp, http: { url: "\${TARGET_URL}/psp" } }]
`,
      },
      env: { TARGET_URL: target.url },
    });
  });
  afterAll(async () => {
    await bus?.destroy();
    await target?.close();
  });

  test(`${MESSAGES} delivered messages: their card numbers are in neither the database nor its WAL`, async () => {
    const secrets = Array.from({ length: MESSAGES }, (_, i) => `4000${String(i).padStart(4, '0')}9${Date.now().toString().slice(-7)}`);
    const ids: string[] = [];
    for (const cardNumber of secrets) {
      const res = await post(`${bus.url}/cards`, { amount: 5, cardNumber, holder: 'Ann' });
      expect(res.status).toBe(202);
      ids.push(res.json.messageId);
    }
    await waitUntil(async () => {
      const states = await Promise.all(ids.map(async (id) => (await getJson(`${bus.url}/admin/messages/${id}`)).status));
      return states.every((s) => s === 'delivered');
    }, 30_000, 'every message delivered');
    expect(target.requests.map((r) => (r.json as { cardNumber: string }).cardNumber).sort()).toEqual([...secrets].sort());

    const file = bus.databaseUrl.replace(/^sqlite:/, '');
    const lingering = () => {
      const bytes = [file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f).toString('latin1'));
      return secrets.filter((s) => bytes.some((b) => b.includes(s))).length;
    };
    // Masking is followed by a checkpoint within a second or so; a generous wait for a busy machine.
    await waitUntil(() => lingering() === 0, 15_000, 'no original left in the files').catch(() => undefined);
    const left = lingering();
    process.stdout.write(`masking at rest: ${left} of ${MESSAGES} card numbers still readable in the SQLite files\n`);
    expect(left).toBe(0);
  });
});
