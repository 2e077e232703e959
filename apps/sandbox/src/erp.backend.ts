import { amountOrNull, textOrNull, type ErpEventSink } from './erp.events';
import { CATALOG, PRICE_LISTS } from './sandbox.catalog';
import { reference } from './sandbox.http';

/** An order to book, as a front end read it (text; absent when the document had no such element). */
export interface OrderToBook {
  readonly orderId: string;
  readonly customerId?: string;
  readonly total?: string;
  readonly currency?: string;
}

/** A shipment notice, as the SOAP front end read it. */
export interface ShipmentNotice {
  readonly orderId: string;
  readonly trackingNo: string;
  readonly carrier?: string;
}

/** What the ERP is asked to price; values as they came in (XML text or node-soap values), checked by `quote`. */
export interface PriceQuery {
  readonly customerId: unknown;
  readonly priceList?: unknown;
  readonly currency?: unknown;
  readonly lines: readonly { readonly sku: unknown; readonly qty: unknown }[];
}

export interface QuoteLine {
  readonly sku: string;
  readonly qty: number;
  readonly unitPrice: number;
  readonly amount: number;
}

export interface PricedQuote {
  /** QT-nnnnnn */
  readonly quoteRef: string;
  readonly customerId: string;
  readonly priceList: string;
  readonly currency: 'EUR';
  readonly lines: readonly QuoteLine[];
  readonly total: number;
  /** yyyy-mm-dd, 14 days from `now`. */
  readonly validUntil: string;
}

/**
 * Why the ERP refused a request: `invalid` when the document lacks something it needs (the XML API's 400), `rejected`
 * when it is complete but cannot be served (unknown SKU or price list, bad quantity: the XML API's 422).
 */
export interface ErpRefusal {
  readonly kind: 'invalid' | 'rejected';
  readonly reason: string;
}

export type QuoteResult = { readonly ok: true; readonly quote: PricedQuote } | { readonly ok: false; readonly refusal: ErpRefusal };

/**
 * The ERP's books, shared by its two front ends (XML over HTTP in erp.system.ts, SOAP in erp-soap.system.ts), so that
 * an order booked through one is known to the other. One per sandbox. With an event sink, a first booking emits
 * OrderAccepted and a shipment notice OrderShipped (erp.events.ts); the sink never delays nor fails the answer.
 */
export class ErpBackend {
  private readonly refs = new Map<string, string>();
  private orderSeq = 0;
  private quoteSeq = 0;

  constructor(
    private readonly now: () => Date = () => new Date(),
    private readonly events?: ErpEventSink,
  ) {}

  /**
   * Books an order and returns its ErpRef (ERP-nnnnnn); the same OrderId always gets the same ErpRef. Only the first
   * booking of an OrderId emits OrderAccepted: the ERP deduplicates on it, so a resubmission changes nothing.
   */
  bookOrder(order: OrderToBook): string {
    const known = this.refs.get(order.orderId);
    if (known !== undefined) return known;
    const erpRef = reference('ERP', ++this.orderSeq);
    this.refs.set(order.orderId, erpRef);
    this.events?.publish({
      event: 'OrderAccepted',
      orderId: order.orderId,
      erpRef,
      customerId: textOrNull(order.customerId),
      total: amountOrNull(order.total),
      currency: textOrNull(order.currency),
      at: this.now().toISOString(),
    });
    return erpRef;
  }

  /** Takes a shipment notice (any OrderId: the ERP does not check it against its books) and emits OrderShipped. */
  recordShipment(notice: ShipmentNotice): void {
    this.events?.publish({
      event: 'OrderShipped',
      orderId: notice.orderId,
      trackingNo: notice.trackingNo,
      carrier: textOrNull(notice.carrier),
      at: this.now().toISOString(),
    });
  }

  /**
   * Prices the lines from the catalogue: unit prices less the price list's discount (STANDARD 0%, GOLD 10%), rounded
   * to cents per unit and per line. Only EUR is priced. A quote reference is used up only by a quote given.
   */
  quote(query: PriceQuery): QuoteResult {
    const refuse = (kind: ErpRefusal['kind'], reason: string): QuoteResult => ({ ok: false, refusal: { kind, reason } });
    const { customerId, priceList = 'STANDARD', currency = 'EUR', lines } = query;
    if (typeof customerId !== 'string' || customerId === '') return refuse('invalid', 'expected a non-empty <CustomerId>');
    if (typeof priceList !== 'string' || PRICE_LISTS[priceList] === undefined) {
      return refuse('rejected', `unknown price list ${String(priceList)}; expected ${Object.keys(PRICE_LISTS).join(' or ')}`);
    }
    if (currency !== 'EUR') return refuse('rejected', `only EUR is priced, got ${String(currency)}`);
    if (lines.length === 0) return refuse('invalid', 'expected at least one <Lines><Line>');
    const discount = PRICE_LISTS[priceList] / 100;
    const priced: QuoteLine[] = [];
    for (const line of lines) {
      const product = CATALOG.find((p) => p.sku === line.sku);
      if (!product) return refuse('rejected', `unknown SKU ${String(line.sku)}`);
      const qty = Number(line.qty);
      if (!Number.isInteger(qty) || qty < 1) return refuse('rejected', `bad quantity ${String(line.qty)} for ${product.sku}`);
      const unitPrice = round(product.unitPrice * (1 - discount));
      priced.push({ sku: product.sku, qty, unitPrice, amount: round(unitPrice * qty) });
    }
    return {
      ok: true,
      quote: {
        quoteRef: reference('QT', ++this.quoteSeq),
        customerId,
        priceList,
        currency: 'EUR',
        lines: priced,
        total: round(priced.reduce((sum, l) => sum + l.amount, 0)),
        validUntil: new Date(this.now().getTime() + 14 * 86_400_000).toISOString().slice(0, 10),
      },
    };
  }
}

const round = (n: number): number => Math.round(n * 100) / 100;

/** An amount as the ERP writes it: two decimals, no thousands separator. */
export const money = (n: number): string => n.toFixed(2);
