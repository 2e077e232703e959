/**
 * The SFTP connector's harnesses for the contract suites, on one real OpenSSH server started on first use (sshd.ts;
 * the child-process safety net stops it with the test process), a fresh folder and a fresh SQLite store per source.
 * A file counts as acknowledged once it left the polled folder (moved to the done or the error folder).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@junction/core';
import { createStore } from '@junction/store';
import { freePort } from '@junction/testing';
import { SftpSourceSchema, SftpTargetSchema } from '../../libs/connectors/src/sftp/sftp.config';
import { SftpEgress } from '../../libs/connectors/src/sftp/sftp.egress';
import { SftpIngress } from '../../libs/connectors/src/sftp/sftp.ingress';
import type { EgressHarness } from '../../libs/connectors/src/testing/egress-contract';
import type { IngressHarness } from '../../libs/connectors/src/testing/ingress-contract';
import { startSshd, type TestSshd } from './sshd';

let server: Promise<{ sshd: TestSshd; dir: string }> | undefined;
function sshd(): Promise<{ sshd: TestSshd; dir: string }> {
  server ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'junction-sftp-contract-'));
    return { sshd: await startSshd(dir), dir };
  })();
  return server;
}

/** Stops the server the harnesses started, if they started one (the contract spec's afterAll). */
export async function stopSftpContractServer(): Promise<void> {
  const started = server;
  server = undefined;
  if (!started) return;
  const { sshd: s, dir } = await started;
  await s.stop();
  rmSync(dir, { recursive: true, force: true });
}

const filesIn = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => !n.endsWith('.reason.txt')) : []);
const connection = (s: TestSshd) => ({ host: s.host, port: s.port, username: s.username, privateKey: s.privateKey, hostKey: s.hostKey });

export const sftpHarness: IngressHarness = {
  kind: 'sftp',
  settleMs: 15_000,
  outage: 'held',
  async source(mode) {
    const { sshd: s, dir: root } = await sshd();
    const dir = mkdtempSync(join(root, 'source-'));
    const inbox = join(dir, 'in');
    mkdirSync(inbox);
    const store = createStore({ url: `sqlite:${join(dir, 'junction.db')}`, instanceId: 'sftp-contract' });
    await store.init();
    let n = 0;
    return {
      ingress: new SftpIngress(silentLogger, store.leases),
      binding: {
        routeId: `sftp-contract-${mode}`,
        mode,
        config: SftpSourceSchema.parse({ ...connection(s), dir: inbox, ready: 'rename', pollMs: 100, claimMs: 5_000 }),
        baseDir: dir,
      },
      async send(body) {
        const name = `m${String(++n).padStart(4, '0')}.json`;
        writeFileSync(join(inbox, `${name}.tmp`), body);
        renameSync(join(inbox, `${name}.tmp`), join(inbox, name));
      },
      acknowledged: async () => filesIn(join(inbox, '.done')).length + filesIn(join(inbox, '.error')).length,
      async dispose() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

export const sftpEgressHarness: EgressHarness = {
  kind: 'sftp',
  async destination() {
    const { sshd: s, dir: root } = await sshd();
    const dir = mkdtempSync(join(root, 'destination-'));
    return {
      egress: new SftpEgress(),
      config: SftpTargetSchema.parse({ ...connection(s), dir, name: "$messageId & '.json'" }),
      arrived: async () =>
        readdirSync(dir)
          .filter((n) => !n.startsWith('.'))
          .map((n) => ({ body: readFileSync(join(dir, n), 'utf8'), messageId: n.replace(/\.json$/, '') })),
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
  async unreachable() {
    const { sshd: s } = await sshd();
    const config = SftpTargetSchema.parse({ ...connection(s), port: await freePort(), dir: '/nowhere', connectTimeoutMs: 3_000 });
    return { egress: new SftpEgress(), config };
  },
};
