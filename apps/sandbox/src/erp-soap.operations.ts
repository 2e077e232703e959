import type { IServices } from 'soap';
import { money, type ErpBackend } from './erp.backend';
import { faultToThrow, type SoapVersion } from './sandbox.soap';

/** The ERP's SOAP operations: the element each takes, its action, and whether it answers. */
export const ERP_OPERATIONS = {
  SubmitOrder: { element: 'Order', action: 'urn:sandbox:erp/SubmitOrder', oneWay: false },
  GetQuote: { element: 'PriceRequest', action: 'urn:sandbox:erp/GetQuote', oneWay: false },
  NotifyShipment: { element: 'ShipmentNotice', action: 'urn:sandbox:erp/NotifyShipment', oneWay: true },
} as const;

export type ErpOperation = keyof typeof ERP_OPERATIONS;

/** Service, port names and namespaces of apps/sandbox/wsdl/erp.wsdl. */
export const ERP_WSDL_NAMES = {
  service: 'ErpService',
  soap11Port: 'ErpSoap11Port',
  soap12Port: 'ErpSoap12Port',
  namespace: 'urn:sandbox:erp',
  typesNamespace: 'urn:sandbox:erp:types',
} as const;

type Args = Record<string, unknown> | null | undefined;

/**
 * The node-soap services of the ERP for a server answering in `version` (node-soap writes one SOAP version per
 * server). Methods are synchronous, which the sandbox relies on (see ErpSoapService.serve). Invalid input is a
 * Client (1.1) / Sender (1.2) Fault; a bug in a method a Server / Receiver Fault rather than node-soap's own.
 *
 * NotifyShipment is one-way: node-soap answers 202 before the method runs, so the sandbox checks its input before
 * handing it over (erp-soap.system.ts) and the method only records the shipment (an OrderShipped event).
 */
export function createErpSoapServices(version: SoapVersion, backend: ErpBackend): IServices {
  const invalid = (reason: string) => faultToThrow(version, 'client', reason);
  const optional = (v: unknown) => (textValue(v) === '' ? undefined : textValue(v));

  const submitOrder = (args: Args) => {
    const orderId = textValue(args?.OrderId);
    if (orderId === '') throw invalid('expected a non-empty OrderId in Order');
    if (textValue(args?.CustomerId) === '') throw invalid('expected a non-empty CustomerId in Order');
    const lines = listOf((args?.Lines as Args)?.Line);
    if (lines.length === 0) throw invalid('expected at least one Lines/Line in Order');
    lines.forEach((line, i) => {
      if (textValue(line?.Sku) === '') throw invalid(`line ${i + 1}: expected a non-empty Sku`);
      const qty = textValue(line?.Qty);
      if (!/^\d+$/.test(qty) || Number(qty) < 1) throw invalid(`line ${i + 1}: expected a Qty of 1 or more, got "${qty}"`);
    });
    const erpRef = backend.bookOrder({
      orderId,
      customerId: textValue(args?.CustomerId),
      total: optional(args?.Total),
      currency: optional(args?.Currency),
    });
    return { OrderId: orderId, Status: 'ACCEPTED', ErpRef: erpRef };
  };

  // One-way: node-soap has answered 202 already (the input was checked before, in erp-soap.system.ts), so nothing
  // may throw here: there is no one left to tell.
  const notifyShipment = (args: Args): undefined => {
    try {
      backend.recordShipment({
        orderId: textValue(args?.OrderId),
        trackingNo: textValue(args?.TrackingNo),
        carrier: optional(args?.Carrier),
      });
    } catch {
      // A sink never throws (erp.events.ts); this only keeps a bug from reaching node-soap after its answer.
    }
    return undefined;
  };

  const getQuote = (args: Args) => {
    const result = backend.quote({
      customerId: textValue(args?.CustomerId),
      priceList: optional(args?.PriceList),
      currency: optional(args?.Currency),
      lines: listOf((args?.Lines as Args)?.Line).map((line) => ({ sku: textValue(line?.Sku), qty: textValue(line?.Qty) })),
    });
    if (!result.ok) throw invalid(result.refusal.reason);
    const q = result.quote;
    return {
      QuoteRef: q.quoteRef,
      CustomerId: q.customerId,
      PriceList: q.priceList,
      Currency: q.currency,
      Lines: {
        Line: q.lines.map((l) => ({ Sku: l.sku, Qty: l.qty, UnitPrice: money(l.unitPrice), Amount: money(l.amount) })),
      },
      Total: money(q.total),
      ValidUntil: q.validUntil,
    };
  };

  const guarded =
    (method: (args: Args) => unknown) =>
    (args: Args): unknown => {
      try {
        return method(args);
      } catch (err) {
        if (typeof err === 'object' && err !== null && 'Fault' in err) throw err;
        throw faultToThrow(version, 'server', `sandbox bug: ${(err as Error).message}`);
      }
    };

  const port = {
    SubmitOrder: guarded(submitOrder),
    GetQuote: guarded(getQuote),
    NotifyShipment: notifyShipment,
  };
  return { [ERP_WSDL_NAMES.service]: { [ERP_WSDL_NAMES.soap11Port]: port, [ERP_WSDL_NAMES.soap12Port]: port } };
}

/** A value node-soap parsed, as trimmed text: strings, numbers, and `{ $value }` of elements with attributes. */
function textValue(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object' && value !== null && '$value' in value) return textValue((value as { $value: unknown }).$value);
  return '';
}

/** A repeated element as a list (node-soap gives one occurrence as an object unless the schema says it repeats). */
function listOf(value: unknown): Args[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as Args[];
}
