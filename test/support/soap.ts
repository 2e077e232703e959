import { cpSync } from 'node:fs';
import { join } from 'node:path';

export const ORDERS_NS = 'http://example.com/orders/types';
export const WSDL_FIXTURES = join(__dirname, '..', 'fixtures', 'wsdl');

/** Copies the WSDL fixtures into a route folder's `wsdl/` (route files refer to them relative to themselves). */
export function copyWsdlFixtures(routesDir: string): void {
  cpSync(WSDL_FIXTURES, join(routesDir, 'wsdl'), { recursive: true, filter: (src) => !src.includes('traversal') });
}

/** A SOAP envelope of the given version around a payload, with optional header blocks. */
export function envelope(version: '1.1' | '1.2', payload: string, headers = ''): string {
  const ns = version === '1.1' ? 'http://schemas.xmlsoap.org/soap/envelope/' : 'http://www.w3.org/2003/05/soap-envelope';
  return `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="${ns}">${headers ? `<s:Header>${headers}</s:Header>` : ''}<s:Body>${payload}</s:Body></s:Envelope>`;
}

/** PlaceOrder with a prefix of the caller's choosing (routes must not depend on it). */
export function placeOrder(orderId: string, customerId = 'C-1', prefix = 'o'): string {
  return (
    `<${prefix}:PlaceOrder xmlns:${prefix}="${ORDERS_NS}"><${prefix}:Order><${prefix}:OrderId>${orderId}</${prefix}:OrderId>` +
    `<${prefix}:CustomerId>${customerId}</${prefix}:CustomerId><${prefix}:Currency>EUR</${prefix}:Currency>` +
    `<${prefix}:Line><${prefix}:Sku>S-1</${prefix}:Sku><${prefix}:Quantity>2</${prefix}:Quantity><${prefix}:UnitPrice>3.50</${prefix}:UnitPrice></${prefix}:Line>` +
    `</${prefix}:Order></${prefix}:PlaceOrder>`
  );
}

/** POSTs a SOAP envelope as SOAP 1.1 (text/xml + SOAPAction) or 1.2 (application/soap+xml; action=...). */
export async function postSoap(url: string, version: '1.1' | '1.2', body: string, action?: string) {
  const headers: Record<string, string> =
    version === '1.1'
      ? { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${action ?? ''}"` }
      : { 'content-type': `application/soap+xml; charset=utf-8${action ? `; action="${action}"` : ''}` };
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text(), messageId: res.headers.get('x-message-id') };
}
