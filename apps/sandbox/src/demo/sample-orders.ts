import { CRM_CUSTOMERS } from '../crm.system';
import { escapeXml } from '../sandbox.http';
import { CATALOG, type Product } from '../sandbox.catalog';

/** A seeded random source (mulberry32), so that a demo run can be repeated order for order. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One line of a web order. */
export interface WebOrderItem {
  readonly sku: string;
  readonly name: string;
  readonly qty: number;
  readonly unitPrice: number;
}

/** The JSON a web shop posts to the bus's `POST /orders`. */
export interface WebOrder {
  readonly orderId: string;
  readonly customerId?: string;
  readonly createdAt: string;
  readonly currency: 'EUR';
  readonly items: readonly WebOrderItem[];
  readonly total: number;
  readonly shipTo: { readonly name: string; readonly city: string; readonly country: string };
}

/** A request the demo sends to the bus, with what it shows on the console. */
export interface SampleRequest {
  readonly kind: 'web' | 'legacy';
  readonly path: '/orders' | '/orders/accepted' | '/legacy-warehouse/orders' | '/legacy/orders';
  readonly headers: Record<string, string>;
  readonly body: string;
  /** A short description for the console line. */
  readonly summary: string;
  /** Set when the request is wrong on purpose, so that the rejection it gets is expected. */
  readonly invalidOnPurpose?: string;
}

const CITIES = [
  ['Berlin', 'DE'],
  ['Lyon', 'FR'],
  ['Manchester', 'GB'],
  ['Utrecht', 'NL'],
  ['Porto', 'PT'],
] as const;

/** Every nth web order is invalid on purpose (no customerId) so that validation shows up in the demo. */
const INVALID_EVERY = 15;

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)];
const round = (n: number): number => Math.round(n * 100) / 100;

function items(random: () => number, max: number): WebOrderItem[] {
  const count = 1 + Math.floor(random() * max);
  const chosen = new Map<string, WebOrderItem>();
  for (let i = 0; i < count; i++) {
    // Big-ticket items are rare, so that most orders stay under the ERP threshold of 1000.
    const product: Product = random() < 0.08 ? CATALOG.find((p) => p.sku === 'SKU-SRV-R1')! : pick(random, CATALOG.slice(0, -1));
    const qty = 1 + Math.floor(random() * 2);
    chosen.set(product.sku, { sku: product.sku, name: product.name, qty, unitPrice: product.unitPrice });
  }
  return [...chosen.values()];
}

/** The nth web order (n from 1): varying customers, items, totals and priority (header `x-priority`). */
export function webOrder(n: number, random: () => number, now: Date = new Date()): SampleRequest {
  const customer = pick(random, CRM_CUSTOMERS);
  const [city, country] = pick(random, CITIES);
  const lines = items(random, 4);
  const total = round(lines.reduce((sum, l) => sum + l.qty * l.unitPrice, 0));
  const priority = random() < 0.2 ? 'high' : 'normal';
  const invalid = n % INVALID_EVERY === 0;
  const order: WebOrder = {
    orderId: `W-${100000 + n}`,
    ...(invalid ? {} : { customerId: customer.id }),
    createdAt: now.toISOString(),
    currency: 'EUR',
    items: lines,
    total,
    shipTo: { name: customer.name, city, country },
  };
  const count = lines.reduce((sum, l) => sum + l.qty, 0);
  return {
    kind: 'web',
    path: '/orders',
    headers: { 'content-type': 'application/json', 'x-priority': priority },
    body: JSON.stringify(order),
    summary: [
      order.orderId,
      invalid ? '(none)' : customer.id,
      `${String(count).padStart(2)} items`,
      `${money(total).padStart(10)} EUR`,
      priority.padEnd(6),
    ].join(' '),
    ...(invalid ? { invalidOnPurpose: 'no customerId' } : {}),
  };
}

/**
 * The web shop's notice that it accepted a web order, so that the warehouse may pick it: the same order and headers,
 * posted to the bus's `POST /orders/accepted` (routes/warehouse.yaml turns it into a pick request).
 */
export function acceptedWebOrder(order: SampleRequest): SampleRequest {
  return { ...order, path: '/orders/accepted' };
}

/**
 * A web order for the legacy warehouse that talks files: the same order and headers, posted to the bus's
 * `POST /legacy-warehouse/orders` (routes/legacy-warehouse.yaml writes it as a fixed-width order file).
 */
export function legacyWarehouseOrder(order: SampleRequest): SampleRequest {
  return { ...order, path: '/legacy-warehouse/orders' };
}

/**
 * The nth legacy batch (n from 1): an `<OrderBatch>` of one to three `<Order>` elements, as the old order system
 * posts it to the bus's `POST /legacy/orders`. Values are element text only (no attributes).
 */
export function legacyBatch(n: number, random: () => number, now: Date = new Date()): SampleRequest {
  const count = 1 + Math.floor(random() * 3);
  const ids: string[] = [];
  const orders = Array.from({ length: count }, (_, i) => {
    const orderNo = `L-${500000 + n * 10 + i}`;
    ids.push(orderNo);
    const customer = pick(random, CRM_CUSTOMERS);
    const lines = items(random, 2);
    const total = round(lines.reduce((sum, l) => sum + l.qty * l.unitPrice, 0));
    const lineXml = lines
      .map((l) => `        <Line><Sku>${l.sku}</Sku><Qty>${l.qty}</Qty><Price>${l.unitPrice.toFixed(2)}</Price></Line>`)
      .join('\n');
    return [
      '  <Order>',
      `    <OrderNo>${orderNo}</OrderNo>`,
      `    <CustNo>${customer.id}</CustNo>`,
      `    <CustName>${escapeXml(customer.name)}</CustName>`,
      `    <OrderDate>${now.toISOString().slice(0, 10)}</OrderDate>`,
      '    <Currency>EUR</Currency>',
      `    <Lines>\n${lineXml}\n    </Lines>`,
      `    <Total>${total.toFixed(2)}</Total>`,
      '  </Order>',
    ].join('\n');
  });
  const batchId = `B-${String(n).padStart(6, '0')}`;
  const body = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<OrderBatch>',
    `  <BatchId>${batchId}</BatchId>`,
    '  <Source>AS400-ORDERS</Source>',
    ...orders,
    '</OrderBatch>',
  ].join('\n');
  return {
    kind: 'legacy',
    path: '/legacy/orders',
    headers: { 'content-type': 'application/xml' },
    body,
    summary: `${batchId} ${count} order${count === 1 ? '' : 's'} (${ids.join(', ')})`,
  };
}

/** The input of SubmitOrder in routes/wsdl/legacy-orders.wsdl (element SubmitOrderRequest), as node-soap takes it. */
export interface LegacySoapOrder {
  readonly Order: {
    readonly OrderNo: string;
    readonly CustNo: string;
    readonly CustName?: string;
    /** yyyy-mm-dd */
    readonly OrderDate: string;
    readonly Currency: 'EUR';
    readonly Lines: { readonly Line: readonly { readonly Sku: string; readonly Qty: number; readonly Price: string }[] };
    /** A plain decimal with two places, e.g. "1298.00". */
    readonly Total: string;
  };
}

/** A SubmitOrder call the demo's legacy SOAP client makes to the bus, with what it shows on the console. */
export interface SoapOrderRequest {
  readonly kind: 'soap';
  readonly operation: 'SubmitOrder';
  readonly args: LegacySoapOrder;
  readonly summary: string;
}

/**
 * The nth order (n from 1) of the legacy system speaking SOAP: one order per SubmitOrder call, the same fields as
 * in a legacy batch, order numbers L-7nnnnn (batches use L-5nnnnn).
 */
export function legacySoapOrder(n: number, random: () => number, now: Date = new Date()): SoapOrderRequest {
  const customer = pick(random, CRM_CUSTOMERS);
  const lines = items(random, 3);
  const total = round(lines.reduce((sum, l) => sum + l.qty * l.unitPrice, 0));
  const orderNo = `L-${700000 + n}`;
  const count = lines.reduce((sum, l) => sum + l.qty, 0);
  return {
    kind: 'soap',
    operation: 'SubmitOrder',
    args: {
      Order: {
        OrderNo: orderNo,
        CustNo: customer.id,
        CustName: customer.name,
        OrderDate: now.toISOString().slice(0, 10),
        Currency: 'EUR',
        Lines: { Line: lines.map((l) => ({ Sku: l.sku, Qty: l.qty, Price: l.unitPrice.toFixed(2) })) },
        Total: total.toFixed(2),
      },
    },
    summary: [orderNo, customer.id, `${String(count).padStart(2)} items`, `${money(total).padStart(10)} EUR`].join(' '),
  };
}

/** For the console: thousands separators (never in documents, where 1,298.00 is not a number). */
function money(n: number): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}
