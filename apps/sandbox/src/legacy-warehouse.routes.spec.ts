import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FlatFormatSchema } from '@junction/config';
import { compileExpression, parseFlat, writeFlat } from '@junction/transform';
import { parse } from 'yaml';
import { LegacyWarehouseFiles } from './legacy-warehouse.files';
import { LEGACY_ORDER_FORMAT, LEGACY_STOCK_FORMAT } from './legacy-warehouse.formats';

/**
 * The demo's legacy-warehouse routes (routes/legacy-warehouse.yaml) agree with the simulated warehouse: the formats
 * they read and write are the warehouse's, and their maps turn its records into what the CRM and the warehouse take.
 */
interface WarehouseRoute {
  id: string;
  from: { file?: { format: unknown } };
  steps: { map?: string }[];
  to: { file?: { format: unknown } }[];
}

const routes = (parse(readFileSync(join(__dirname, '../../../routes/legacy-warehouse.yaml'), 'utf8')) as { routes: WarehouseRoute[] }).routes;
const route = (id: string) => routes.find((r) => r.id === id)!;
const mapOf = (r: WarehouseRoute) => compileExpression(r.steps.find((s) => s.map !== undefined)!.map!);

describe('legacy-warehouse routes', () => {
  it('read and write the formats the warehouse writes and reads', () => {
    expect(FlatFormatSchema.parse(route('legacy-warehouse-stock').from.file!.format)).toEqual(FlatFormatSchema.parse(LEGACY_STOCK_FORMAT));
    expect(FlatFormatSchema.parse(route('legacy-warehouse-orders').to[0].file!.format)).toEqual(FlatFormatSchema.parse(LEGACY_ORDER_FORMAT));
  });

  it('turn a record of the warehouse export into a stock level the CRM takes', async () => {
    const warehouse = new LegacyWarehouseFiles({ dir: '/nonexistent', now: () => new Date('2026-12-07T09:30:00Z'), random: () => 0.5 });
    const [record] = parseFlat(writeFlat(warehouse.levels(), LEGACY_STOCK_FORMAT), LEGACY_STOCK_FORMAT);
    const level = (await mapOf(route('legacy-warehouse-stock')).evaluate(record)) as Record<string, unknown>;
    expect(level).toEqual({
      sku: 'SKU-CHAIR-01',
      description: 'Chaise de bureau ergonomique',
      onHand: record.onHand,
      available: (record.onHand as number) - (record.reserved as number),
      location: 'A01-A',
      countedAt: '2026-12-07T09:30:00',
      warehouse: 'LEGACY-LYON',
    });
    expect(Number.isInteger(level.onHand)).toBe(true);
  });

  it('turn a web order into the lines of an order file, one order of one line included', async () => {
    const map = mapOf(route('legacy-warehouse-orders'));
    const order = {
      orderId: 'W-1042',
      customerId: 'C-1003',
      createdAt: '2026-12-07T09:31:12.000Z',
      currency: 'EUR',
      total: 1468,
      shipTo: { country: 'FR', city: 'Lyon' },
      items: [
        { sku: 'SKU-DESK-01', name: 'Standing desk', qty: 2, unitPrice: 649 },
        { sku: 'SKU-KB-ERGO', name: 'Ergonomic keyboard', qty: 1, unitPrice: 89.5 },
      ],
    };
    const lines = JSON.parse(JSON.stringify(await map.evaluate(order)));
    expect(writeFlat(lines, LEGACY_ORDER_FORMAT).toString('latin1')).toBe(
      'W-1042      001SKU-DESK-01    00002000064900C-1003                        FR20261207\r\n' +
        'W-1042      002SKU-KB-ERGO    00001000008950C-1003                        FR20261207\r\n',
    );
    const one = JSON.parse(JSON.stringify(await map.evaluate({ ...order, items: [order.items[0]] })));
    expect(Array.isArray(one) && one.length === 1).toBe(true);
    const name = compileExpression('"ORD-" & $[0].orderId & ".txt"');
    expect(await name.evaluate(one)).toBe('ORD-W-1042.txt');
  });
});
