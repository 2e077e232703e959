import { CATALOG } from './sandbox.catalog';

/**
 * The warehouse's books, without any broker: what a pick request must look like, what stock is on hand, and the event
 * each pick request leads to. warehouse.amqp.ts carries these over RabbitMQ.
 */

/** One line of a pick request: a SKU and how many to pick. */
export interface PickLine {
  readonly sku: string;
  readonly qty: number;
}

/**
 * A pick request as the bus publishes it (routes/warehouse.yaml): a JSON object with a non-empty `orderId`, `country`
 * (where the parcel goes, two capital letters) and at least one line of a non-empty `sku` and a whole `qty` of 1 or
 * more. `priority` is kept when it is a string; other fields are ignored.
 */
export interface PickRequest {
  readonly orderId: string;
  readonly country: string;
  readonly lines: readonly PickLine[];
  readonly priority?: string;
}

export type PickReading = { readonly ok: true; readonly request: PickRequest } | { readonly ok: false; readonly reason: string };

/** A pick request from the bytes of a message; never throws. */
export function readPickRequest(content: string): PickReading {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'not a JSON object' };
  const { orderId, country, lines, priority } = value as Record<string, unknown>;
  if (typeof orderId !== 'string' || orderId.trim() === '') return { ok: false, reason: 'no orderId' };
  if (typeof country !== 'string' || !/^[A-Z]{2}$/.test(country)) return { ok: false, reason: `${orderId}: country must be two capital letters` };
  if (!Array.isArray(lines) || lines.length === 0) return { ok: false, reason: `${orderId}: no lines` };
  const picked: PickLine[] = [];
  for (const line of lines as unknown[]) {
    const { sku, qty } = (typeof line === 'object' && line !== null ? line : {}) as Record<string, unknown>;
    if (typeof sku !== 'string' || sku === '' || typeof qty !== 'number' || !Number.isInteger(qty) || qty < 1) {
      return { ok: false, reason: `${orderId}: a line needs a sku and a whole qty of 1 or more` };
    }
    picked.push({ sku, qty });
  }
  return { ok: true, request: { orderId, country, lines: picked, ...(typeof priority === 'string' ? { priority } : {}) } };
}

/** Every line picked and the parcel handed to the carrier. */
export interface ShipmentDispatchedEvent {
  readonly event: 'ShipmentDispatched';
  readonly orderId: string;
  /** SHP-nnnnnn */
  readonly shipmentId: string;
  readonly country: string;
  readonly carrier: string;
  readonly trackingNo: string;
  readonly lines: readonly PickLine[];
  /** ISO 8601 time of dispatch, by the warehouse's clock. */
  readonly at: string;
}

/** Some line could not be picked in full: nothing was picked, and the order waits for stock. */
export interface StockShortEvent {
  readonly event: 'StockShort';
  readonly orderId: string;
  readonly country: string;
  /** The lines short of stock, with what was on hand when the request came. */
  readonly missing: readonly { readonly sku: string; readonly requested: number; readonly onHand: number }[];
  readonly at: string;
}

export type WarehouseEvent = ShipmentDispatchedEvent | StockShortEvent;

/**
 * The routing key of an event on the warehouse's event exchange: `shipment.dispatched.<country>` or
 * `stock.short.<country>`, the country in lower case, so that a consumer binds `shipment.#`, `stock.#` or one country.
 */
export function routingKeyOf(event: WarehouseEvent): string {
  const country = event.country.toLowerCase();
  return event.event === 'ShipmentDispatched' ? `shipment.dispatched.${country}` : `stock.short.${country}`;
}

/** Carriers by destination; any other country ships with the last one. */
const CARRIERS: Readonly<Record<string, readonly [name: string, code: string]>> = {
  DE: ['DHL', 'JD'],
  FR: ['Colissimo', 'CO'],
  GB: ['Royal Mail', 'RM'],
  NL: ['PostNL', '3S'],
  PT: ['CTT', 'CT'],
};
const OTHER_CARRIER = ['UPS', '1Z'] as const;

/** Orders remembered for answering a repeated pick request alike; older ones are forgotten. */
const REMEMBERED_ORDERS = 10_000;

/**
 * Stock on hand per SKU and the decision each pick request gets. Every catalogue SKU starts at `startLevel`; any
 * other SKU is never in stock. A request that every line's stock covers is picked (stock goes down) and dispatched;
 * otherwise nothing is picked, the request is short, and the SKUs that were short are restocked to `startLevel` at
 * once (a supplier delivery), so that a long demo keeps dispatching.
 *
 * A request for an order already dispatched gets the same ShipmentDispatched event again and picks nothing: the bus
 * delivers at least once, and a redelivered request must not ship twice.
 */
export class WarehouseStock {
  private readonly onHand = new Map<string, number>();
  private readonly dispatched = new Map<string, ShipmentDispatchedEvent>();
  private shipments = 0;

  constructor(
    private readonly startLevel = 25,
    private readonly now: () => Date = () => new Date(),
  ) {
    for (const product of CATALOG) this.onHand.set(product.sku, startLevel);
  }

  /** Units of `sku` on hand (0 for a SKU the warehouse does not carry). */
  level(sku: string): number {
    return this.onHand.get(sku) ?? 0;
  }

  pick(request: PickRequest): WarehouseEvent {
    const earlier = this.dispatched.get(request.orderId);
    if (earlier) return earlier;
    const at = this.now().toISOString();
    const wanted = new Map<string, number>();
    for (const line of request.lines) wanted.set(line.sku, (wanted.get(line.sku) ?? 0) + line.qty);
    const missing = [...wanted]
      .filter(([sku, qty]) => qty > this.level(sku))
      .map(([sku, requested]) => ({ sku, requested, onHand: this.level(sku) }));
    if (missing.length > 0) {
      for (const { sku } of missing) if (this.onHand.has(sku)) this.onHand.set(sku, this.startLevel);
      return { event: 'StockShort', orderId: request.orderId, country: request.country, missing, at };
    }
    for (const [sku, qty] of wanted) this.onHand.set(sku, this.level(sku) - qty);
    const n = ++this.shipments;
    const [carrier, code] = CARRIERS[request.country] ?? OTHER_CARRIER;
    const event: ShipmentDispatchedEvent = {
      event: 'ShipmentDispatched',
      orderId: request.orderId,
      shipmentId: `SHP-${String(n).padStart(6, '0')}`,
      country: request.country,
      carrier,
      trackingNo: `${code}${String(n).padStart(10, '0')}`,
      lines: request.lines,
      at,
    };
    this.dispatched.set(request.orderId, event);
    if (this.dispatched.size > REMEMBERED_ORDERS) this.dispatched.delete(this.dispatched.keys().next().value!);
    return event;
  }
}
