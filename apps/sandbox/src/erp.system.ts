import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { CATALOG, PRICE_LISTS } from './sandbox.catalog';
import {
  acceptsContentType,
  dispatch,
  escapeXml,
  reference,
  xmlReply,
  type SandboxReply,
  type SandboxRequest,
  type SandboxSystem,
} from './sandbox.http';

type Element = Record<string, unknown>;

/**
 * The ERP: XML over HTTP (a SOAP endpoint later). Errors are `<Error><Code>...</Code><Message>...</Message></Error>`:
 * malformed XML or a document of the wrong shape is a 400, a non-XML content type a 415.
 * - `POST /erp/orders` takes `<Order>` with a non-empty `<OrderId>` (other children are kept as sent) and answers 200
 *   `<OrderAck><OrderId>W-1</OrderId><Status>ACCEPTED</Status><ErpRef>ERP-000001</ErpRef></OrderAck>`. The same
 *   OrderId again gets the same ErpRef (the ERP deduplicates on it).
 * - `POST /erp/quotes` prices `<PriceRequest>` (`CustomerId`, `PriceList` STANDARD|GOLD, `Currency`, and
 *   `Lines/Line` with `Sku`, `Qty`) from the catalogue and answers 200 `<Quote>` with `QuoteRef`, `CustomerId`,
 *   `PriceList`, `Currency`, `Lines/Line` (`Sku`, `Qty`, `UnitPrice`, `Amount`), `Total` and `ValidUntil`; an unknown
 *   SKU, price list or a bad quantity is a 422.
 */
export function createErpSystem(now: () => Date = () => new Date()): SandboxSystem {
  const refs = new Map<string, string>();
  let orderSeq = 0;
  let quoteSeq = 0;
  // Values stay strings (no number parsing) and attributes are ignored: the ERP reads elements only.
  const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true });

  const error = (status: number, reason: string): SandboxReply =>
    xmlReply(status, `<Error><Code>${codeOf(status)}</Code><Message>${escapeXml(reason)}</Message></Error>`);

  /** The root element named `root`, or the error reply to give. */
  const readDocument = (req: SandboxRequest, root: string): { ok: true; doc: Element } | { ok: false; reply: SandboxReply } => {
    if (!acceptsContentType(req, 'xml')) {
      return { ok: false, reply: error(415, `expected an XML content type, got ${req.headers['content-type']}`) };
    }
    const valid = XMLValidator.validate(req.body);
    if (valid !== true) return { ok: false, reply: error(400, `malformed XML at line ${valid.err.line}: ${valid.err.msg}`) };
    const parsed = parser.parse(req.body) as Element;
    const doc = parsed[root];
    if (typeof doc !== 'object' || doc === null) {
      const roots = Object.keys(parsed).filter((k) => !k.startsWith('?'));
      return { ok: false, reply: error(400, `expected a <${root}> document, got <${roots.join('>, <')}>`) };
    }
    return { ok: true, doc: doc as Element };
  };

  const order = (req: SandboxRequest): SandboxReply => {
    const read = readDocument(req, 'Order');
    if (!read.ok) return read.reply;
    const orderId = read.doc.OrderId;
    if (typeof orderId !== 'string' || orderId === '') return error(400, 'expected a non-empty <OrderId> in <Order>');
    let erpRef = refs.get(orderId);
    if (erpRef === undefined) {
      erpRef = reference('ERP', ++orderSeq);
      refs.set(orderId, erpRef);
    }
    return xmlReply(
      200,
      `<OrderAck><OrderId>${escapeXml(orderId)}</OrderId><Status>ACCEPTED</Status><ErpRef>${erpRef}</ErpRef></OrderAck>`,
    );
  };

  const quote = (req: SandboxRequest): SandboxReply => {
    const read = readDocument(req, 'PriceRequest');
    if (!read.ok) return read.reply;
    const { CustomerId: customerId, PriceList: priceList = 'STANDARD', Currency: currency = 'EUR' } = read.doc;
    if (typeof customerId !== 'string' || customerId === '') return error(400, 'expected a non-empty <CustomerId>');
    if (typeof priceList !== 'string' || PRICE_LISTS[priceList] === undefined) {
      return error(422, `unknown price list ${String(priceList)}; expected ${Object.keys(PRICE_LISTS).join(' or ')}`);
    }
    if (currency !== 'EUR') return error(422, `only EUR is priced, got ${String(currency)}`);
    const lines = ([] as unknown[]).concat((read.doc.Lines as Element | undefined)?.Line ?? []) as Element[];
    if (lines.length === 0) return error(400, 'expected at least one <Lines><Line>');
    const discount = PRICE_LISTS[priceList] / 100;
    const priced: string[] = [];
    let total = 0;
    for (const line of lines) {
      const product = CATALOG.find((p) => p.sku === line.Sku);
      if (!product) return error(422, `unknown SKU ${String(line.Sku)}`);
      const qty = Number(line.Qty);
      if (!Number.isInteger(qty) || qty < 1) return error(422, `bad quantity ${String(line.Qty)} for ${product.sku}`);
      const unitPrice = round(product.unitPrice * (1 - discount));
      const amount = round(unitPrice * qty);
      total += amount;
      priced.push(
        `<Line><Sku>${product.sku}</Sku><Qty>${qty}</Qty>` +
          `<UnitPrice>${money(unitPrice)}</UnitPrice><Amount>${money(amount)}</Amount></Line>`,
      );
    }
    const validUntil = new Date(now().getTime() + 14 * 86_400_000).toISOString().slice(0, 10);
    return xmlReply(
      200,
      `<Quote><QuoteRef>${reference('QT', ++quoteSeq)}</QuoteRef><CustomerId>${escapeXml(customerId)}</CustomerId>` +
        `<PriceList>${priceList}</PriceList><Currency>EUR</Currency><Lines>${priced.join('')}</Lines>` +
        `<Total>${money(round(total))}</Total><ValidUntil>${validUntil}</ValidUntil></Quote>`,
    );
  };

  const operations = [
    { method: 'POST', path: /^\/erp\/orders\/?$/, handle: order },
    { method: 'POST', path: /^\/erp\/quotes\/?$/, handle: quote },
  ];

  return {
    name: 'erp',
    prefix: '/erp',
    handle: (req) => dispatch(operations, req, error),
    fault: error,
  };
}

const round = (n: number): number => Math.round(n * 100) / 100;
const money = (n: number): string => n.toFixed(2);

function codeOf(status: number): string {
  switch (status) {
    case 400:
      return 'BAD_REQUEST';
    case 404:
      return 'NOT_FOUND';
    case 405:
      return 'METHOD_NOT_ALLOWED';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 422:
      return 'REJECTED';
    case 429:
      return 'TOO_MANY_REQUESTS';
    case 503:
      return 'SERVICE_UNAVAILABLE';
    default:
      return status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST';
  }
}
