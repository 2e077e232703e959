import { CATALOG, PRICE_LISTS } from './sandbox.catalog';
import { reference } from './sandbox.http';

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
 * an order booked through one is known to the other. One per sandbox.
 */
export class ErpBackend {
  private readonly refs = new Map<string, string>();
  private orderSeq = 0;
  private quoteSeq = 0;

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Books an order and returns its ErpRef (ERP-nnnnnn); the same OrderId always gets the same ErpRef. */
  bookOrder(orderId: string): string {
    let erpRef = this.refs.get(orderId);
    if (erpRef === undefined) {
      erpRef = reference('ERP', ++this.orderSeq);
      this.refs.set(orderId, erpRef);
    }
    return erpRef;
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
