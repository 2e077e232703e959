import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from './create-store';
import { buildDataSource } from './data-source';
import { storeEntities } from './entities';
import { newMessage, useStore } from './testing/store-fixtures';
import { describeClaims } from './testing/store-claims.contract';
import { describeJournal } from './testing/store-journal.contract';
import { describeLeases } from './testing/store-leases.contract';
import { describeLifecycle } from './testing/store-lifecycle.contract';

describe('SqlStore on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'junction-store-'));
  const file = join(dir, 'nested', 'data', 'junction.db');
  const h = useStore(`sqlite:${file}`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describeLifecycle(h);
  describeJournal(h);
  describeLeases(h);
  describeClaims(h);

  describe('SQLite specifics', () => {
    it('creates the folder of the file and runs in WAL mode, synchronous=NORMAL', async () => {
      expect(h.store.driver).toBe('sqlite');
      expect(existsSync(file)).toBe(true);
      const dataSource = buildDataSource({ driver: 'sqlite', path: file }, storeEntities('sqlite'), { warn: () => undefined });
      await dataSource.initialize();
      try {
        expect(await dataSource.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
        expect(await dataSource.query('PRAGMA synchronous')).toEqual([{ synchronous: 1 }]);
      } finally {
        await dataSource.destroy();
      }
    });

    it('works in memory', async () => {
      const store = createStore({ url: 'sqlite::memory:' });
      await store.init();
      try {
        const m = newMessage();
        await store.acceptMessage(m);
        expect((await store.claimMessages(10, 1000)).map((x) => x.id)).toEqual([m.id]);
        expect((await store.stats()).messages.received).toBe(1);
      } finally {
        await store.close();
      }
    });
  });
});
