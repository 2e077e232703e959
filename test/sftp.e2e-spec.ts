import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { watchForPartialFiles } from './support/folder-crash';
import { startSshd, type TestSshd } from './support/sshd';
import { startTcpRelay } from './support/tcp-relay';
import { getJson, startTestBus, type TestBus } from './support/test-bus';

/** The sources of one kind on a bus, as `GET /admin/connectors` reports them. */
async function sourcesOf(bus: TestBus, kind: string): Promise<Array<{ routeId: string; state: string; error?: string; backlog?: number; detail: Record<string, any> }>> {
  const connectors = (await getJson(`${bus.adminUrl}/admin/connectors`)) as Array<{ kind: string; sources: any[] }>;
  return connectors.find((c) => c.kind === kind)?.sources ?? [];
}

const visible = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => !n.startsWith('.')) : []);

/** An SFTP source route on the test sshd, reading `dir`, to the target's `/files` (YAML). */
function sftpRoute(id: string, dir: string, extra = '', hostKey = '${SFTP_HOST_KEY}'): string {
  return `
routes:
  - id: ${id}
    mode: async
    from:
      sftp:
        host: 127.0.0.1
        port: \${SFTP_PORT}
        username: \${SFTP_USER}
        privateKey: \${SFTP_KEY}
        hostKey: "${hostKey}"
        dir: ${dir}
        include: ['*.json']
        pollMs: 200
        claimMs: 5000
${extra}
    to: [{ id: sink, http: { url: "\${TARGET_URL}/files/${id}" } }]
`;
}

describe('SFTP connector on a real OpenSSH server', () => {
  let dir: string;
  let sshd: TestSshd;
  let target: TargetServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'junction-sftp-'));
    sshd = await startSshd(dir);
    target = await startTargetServer();
    env = { SFTP_PORT: String(sshd.port), SFTP_USER: sshd.username, SFTP_KEY: sshd.privateKey, SFTP_HOST_KEY: sshd.hostKey, TARGET_URL: target.url };
  });
  afterAll(async () => {
    await target?.close();
    await sshd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const forRoute = (id: string) => target.requests.filter((r) => r.path === `/files/${id}`);

  test('files become messages, move to .done only once taken; a refused file goes to .error with its reason and is dead-lettered', async () => {
    const inbox = join(dir, 'in-basic');
    mkdirSync(inbox);
    for (let i = 0; i < 20; i++) writeFileSync(join(inbox, `order-${i}.json`), JSON.stringify({ n: i }));
    writeFileSync(join(inbox, 'broken.json'), '{"n": not json');
    writeFileSync(join(inbox, 'notes.txt'), 'not included');
    const bus = await startTestBus({ env, routes: { 'sftp.yaml': sftpRoute('sftp-basic', inbox) } });
    try {
      await waitUntil(() => forRoute('sftp-basic').length >= 20 && visible(join(inbox, '.error')).length >= 2, 60_000, '20 files delivered, 1 refused');
      const arrived = forRoute('sftp-basic');
      expect(new Set(arrived.map((r) => (r.json as { n: number }).n)).size).toBe(20);
      expect(arrived[0].headers['content-type']).toMatch(/^application\/json/);
      await waitUntil(() => visible(join(inbox, '.done')).length === 20, 10_000, 'taken files moved to .done');
      expect(visible(inbox).sort()).toEqual(['notes.txt']);
      expect(visible(join(inbox, '.error')).sort()).toEqual(['broken.json', 'broken.json.reason.txt']);
      const reason = readFileSync(join(inbox, '.error', 'broken.json.reason.txt'), 'utf8');
      expect(reason).toMatch(/route: sftp-basic/);
      const messageId = /messageId: (\S+)/.exec(reason)?.[1];
      expect(messageId).toBeDefined();
      const listed = (await getJson(`${bus.adminUrl}/admin/dead-letters?route=sftp-basic`)) as Array<{ id: string; messageId: string }>;
      const entry = listed.find((d) => d.messageId === messageId);
      expect(entry).toBeDefined();
      const dead = await getJson(`${bus.adminUrl}/admin/dead-letters/${entry!.id}`);
      expect(dead.headers['x-file-name']).toBe('broken.json');
      expect(JSON.stringify(dead)).toContain('not json');
      const [status] = await sourcesOf(bus, 'sftp');
      expect(status).toMatchObject({ routeId: 'sftp-basic', state: 'connected', detail: { taken: 20, refused: 1 } });
      expect(status.detail.dir).toBe(`sftp://127.0.0.1:${sshd.port}${inbox}`);
      console.log(`sftp basic: 22 files, ${arrived.length} delivered, 1 refused to .error, 1 left (not included)`);
    } finally {
      await bus.destroy();
    }
  });

  test('a file still being written (growing) is not taken before it stops growing', async () => {
    const inbox = join(dir, 'in-growing');
    mkdirSync(inbox);
    const bus = await startTestBus({ env, routes: { 'sftp.yaml': sftpRoute('sftp-growing', inbox) } });
    try {
      await waitUntil(async () => (await sourcesOf(bus, 'sftp'))[0]?.state === 'connected', 20_000, 'sftp source connected');
      const file = join(inbox, 'big.json');
      const items: number[] = [];
      writeFileSync(file, '{"items":[0');
      items.push(0);
      // Written a little at a time for about 4 s (about 20 polls), as a slow upload would.
      for (let i = 1; i <= 40; i++) {
        await new Promise((r) => setTimeout(r, 100));
        appendFileSync(file, `,${i}`);
        items.push(i);
        expect(forRoute('sftp-growing')).toHaveLength(0);
      }
      appendFileSync(file, ']}');
      const finished = Date.now();
      const size = statSync(file).size;
      await waitUntil(() => forRoute('sftp-growing').length >= 1, 30_000, 'the complete file delivered');
      await new Promise((r) => setTimeout(r, 1_000));
      const arrived = forRoute('sftp-growing');
      expect(arrived).toHaveLength(1);
      expect(arrived[0].json).toEqual({ items });
      expect(arrived[0].receivedAt).toBeGreaterThanOrEqual(finished);
      expect(arrived[0].headers['x-file-size'] ?? String(size)).toBe(String(size));
      console.log(`sftp growing file: 41 writes over ${items.length * 100} ms, ${arrived.length} delivered, complete (${size} bytes)`);
    } finally {
      await bus.destroy();
    }
  });

  test('an unknown host key is refused: nothing is read, and the status says why', async () => {
    const inbox = join(dir, 'in-unknown-key');
    mkdirSync(inbox);
    writeFileSync(join(inbox, 'secret.json'), '{"n":1}');
    const bus = await startTestBus({ env, routes: { 'sftp.yaml': sftpRoute('sftp-unknown-key', inbox, '', sshd.otherHostKey) } });
    try {
      let status: Awaited<ReturnType<typeof sourcesOf>>[number] | undefined;
      await waitUntil(async () => (status = (await sourcesOf(bus, 'sftp'))[0])?.error !== undefined, 20_000, 'the refusal in the status');
      expect(status).toMatchObject({ routeId: 'sftp-unknown-key', state: 'connecting' });
      expect(status!.error).toContain(`host key ${sshd.hostKey} is not the pinned one`);
      expect(status!.error).not.toContain('PRIVATE KEY');
      // The key comes from the environment: the admin API shows the route as written, the placeholder, not the key.
      const routes = JSON.stringify(await getJson(`${bus.adminUrl}/admin/routes`));
      expect(routes).toContain('${SFTP_KEY}');
      expect(routes).not.toContain('PRIVATE KEY');
      await new Promise((r) => setTimeout(r, 1_500));
      expect(forRoute('sftp-unknown-key')).toHaveLength(0);
      expect(visible(inbox)).toEqual(['secret.json']);
      console.log('sftp unknown host key: 1 file, 0 delivered, connection refused');
    } finally {
      await bus.destroy();
    }
  });
  test('a dropped SSH session is opened again, and files keep coming', async () => {
    const inbox = join(dir, 'in-dropped');
    mkdirSync(inbox);
    const relay = await startTcpRelay(sshd.port);
    const bus = await startTestBus({ env: { ...env, SFTP_PORT: String(relay.port) }, routes: { 'sftp.yaml': sftpRoute('sftp-dropped', inbox) } });
    try {
      for (let i = 0; i < 5; i++) writeFileSync(join(inbox, `before-${i}.json`), JSON.stringify({ n: i }));
      await waitUntil(() => forRoute('sftp-dropped').length >= 5, 30_000, 'the first files delivered');
      relay.drop();
      await waitUntil(async () => relay.connections() >= 2 && (await sourcesOf(bus, 'sftp'))[0]?.state === 'connected', 30_000, 'a new session');
      for (let i = 5; i < 10; i++) writeFileSync(join(inbox, `after-${i}.json`), JSON.stringify({ n: i }));
      await waitUntil(() => forRoute('sftp-dropped').length >= 10, 30_000, 'the files written after the drop delivered');
      const ns = new Set(forRoute('sftp-dropped').map((r) => (r.json as { n: number }).n));
      expect(ns.size).toBe(10);
      await waitUntil(() => visible(inbox).length === 0, 10_000, 'every file moved');
      console.log(`sftp dropped session: 10 files, ${forRoute('sftp-dropped').length} delivered, ${relay.connections()} SSH connections`);
    } finally {
      await bus.destroy();
      await relay.close();
    }
  });

  test('a target file appears only complete, on SFTP and on a local folder: a reader polling during the writes never sees a partial file', async () => {
    const local = join(dir, 'to-targets');
    mkdirSync(local);
    const sftpOut = join(dir, 'sftp-out');
    const fileOut = join(dir, 'file-out');
    const files = 8;
    const size = 3 * 1024 * 1024;
    const bus = await startTestBus({
      env: { ...env, LOCAL_IN: local, SFTP_OUT: sftpOut, FILE_OUT: fileOut },
      routes: {
        'out.yaml': `
routes:
  - id: to-targets
    mode: async
    from: { file: { dir: "\${LOCAL_IN}", include: ['*.bin'], ready: rename, pollMs: 100 } }
    to:
      - id: sftp
        sftp:
          host: 127.0.0.1
          port: \${SFTP_PORT}
          username: \${SFTP_USER}
          privateKey: \${SFTP_KEY}
          hostKey: \${SFTP_HOST_KEY}
          dir: \${SFTP_OUT}
          name: "$headers.'x-file-name'"
          exists: overwrite
      - id: local
        file: { dir: "\${FILE_OUT}", name: "$headers.'x-file-name'", exists: fail }
`,
      },
    });
    const watches = [watchForPartialFiles(sftpOut, size), watchForPartialFiles(fileOut, size)];
    try {
      for (let i = 0; i < files; i++) writeFileSync(join(local, `part-${i}.bin`), Buffer.alloc(size, 65 + i));
      await waitUntil(() => visible(sftpOut).length === files && visible(fileOut).length === files, 120_000, `${files} files in each target folder`);
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      const [onSftp, onFile] = watches.map((w) => w.stop());
      await bus.destroy();
      console.log(
        `sftp target: ${files} files of ${size} bytes, ${onSftp.seen} seen over ${onSftp.looks} looks, ${onSftp.partial.length} partial, ${onSftp.tempLooks} looks saw a temporary file; ` +
          `file target: ${onFile.seen} seen over ${onFile.looks} looks, ${onFile.partial.length} partial, ${onFile.tempLooks} looks saw a temporary file`,
      );
      for (const result of [onSftp, onFile]) {
        expect(result.partial).toEqual([]);
        expect(result.seen).toBe(files);
      }
      expect(onSftp.tempLooks).toBeGreaterThan(0);
    }
    expect(readdirSync(sftpOut).filter((n) => n.startsWith('.'))).toEqual([]);
  }, 180_000);
});
