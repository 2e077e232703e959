import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ErpBackend, money } from './erp.backend';
import {
  acceptsContentType,
  dispatch,
  escapeXml,
  xmlReply,
  type SandboxReply,
  type SandboxRequest,
  type SandboxSystem,
} from './sandbox.http';

type Element = Record<string, unknown>;

/**
 * The ERP's XML-over-HTTP front end (the SOAP one is erp-soap.system.ts; both book into one ErpBackend). Errors are
 * `<Error><Code>...</Code><Message>...</Message></Error>`: malformed XML or a document of the wrong shape is a 400, a
 * non-XML content type a 415.
 * - `POST /erp/orders` takes `<Order>` with a non-empty `<OrderId>` (other children are kept as sent) and answers 200
 *   `<OrderAck><OrderId>W-1</OrderId><Status>ACCEPTED</Status><ErpRef>ERP-000001</ErpRef></OrderAck>`. The same
 *   OrderId again gets the same ErpRef (the ERP deduplicates on it). The first booking of an OrderId is an
 *   OrderAccepted event (with its `CustomerId`, `Total` and `Currency`) when the sandbox publishes ERP events.
 * - `POST /erp/quotes` prices `<PriceRequest>` (`CustomerId`, `PriceList` STANDARD|GOLD, `Currency`, and
 *   `Lines/Line` with `Sku`, `Qty`) from the catalogue and answers 200 `<Quote>` with `QuoteRef`, `CustomerId`,
 *   `PriceList`, `Currency`, `Lines/Line` (`Sku`, `Qty`, `UnitPrice`, `Amount`), `Total` and `ValidUntil`; an unknown
 *   SKU, price list or a bad quantity is a 422.
 */
export function createErpSystem(backend: ErpBackend = new ErpBackend()): SandboxSystem {
  // Values stay strings (no number parsing) and attributes are ignored: the ERP reads elements only.
  const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true });

  const error = erpErrorReply;

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
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
    const erpRef = backend.bookOrder({
      orderId,
      customerId: text(read.doc.CustomerId),
      total: text(read.doc.Total),
      currency: text(read.doc.Currency),
    });
    return xmlReply(
      200,
      `<OrderAck><OrderId>${escapeXml(orderId)}</OrderId><Status>ACCEPTED</Status><ErpRef>${erpRef}</ErpRef></OrderAck>`,
    );
  };

  const quote = (req: SandboxRequest): SandboxReply => {
    const read = readDocument(req, 'PriceRequest');
    if (!read.ok) return read.reply;
    const lines = ([] as unknown[]).concat((read.doc.Lines as Element | undefined)?.Line ?? []) as Element[];
    const result = backend.quote({
      customerId: read.doc.CustomerId,
      priceList: read.doc.PriceList,
      currency: read.doc.Currency,
      lines: lines.map((line) => ({ sku: line.Sku, qty: line.Qty })),
    });
    if (!result.ok) return error(result.refusal.kind === 'invalid' ? 400 : 422, result.refusal.reason);
    const q = result.quote;
    const priced = q.lines.map(
      (l) =>
        `<Line><Sku>${l.sku}</Sku><Qty>${l.qty}</Qty><UnitPrice>${money(l.unitPrice)}</UnitPrice><Amount>${money(l.amount)}</Amount></Line>`,
    );
    return xmlReply(
      200,
      `<Quote><QuoteRef>${q.quoteRef}</QuoteRef><CustomerId>${escapeXml(q.customerId)}</CustomerId>` +
        `<PriceList>${q.priceList}</PriceList><Currency>${q.currency}</Currency><Lines>${priced.join('')}</Lines>` +
        `<Total>${money(q.total)}</Total><ValidUntil>${q.validUntil}</ValidUntil></Quote>`,
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

/** The ERP's XML error document: `<Error><Code>...</Code><Message>...</Message></Error>` with that status. */
export function erpErrorReply(status: number, reason: string): SandboxReply {
  return xmlReply(status, `<Error><Code>${codeOf(status)}</Code><Message>${escapeXml(reason)}</Message></Error>`);
}

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
