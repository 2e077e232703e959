import { statSync, writeFileSync, mkdirSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger, type Ack, type Incoming, type MessageSink } from '@junction/core';
import { createStore, type Store } from '@junction/store';
import { tempDir, waitUntil, type TempDir } from '@junction/testing';
import { FileSourceSchema } from '../../file/file.config';
import { FolderPoller, type FolderCounts, type Unmoved } from './folder-poller';
import { LocalFolder } from './local-folder';

/** A poller on a real local folder and a real SQLite store, handing messages to a recording sink. */
describe('FolderPoller on a local folder and a SQLite store', () => {
  let dir: TempDir;
  let store: Store;
  let inbox: string;
  const seen: Incoming[] = [];
  const sink: MessageSink = {
    async dispatch(_routeId: string, incoming: Incoming): Promise<Ack> {
      seen.push(incoming);
      return { kind: 'accepted', messageId: `m${seen.length}` };
    },
  };

  beforeEach(async () => {
    dir = await tempDir('junction-folder-poller');
    store = createStore({ url: `sqlite:${join(dir.path, 'junction.db')}`, instanceId: 'poller-spec' });
    await store.init();
    inbox = join(dir.path, 'in');
    mkdirSync(inbox);
    seen.length = 0;
  });
  afterEach(async () => {
    await store.close();
    await dir.cleanup();
  });

  function poller(source: Record<string, unknown>): FolderPoller {
    const counts: FolderCounts = { taken: 0, refused: 0, claimedElsewhere: 0, changed: 0, failed: 0 };
    return new FolderPoller({
      routeId: 'r1',
      kind: 'file',
      shown: 'file://',
      config: FileSourceSchema.parse({ dir: inbox, ready: 'rename', pollMs: 50, ...source }),
      folder: new LocalFolder(),
      leases: store.leases,
      sink,
      log: silentLogger,
      closing: () => false,
      lost: () => undefined,
      unmoved: new Map<string, Unmoved>(),
      counts,
    });
  }

  it('resumes a split file after the records counted off before a crash', async () => {
    const file = join(inbox, 'stock.csv');
    writeFileSync(file, 'sku,qty\nA,1\nB,2\nC,3\nD,4\n');
    const s = statSync(file);
    // What an earlier run left: two records taken, then a kill before the file moved.
    await store.leases.claimTick(`filerec:r1:${file}:${s.size}:${Math.trunc(s.mtimeMs)}`, 1, 60_000);
    await store.leases.claimTick(`filerec:r1:${file}:${s.size}:${Math.trunc(s.mtimeMs)}`, 2, 60_000);
    const p = poller({ format: { csv: { header: true } }, split: 'records' });
    p.start();
    try {
      await waitUntil(() => existsSync(join(inbox, '.done', 'stock.csv')), 10_000, 'the file moved');
    } finally {
      await p.stop(5_000);
    }
    expect(seen.map((i) => JSON.parse(i.body.toString()))).toEqual([
      { sku: 'C', qty: '3' },
      { sku: 'D', qty: '4' },
    ]);
    expect(seen.map((i) => i.headers['x-file-record'])).toEqual(['3', '4']);
  });

  it('leaves a file another instance holds the claim of, and takes it once the claim ran out', async () => {
    const file = join(inbox, 'a.json');
    writeFileSync(file, '{"n":1}');
    const s = statSync(file);
    const other = createStore({ url: `sqlite:${join(dir.path, 'junction.db')}`, instanceId: 'other-instance' });
    await other.init();
    try {
      expect(await other.leases.tryLease(`file:r1:${file}:${s.size}:${Math.trunc(s.mtimeMs)}`, 1_500)).toBe(true);
      const p = poller({ claimMs: 1_000 });
      p.start();
      try {
        await new Promise((r) => setTimeout(r, 500));
        expect(seen).toHaveLength(0);
        await waitUntil(() => seen.length === 1 && readdirSync(inbox).every((n) => n.startsWith('.')), 10_000, 'taken after the claim ran out');
      } finally {
        await p.stop(5_000);
      }
    } finally {
      await other.close();
    }
  });
});
