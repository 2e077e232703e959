/**
 * The file connector's harnesses for the contract suites, on fresh temp folders and a fresh SQLite store for the
 * claims. A file counts as acknowledged once it left the polled folder (moved to the done or the error folder).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, renameSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@junction/core';
import { createStore, type Store } from '@junction/store';
import type { EgressHarness } from '../testing/egress-contract';
import type { IngressHarness } from '../testing/ingress-contract';
import { FileSourceSchema, FileTargetSchema } from './file.config';
import { FileEgress } from './file.egress';
import { FileIngress } from './file.ingress';

const filesIn = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => !n.endsWith('.reason.txt')) : []);

export const fileHarness: IngressHarness = {
  kind: 'file',
  settleMs: 15_000,
  outage: 'held',
  async source(mode) {
    const dir = mkdtempSync(join(tmpdir(), 'junction-file-contract-'));
    const inbox = join(dir, 'in');
    mkdirSync(inbox);
    const store: Store = createStore({ url: `sqlite:${join(dir, 'junction.db')}`, instanceId: 'contract' });
    await store.init();
    let n = 0;
    return {
      ingress: new FileIngress(silentLogger, store.leases),
      binding: { routeId: `file-contract-${mode}`, mode, config: FileSourceSchema.parse({ dir: inbox, ready: 'rename', pollMs: 100, claimMs: 5_000 }), baseDir: dir },
      async send(body) {
        // Written under a temporary name and renamed, as the rename convention wants.
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

export const fileEgressHarness: EgressHarness = {
  kind: 'file',
  async destination() {
    const dir = mkdtempSync(join(tmpdir(), 'junction-file-contract-out-'));
    return {
      egress: new FileEgress(),
      config: FileTargetSchema.parse({ dir, name: "$messageId & '.json'" }),
      arrived: async () =>
        readdirSync(dir)
          .filter((n) => !n.startsWith('.'))
          .map((n) => ({ body: readFileSync(join(dir, n), 'utf8'), messageId: n.replace(/\.json$/, '') })),
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
  async unreachable() {
    // A folder under a regular file can never be made: the kind of failure a full or unmounted disk gives.
    const dir = mkdtempSync(join(tmpdir(), 'junction-file-contract-nowhere-'));
    writeFileSync(join(dir, 'plain'), '');
    return { egress: new FileEgress(), config: FileTargetSchema.parse({ dir: join(dir, 'plain', 'out') }) };
  },
};
