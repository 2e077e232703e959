import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { freshDatabase, getJson, post, startTestBus, type TestBus } from './support/test-bus';

const visible = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => !n.startsWith('.')) : []);

describe('file connector on the real bus', () => {
  let dir: string;
  let target: TargetServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'junction-file-'));
    target = await startTargetServer();
  });
  afterAll(async () => {
    await target?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const at = (path: string) => target.requests.filter((r) => r.path === path);

  test('a CSV file becomes one message per record, in order; a malformed one goes to .error with its lines', async () => {
    const inbox = join(dir, 'csv-in');
    mkdirSync(inbox);
    const bus = await startTestBus({
      env: { TARGET_URL: target.url, INBOX: inbox },
      routes: {
        'csv.yaml': `
routes:
  - id: csv-records
    mode: async
    from:
      file:
        dir: "\${INBOX}"
        include: ['*.csv']
        ready: doneFile
        pollMs: 100
        format: { csv: { header: true, columns: [sku, { name: qty, type: integer }] } }
        split: records
    to: [{ id: sink, http: { url: "\${TARGET_URL}/records" } }]
`,
      },
    });
    try {
      writeFileSync(join(inbox, 'stock.csv'), 'sku,qty\nA-1,5\nB-2,7\nC-3,0\n');
      writeFileSync(join(inbox, 'broken.csv'), 'sku,qty\nA-1,five\n');
      // Not taken before its done-file is there.
      await new Promise((r) => setTimeout(r, 500));
      expect(at('/records')).toHaveLength(0);
      writeFileSync(join(inbox, 'stock.csv.done'), '');
      writeFileSync(join(inbox, 'broken.csv.done'), '');
      await waitUntil(() => at('/records').length >= 3 && visible(join(inbox, '.error')).length === 2, 20_000, 'records delivered, the broken file refused');
      const records = at('/records');
      expect(records.map((r) => r.json)).toEqual([
        { sku: 'A-1', qty: 5 },
        { sku: 'B-2', qty: 7 },
        { sku: 'C-3', qty: 0 },
      ]);
      expect(records.map((r) => r.headers['x-file-record'])).toEqual(['1', '2', '3']);
      await waitUntil(() => visible(inbox).length === 0, 10_000, 'the files and their done-files gone from the inbox');
      expect(visible(join(inbox, '.done'))).toEqual(['stock.csv']);
      const reason = readFileSync(join(inbox, '.error', 'broken.csv.reason.txt'), 'utf8');
      expect(reason).toMatch(/line 2/);
      // Dead-lettered with its content, under the id the reason file names.
      const messageId = /messageId: (\S+)/.exec(reason)?.[1];
      expect(messageId).toBeDefined();
      const listed = (await getJson(`${bus.adminUrl}/admin/dead-letters?route=csv-records`)) as Array<{ id: string; messageId: string }>;
      const entry = listed.find((d) => d.messageId === messageId);
      expect(entry).toBeDefined();
      const dead = await getJson(`${bus.adminUrl}/admin/dead-letters/${entry!.id}`);
      expect(dead.headers['x-file-name']).toBe('broken.csv');
      expect(JSON.stringify(dead)).toContain('A-1,five');
      expect(JSON.stringify(dead)).toContain('FLAT_FORMAT');
      console.log(`file csv split: 2 files, ${records.length} records delivered, 1 file refused`);
    } finally {
      await bus.destroy();
    }
  });

  test('a missing source folder is created at start: the source stays connected and takes the first file dropped there', async () => {
    const inbox = join(dir, 'not-yet', 'stock');
    const bus = await startTestBus({
      env: { TARGET_URL: target.url, INBOX: inbox },
      routes: {
        'late.yaml': `
routes:
  - id: late-folder
    mode: async
    from: { file: { dir: "\${INBOX}", ready: rename, after: delete, pollMs: 100 } }
    to: [{ id: sink, http: { url: "\${TARGET_URL}/late" } }]
`,
      },
    });
    try {
      await waitUntil(() => existsSync(inbox), 20_000, 'the folder created');
      // Several polls of the empty folder: none of them may count as a lost connection.
      await new Promise((r) => setTimeout(r, 600));
      const source = async () => {
        const connectors = (await (await fetch(`${bus.adminUrl}/admin/connectors`, { headers: { authorization: 'Bearer test-admin-token' } })).json()) as Array<{ kind: string; sources: any[] }>;
        return connectors.find((c) => c.kind === 'file')!.sources[0] as { state: string; error?: string };
      };
      expect(await source()).toMatchObject({ state: 'connected' });
      expect((await source()).error).toBeUndefined();
      writeFileSync(join(inbox, 'first.json'), '{"n":1}');
      await waitUntil(() => at('/late').length === 1 && visible(inbox).length === 0, 20_000, 'the file delivered and deleted');
      expect(at('/late')[0].json).toEqual({ n: 1 });
    } finally {
      await bus.destroy();
    }
  });

  test('messages appended to one CSV file: a batch becomes one file, its header written once', async () => {
    const out = join(dir, 'csv-out');
    const bus = await startTestBus({
      env: { OUT: out },
      routes: {
        'out.yaml': `
routes:
  - id: to-csv
    mode: async
    from: { http: { path: /stock } }
    to:
      - id: csv
        file:
          dir: "\${OUT}"
          name: "'stock-' & batch & '.csv'"
          exists: append
          format: { csv: { header: true, columns: [sku, qty] } }
`,
      },
    });
    try {
      for (let i = 0; i < 5; i++) expect((await post(`${bus.url}/stock`, { batch: 'b1', sku: `S-${i}`, qty: i })).status).toBe(202);
      await waitUntil(() => existsSync(join(out, 'stock-b1.csv')) && readFileSync(join(out, 'stock-b1.csv'), 'utf8').split('\n').filter(Boolean).length === 6, 20_000, 'five rows and a header');
      const lines = readFileSync(join(out, 'stock-b1.csv'), 'utf8').split('\n').filter(Boolean);
      expect(lines[0]).toBe('sku,qty');
      expect(lines.slice(1).sort()).toEqual(['S-0,0', 'S-1,1', 'S-2,2', 'S-3,3', 'S-4,4']);
      expect(readdirSync(out)).toEqual(['stock-b1.csv']);
    } finally {
      await bus.destroy();
    }
  });

  test('two instances on one PostgreSQL store polling one folder: each file taken by one of them', async () => {
    const inbox = join(dir, 'shared-in');
    mkdirSync(inbox);
    const files = 300;
    const db = await freshDatabase('postgres', dir);
    const routes = {
      'shared.yaml': `
routes:
  - id: shared-folder
    mode: async
    from: { file: { dir: "\${INBOX}", include: ['*.json'], ready: rename, pollMs: 100, concurrency: 4 } }
    to: [{ id: sink, http: { url: "\${TARGET_URL}/shared" } }]
`,
    };
    const env = { TARGET_URL: target.url, INBOX: inbox };
    let a: TestBus | undefined;
    let b: TestBus | undefined;
    try {
      a = await startTestBus({ routes, databaseUrl: db.url, env: { ...env, INSTANCE_ID: 'file-a' } });
      b = await startTestBus({ routes, databaseUrl: db.url, env: { ...env, INSTANCE_ID: 'file-b' } });
      for (let i = 0; i < files; i++) writeFileSync(join(inbox, `f-${i}.json`), JSON.stringify({ n: i }));
      await waitUntil(() => new Set(at('/shared').map((r) => (r.json as { n: number }).n)).size === files && visible(inbox).length === 0, 120_000, 'every file delivered');
      await new Promise((r) => setTimeout(r, 1_000));
      const ns = at('/shared').map((r) => (r.json as { n: number }).n);
      const status = async (bus: TestBus) => {
        const connectors = (await (await fetch(`${bus.adminUrl}/admin/connectors`, { headers: { authorization: 'Bearer test-admin-token' } })).json()) as Array<{ kind: string; sources: any[] }>;
        return connectors.find((c) => c.kind === 'file')!.sources[0].detail as { taken: number; claimedElsewhere: number; changed: number };
      };
      const [byA, byB] = [await status(a), await status(b)];
      console.log(
        `file scale-out: ${files} files, ${new Set(ns).size} delivered, ${ns.length - new Set(ns).size} duplicates, taken by a=${byA.taken} b=${byB.taken}, claimed elsewhere a=${byA.claimedElsewhere} b=${byB.claimedElsewhere}, gone before the claim a=${byA.changed} b=${byB.changed}`,
      );
      expect(ns).toHaveLength(files);
      expect(byA.taken + byB.taken).toBe(files);
      expect(visible(join(inbox, '.done'))).toHaveLength(files);
    } finally {
      await a?.destroy();
      await b?.destroy();
      await db.drop();
    }
  }, 180_000);
});
