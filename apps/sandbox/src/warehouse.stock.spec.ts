import { readPickRequest, routingKeyOf, WarehouseStock, type PickRequest } from './warehouse.stock';

const at = new Date('2025-03-01T10:00:00.000Z');
const request = (orderId: string, lines: PickRequest['lines'], country = 'DE'): PickRequest => ({ orderId, country, lines });

describe('readPickRequest', () => {
  it('reads the pick request the sample route publishes, keeping priority and ignoring other fields', () => {
    const body = { orderId: 'W-1', country: 'FR', priority: 'high', shipTo: { city: 'Lyon' }, lines: [{ sku: 'SKU-DESK-01', qty: 2 }] };
    expect(readPickRequest(JSON.stringify(body))).toEqual({
      ok: true,
      request: { orderId: 'W-1', country: 'FR', priority: 'high', lines: [{ sku: 'SKU-DESK-01', qty: 2 }] },
    });
  });

  it.each([
    ['not JSON', '{"orderId":', /^not JSON/],
    ['an array', '[]', /not a JSON object/],
    ['no orderId', '{"country":"DE","lines":[{"sku":"A","qty":1}]}', /no orderId/],
    ['a lower-case country', '{"orderId":"W-1","country":"de","lines":[{"sku":"A","qty":1}]}', /W-1: country must be two capital letters/],
    ['no lines', '{"orderId":"W-1","country":"DE","lines":[]}', /W-1: no lines/],
    ['a fractional qty', '{"orderId":"W-1","country":"DE","lines":[{"sku":"A","qty":1.5}]}', /whole qty/],
    ['a line without sku', '{"orderId":"W-1","country":"DE","lines":[{"qty":1}]}', /needs a sku/],
  ])('refuses %s with a reason', (_name, content, reason) => {
    const reading = readPickRequest(content);
    expect(reading.ok).toBe(false);
    expect(!reading.ok && reading.reason).toMatch(reason);
  });
});

describe('WarehouseStock', () => {
  it('dispatches a request its stock covers, with the carrier of the country, and takes the units off', () => {
    const stock = new WarehouseStock(5, () => at);
    const event = stock.pick(request('W-1', [{ sku: 'SKU-DESK-01', qty: 2 }, { sku: 'SKU-LAMP-02', qty: 1 }], 'FR'));
    expect(event).toEqual({
      event: 'ShipmentDispatched',
      orderId: 'W-1',
      shipmentId: 'SHP-000001',
      country: 'FR',
      carrier: 'Colissimo',
      trackingNo: 'CO0000000001',
      lines: [{ sku: 'SKU-DESK-01', qty: 2 }, { sku: 'SKU-LAMP-02', qty: 1 }],
      at: '2025-03-01T10:00:00.000Z',
    });
    expect(stock.level('SKU-DESK-01')).toBe(3);
    expect(stock.level('SKU-LAMP-02')).toBe(4);
    expect(routingKeyOf(event)).toBe('shipment.dispatched.fr');
  });

  it('ships to a country without a carrier of its own with UPS', () => {
    const event = new WarehouseStock().pick(request('W-1', [{ sku: 'SKU-KB-ERGO', qty: 1 }], 'IT'));
    expect(event).toMatchObject({ carrier: 'UPS', trackingNo: expect.stringMatching(/^1Z\d{10}$/) });
  });

  it('picks nothing when a line is short, says what is missing, and restocks that SKU', () => {
    const stock = new WarehouseStock(3, () => at);
    stock.pick(request('W-1', [{ sku: 'SKU-MON-27', qty: 2 }]));
    const short = stock.pick(request('W-2', [{ sku: 'SKU-MON-27', qty: 2 }, { sku: 'SKU-DOCK-USB', qty: 1 }], 'NL'));
    expect(short).toEqual({
      event: 'StockShort',
      orderId: 'W-2',
      country: 'NL',
      missing: [{ sku: 'SKU-MON-27', requested: 2, onHand: 1 }],
      at: '2025-03-01T10:00:00.000Z',
    });
    expect(routingKeyOf(short)).toBe('stock.short.nl');
    // Nothing of the order was picked; the short SKU was restocked, so the next request ships.
    expect(stock.level('SKU-DOCK-USB')).toBe(3);
    expect(stock.level('SKU-MON-27')).toBe(3);
    expect(stock.pick(request('W-3', [{ sku: 'SKU-MON-27', qty: 2 }])).event).toBe('ShipmentDispatched');
  });

  it('adds up lines of one SKU before deciding', () => {
    const stock = new WarehouseStock(3);
    const event = stock.pick(request('W-1', [{ sku: 'SKU-CHAIR-01', qty: 2 }, { sku: 'SKU-CHAIR-01', qty: 2 }]));
    expect(event).toMatchObject({ event: 'StockShort', missing: [{ sku: 'SKU-CHAIR-01', requested: 4, onHand: 3 }] });
  });

  it('never has a SKU it does not carry, and does not restock it', () => {
    const stock = new WarehouseStock(3);
    expect(stock.pick(request('W-1', [{ sku: 'SKU-NOPE', qty: 1 }]))).toMatchObject({ event: 'StockShort', missing: [{ sku: 'SKU-NOPE', onHand: 0 }] });
    expect(stock.level('SKU-NOPE')).toBe(0);
  });

  it('answers a repeated request for a dispatched order with the same event and picks nothing again', () => {
    const stock = new WarehouseStock(5);
    const first = stock.pick(request('W-1', [{ sku: 'SKU-DESK-01', qty: 2 }]));
    const again = stock.pick(request('W-1', [{ sku: 'SKU-DESK-01', qty: 2 }]));
    expect(again).toEqual(first);
    expect(stock.level('SKU-DESK-01')).toBe(3);
  });
});
