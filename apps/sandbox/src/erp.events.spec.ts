import { ErpBackend } from './erp.backend';
import type { ErpOrderEvent } from './erp.events';
import { createErpSoapServices, ERP_WSDL_NAMES } from './erp-soap.operations';
import { createErpSystem } from './erp.system';
import type { SandboxRequest } from './sandbox.http';

const AT = '2025-03-01T10:00:00.000Z';

/** The ERP's books with a sink that keeps what it is given, in order. */
function books(): { backend: ErpBackend; events: ErpOrderEvent[] } {
  const events: ErpOrderEvent[] = [];
  return { backend: new ErpBackend(() => new Date(AT), { publish: (event) => events.push(event) }), events };
}

const xmlOrder = (body: string): SandboxRequest => ({
  method: 'POST',
  path: '/erp/orders',
  query: new URLSearchParams(),
  headers: { 'content-type': 'application/xml' },
  body,
});

type Method = (args: unknown) => unknown;

/** The methods node-soap would call on the SOAP 1.1 port. */
function soapPort(backend: ErpBackend): Record<'SubmitOrder' | 'NotifyShipment', Method> {
  const services = createErpSoapServices('1.1', backend) as Record<string, Record<string, Record<string, Method>>>;
  const port = services[ERP_WSDL_NAMES.service]?.[ERP_WSDL_NAMES.soap11Port];
  if (!port?.SubmitOrder || !port.NotifyShipment) throw new Error('no SubmitOrder / NotifyShipment on the SOAP 1.1 port');
  return { SubmitOrder: port.SubmitOrder, NotifyShipment: port.NotifyShipment };
}

describe('ERP order events', () => {
  it("a first booking is one OrderAccepted with the order's customer, total and currency", () => {
    const { backend, events } = books();
    const erpRef = backend.bookOrder({ orderId: 'W-1', customerId: 'C-1001', total: '1298.00', currency: 'EUR' });
    expect(events).toEqual([
      { event: 'OrderAccepted', orderId: 'W-1', erpRef, customerId: 'C-1001', total: 1298, currency: 'EUR', at: AT },
    ]);
  });

  it('a resubmitted order keeps its ErpRef and is no second event', () => {
    const { backend, events } = books();
    const first = backend.bookOrder({ orderId: 'W-2', customerId: 'C-1001' });
    expect(backend.bookOrder({ orderId: 'W-2', customerId: 'C-1001' })).toBe(first);
    expect(events.map((e) => e.orderId)).toEqual(['W-2']);
  });

  it('fields the order did not carry, or that are no number, are null', () => {
    const { backend, events } = books();
    backend.bookOrder({ orderId: 'W-3' });
    backend.bookOrder({ orderId: 'W-4', customerId: ' ', total: 'twelve', currency: '' });
    const nulls = { customerId: null, total: null, currency: null };
    expect(events).toEqual([expect.objectContaining({ orderId: 'W-3', ...nulls }), expect.objectContaining({ orderId: 'W-4', ...nulls })]);
  });

  it('a shipment notice is one OrderShipped each time', () => {
    const { backend, events } = books();
    backend.recordShipment({ orderId: 'W-5', trackingNo: 'TRK-1', carrier: 'DHL' });
    backend.recordShipment({ orderId: 'W-5', trackingNo: 'TRK-2' });
    expect(events).toEqual([
      { event: 'OrderShipped', orderId: 'W-5', trackingNo: 'TRK-1', carrier: 'DHL', at: AT },
      { event: 'OrderShipped', orderId: 'W-5', trackingNo: 'TRK-2', carrier: null, at: AT },
    ]);
  });

  it('POST /erp/orders (XML) publishes what its <Order> says; a refused document publishes nothing', () => {
    const { backend, events } = books();
    const erp = createErpSystem(backend);
    const reply = erp.handle(
      xmlOrder('<Order><OrderId>X-1</OrderId><CustomerId>C-1002</CustomerId><Currency>EUR</Currency><Total>42.50</Total></Order>'),
    );
    expect(reply.status).toBe(200);
    const erpRef = /<ErpRef>(ERP-\d{6})<\/ErpRef>/.exec(reply.body)?.[1];
    expect(events).toEqual([
      { event: 'OrderAccepted', orderId: 'X-1', erpRef, customerId: 'C-1002', total: 42.5, currency: 'EUR', at: AT },
    ]);
    expect(erp.handle(xmlOrder('<Order><CustomerId>C-1</CustomerId></Order>')).status).toBe(400);
    expect(events).toHaveLength(1);
  });

  it('SOAP SubmitOrder publishes OrderAccepted, NotifyShipment OrderShipped; a Fault publishes nothing', () => {
    const { backend, events } = books();
    const port = soapPort(backend);
    const ack = port.SubmitOrder({
      OrderId: 'S-1',
      CustomerId: 'C-1003',
      Currency: 'EUR',
      Total: '649.00',
      Lines: { Line: [{ Sku: 'SKU-DESK-01', Qty: 1 }] },
    }) as { ErpRef: string };
    expect(() => port.SubmitOrder({ OrderId: 'S-2', CustomerId: 'C-1003' })).toThrow();
    expect(port.NotifyShipment({ OrderId: 'S-1', Carrier: 'UPS', TrackingNo: '1Z999' })).toBeUndefined();
    expect(events).toEqual([
      { event: 'OrderAccepted', orderId: 'S-1', erpRef: ack.ErpRef, customerId: 'C-1003', total: 649, currency: 'EUR', at: AT },
      { event: 'OrderShipped', orderId: 'S-1', trackingNo: '1Z999', carrier: 'UPS', at: AT },
    ]);
  });

  it('the ERP without a sink books and answers as before', () => {
    const backend = new ErpBackend(() => new Date(AT));
    expect(backend.bookOrder({ orderId: 'W-6' })).toMatch(/^ERP-\d{6}$/);
    expect(() => backend.recordShipment({ orderId: 'W-6', trackingNo: 'T' })).not.toThrow();
  });
});
