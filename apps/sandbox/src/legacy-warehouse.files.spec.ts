import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFlat, writeFlat } from '@junction/transform';
import { LegacyWarehouseFiles, legacyWarehouseSummaryLine } from './legacy-warehouse.files';
import { LEGACY_ORDER_FORMAT, LEGACY_SKUS, LEGACY_STOCK_FORMAT } from './legacy-warehouse.formats';

/** A seeded generator, so that each run writes the same levels. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe('LegacyWarehouseFiles', () => {
  let dir: string;
  const at = new Date('2026-12-07T09:30:00.000Z');
  const warehouse = (maxPending = 20) => new LegacyWarehouseFiles({ dir, maxPending, random: seeded(7), now: () => at });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'legacy-warehouse-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('exports its stock levels as a Latin-1 CSV under a final name, leaving no temporary file', async () => {
    const w = warehouse();
    await w.tick();
    const files = readdirSync(join(dir, 'stock'));
    expect(files).toEqual(['stock-20261207T093000-00001.csv']);
    const bytes = readFileSync(join(dir, 'stock', files[0]));
    // Latin-1: é is the one byte 0xE9, never UTF-8's 0xC3 0xA9; lines end in CRLF; the header row comes first.
    expect(bytes.includes(Buffer.from([0xe9]))).toBe(true);
    expect(bytes.includes(Buffer.from([0xc3, 0xa9]))).toBe(false);
    expect(bytes.toString('latin1').split('\r\n')[0]).toBe('sku;description;onHand;reserved;location;countedAt');
    const records = parseFlat(bytes, LEGACY_STOCK_FORMAT);
    expect(records.map((r) => r.sku)).toEqual(LEGACY_SKUS);
    expect(records).toContainEqual(
      expect.objectContaining({ sku: 'SKU-LAMP-02', description: 'Lampe de bureau à LED; pince', countedAt: '2026-12-07T09:30:00' }),
    );
    expect(records).toContainEqual(expect.objectContaining({ sku: 'SKU-MON-27', description: 'Écran 27" (dalle IPS)' }));
    for (const r of records) {
      expect(Number.isInteger(r.onHand) && (r.onHand as number) >= 0).toBe(true);
      expect((r.reserved as number) <= (r.onHand as number)).toBe(true);
    }
    expect(w.counts()).toMatchObject({ stockFiles: 1, stockSkipped: 0 });
  });

  it('stops exporting while maxPending exports lie unread, and goes on once they are collected', async () => {
    const w = warehouse(2);
    for (let i = 0; i < 5; i++) await w.tick();
    expect(readdirSync(join(dir, 'stock'))).toHaveLength(2);
    expect(w.counts()).toMatchObject({ stockFiles: 2, stockSkipped: 3 });
    for (const f of readdirSync(join(dir, 'stock'))) rmSync(join(dir, 'stock', f));
    await w.tick();
    expect(w.counts()).toMatchObject({ stockFiles: 3 });
  });

  it('reads fixed-width order files into done/, counting orders and lines', async () => {
    const w = warehouse();
    await w.tick();
    const lines = [
      { orderId: 'W-1001', line: 1, sku: 'SKU-DESK-01', qty: 1, unitPrice: 649, customer: 'C-1001', country: 'FR', orderDate: '2026-12-07' },
      { orderId: 'W-1001', line: 2, sku: 'SKU-LAMP-02', qty: 3, unitPrice: 39.9, customer: 'C-1001', country: 'FR', orderDate: '2026-12-07' },
    ];
    const bytes = writeFlat(lines, LEGACY_ORDER_FORMAT);
    expect(bytes.toString('latin1')).toBe(
      'W-1001      001SKU-DESK-01    00001000064900C-1001                        FR20261207\r\n' +
        'W-1001      002SKU-LAMP-02    00003000003990C-1001                        FR20261207\r\n',
    );
    writeFileSync(join(dir, 'orders', 'ORD-W-1001.txt'), bytes);
    writeFileSync(join(dir, 'orders', 'ORD-W-1002.txt.tmp'), 'half a file');
    writeFileSync(join(dir, 'orders', 'ORD-W-1003.txt'), writeFlat([{ ...lines[0], orderId: 'W-1003' }], LEGACY_ORDER_FORMAT));
    await w.tick();
    expect(readdirSync(join(dir, 'orders', 'done')).sort()).toEqual(['ORD-W-1001.txt', 'ORD-W-1003.txt']);
    expect(existsSync(join(dir, 'orders', 'ORD-W-1002.txt.tmp'))).toBe(true);
    expect(w.counts()).toMatchObject({ orderFiles: 2, orders: 2, orderLines: 3, rejectedFiles: 0 });
  });

  it('moves a malformed order file to error/ with its line numbers beside it', async () => {
    const w = warehouse();
    await w.tick();
    const good = writeFlat(
      [{ orderId: 'W-1', line: 1, sku: 'SKU-KB-ERGO', qty: 1, unitPrice: 89.5, customer: 'C-1002', country: 'DE', orderDate: '2026-12-07' }],
      LEGACY_ORDER_FORMAT,
    ).toString('latin1');
    writeFileSync(join(dir, 'orders', 'ORD-bad.txt'), Buffer.from(good + 'W-2 short line\r\n' + good.replace('00001', '0000x'), 'latin1'));
    await w.tick();
    expect(readdirSync(join(dir, 'orders', 'error')).sort()).toEqual(['ORD-bad.txt', 'ORD-bad.txt.problems.txt']);
    expect(readFileSync(join(dir, 'orders', 'error', 'ORD-bad.txt.problems.txt'), 'utf8')).toBe(
      'line 2: 14 characters, a record has 84\nline 3: qty (columns 31-35): "0000x" is not an integer\n',
    );
    expect(w.counts()).toMatchObject({ orderFiles: 0, rejectedFiles: 1 });
    await w.tick();
    expect(w.counts()).toMatchObject({ orderFiles: 0, rejectedFiles: 1 });
  });

  it('exports on a timer once started, and stops', async () => {
    const w = new LegacyWarehouseFiles({ dir, everyMs: 20 });
    await w.start();
    const deadline = Date.now() + 20_000;
    while (w.counts().stockFiles < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await w.stop();
    const written = w.counts().stockFiles;
    expect(written).toBeGreaterThanOrEqual(3);
    await new Promise((r) => setTimeout(r, 100));
    expect(w.counts().stockFiles).toBe(written);
  });

  it('sums itself up in one line for the demo', () => {
    const counts = { stockFiles: 12, stockSkipped: 0, orderFiles: 3, orders: 3, orderLines: 7, rejectedFiles: 1 };
    expect(legacyWarehouseSummaryLine(counts, 84)).toBe(
      'legacy warehouse (files): stock CSVs written 12 | CRM stock levels: 84 | order files read 3 (3 orders, 7 lines, 1 refused)',
    );
    expect(legacyWarehouseSummaryLine({ ...counts, stockSkipped: 2, rejectedFiles: 0 }, 0)).toContain('12 (2 skipped: earlier files not collected)');
  });
});
