import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { runFolderCrash, watchForPartialFiles } from './support/folder-crash';
import { startFtpd, type TestFtpd } from './support/ftpd';
import { freshDatabase, getJson, startTestBus } from './support/test-bus';

const FILES = 100;

/** The connection lines of an FTPS source or target on the test server (YAML, indented for a connector block). */
const FTPS = `
        host: 127.0.0.1
        port: \${FTP_PORT}
        username: \${FTP_USER}
        password: \${FTP_PASSWORD}
        secure: true
        ca: \${FTP_CA}`;

describe('FTP connector on a real FTPS server (explicit TLS, passive mode)', () => {
  let dir: string;
  let ftpd: TestFtpd;
  let target: TargetServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'junction-ftp-'));
    ftpd = await startFtpd(dir);
    target = await startTargetServer({ respond: () => ({ delayMs: 2 }) });
    env = { FTP_PORT: String(ftpd.port), FTP_USER: ftpd.username, FTP_PASSWORD: ftpd.password, FTP_CA: ftpd.ca, TARGET_URL: target.url };
  });
  afterAll(async () => {
    await target?.close();
    await ftpd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test(`${FILES} files through FTPS -> route -> HTTP, bus killed -9 once: all delivered, none left, duplicates counted`, async () => {
    const inbox = join(ftpd.home, 'inbox');
    mkdirSync(inbox);
    const db = await freshDatabase('sqlite', dir);
    const routes = `
routes:
  - id: ftps-crash
    mode: async
    from:
      ftp:${FTPS}
        dir: /inbox
        include: ['*.json']
        pollMs: 200
        claimMs: 3000
    to: [{ id: sink, http: { url: "\${TARGET_URL}/ftps-crash" }, retry: { attempts: 20, backoffMs: 50, maxBackoffMs: 500 } }]
`;
    const counts = await runFolderCrash({
      dir,
      name: 'ftps-crash',
      inbox,
      files: FILES,
      killAt: [30],
      routes,
      databaseUrl: db.url,
      env: { ...env, LEASE_MS: '1500' },
      target,
      path: '/ftps-crash',
      timeoutMs: 180_000,
    });
    console.log(
      `ftps kill-9: ${counts.files} files, ${counts.delivered} delivered, ${counts.duplicates} duplicates, ${counts.leftInInbox} left unclaimed, ${counts.done} in .done, ${counts.errored} in .error, delivered at kill: ${counts.deliveredAtKills.join(', ')}`,
    );
    expect(counts.delivered).toBe(FILES);
    expect(counts.leftInInbox).toBe(0);
    expect(counts.done).toBe(FILES);
    expect(counts.errored).toBe(0);
    expect(counts.duplicates).toBeLessThan(50);
    await db.drop();
  }, 300_000);

  test('a target file appears only complete: a reader polling during the writes never sees a partial file', async () => {
    const local = join(dir, 'to-ftps');
    mkdirSync(local);
    const outbox = join(ftpd.home, 'outbox');
    const files = 8;
    const size = 3 * 1024 * 1024;
    const bus = await startTestBus({
      env: { ...env, LOCAL_IN: local },
      routes: {
        'out.yaml': `
routes:
  - id: ftps-out
    mode: async
    from: { file: { dir: "\${LOCAL_IN}", include: ['*.bin'], ready: rename, pollMs: 100 } }
    to:
      - id: ftps
        ftp:${FTPS.replace(/\n {8}/g, '\n          ')}
          dir: /outbox
          name: "$headers.'x-file-name'"
          exists: overwrite
`,
      },
    });
    const watch = watchForPartialFiles(outbox, size);
    try {
      for (let i = 0; i < files; i++) writeFileSync(join(local, `part-${i}.bin`), Buffer.alloc(size, 65 + i));
      await waitUntil(() => existsSync(outbox) && readdirSync(outbox).filter((n) => !n.startsWith('.')).length === files, 120_000, `${files} files on the FTPS server`);
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      const result = watch.stop();
      await bus.destroy();
      console.log(`ftps target: ${files} files of ${size} bytes, ${result.seen} seen by the reader over ${result.looks} looks, ${result.partial.length} partial, ${result.tempLooks} looks saw a temporary file being written`);
      expect(result.partial).toEqual([]);
      expect(result.seen).toBe(files);
      // The reader did look while files were being written: it saw their temporary names.
      expect(result.tempLooks).toBeGreaterThan(0);
    }
    expect(readdirSync(outbox).filter((n) => n.startsWith('.'))).toEqual([]);
  }, 180_000);

  test('the status shows the FTPS source connected, with its counts', async () => {
    const inbox = join(ftpd.home, 'status-in');
    mkdirSync(inbox);
    writeFileSync(join(inbox, 'one.json'), '{"n":1}');
    const bus = await startTestBus({
      env,
      routes: { 's.yaml': `\nroutes:\n  - id: ftps-status\n    mode: async\n    from:\n      ftp:${FTPS}\n        dir: /status-in\n        ready: rename\n        pollMs: 100\n    to: [{ id: sink, http: { url: "\${TARGET_URL}/ftps-status" } }]\n` },
    });
    try {
      await waitUntil(() => target.requests.some((r) => r.path === '/ftps-status'), 30_000, 'the file delivered');
      const connectors = (await getJson(`${bus.adminUrl}/admin/connectors`)) as Array<{ kind: string; sources: any[] }>;
      const [source] = connectors.find((c) => c.kind === 'ftp')!.sources;
      expect(source).toMatchObject({ routeId: 'ftps-status', state: 'connected', detail: { dir: `ftps://127.0.0.1:${ftpd.port}/status-in`, taken: 1 } });
    } finally {
      await bus.destroy();
    }
  });
});
