import * as path from 'node:path';
import { InputError } from '@junction/core';
import { createXmlCodec } from '@junction/transform';
import { ActionNotSupportedError, operationForCall, type SoapCall } from './soap-action';
import { faultFor, parseFault } from './soap-fault';
import { type WsdlCatalog, loadWsdl } from './wsdl-catalog';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/wsdl');
const TYPES = 'http://example.com/orders/types';
const codec = createXmlCodec();
const PLACE = { ns: TYPES, localName: 'PlaceOrder' };
const CANCEL = { ns: TYPES, localName: 'CancelOrder' };

/** The operation's name and version, or the refusing error's code. */
function outcome(catalog: WsdlCatalog, call: Omit<SoapCall, 'path'>): string {
  try {
    const op = operationForCall(catalog, { ...call, path: '/soap/orders' });
    return op ? `${op.name} ${op.version}` : 'none';
  } catch (err) {
    if (err instanceof InputError) return err.code;
    throw err;
  }
}

describe('operationForCall over the order service (actions in both bindings)', () => {
  let catalog: WsdlCatalog;
  beforeAll(async () => {
    catalog = await loadWsdl(path.join(FIXTURES, 'order-service.wsdl'));
  });

  const cases: Array<[string, Omit<SoapCall, 'path'>, string]> = [
    ['no action: by the Body element', { version: '1.2', payload: PLACE }, 'PlaceOrder 1.2'],
    ['no action, an unknown Body element', { version: '1.1', payload: { ns: 'urn:other', localName: 'PlaceOrder' } }, 'none'],
    ['no action, an empty Body', { version: '1.1' }, 'none'],
    ['the action of the binding', { version: '1.1', action: 'http://example.com/orders/GetOrder' }, 'GetOrder 1.1'],
    ['the action and its Body element', { version: '1.2', action: 'urn:orders:CancelOrder12', payload: CANCEL }, 'CancelOrder 1.2'],
    ["the other binding's action: the same operation in the caller's", { version: '1.1', action: 'urn:orders:PlaceOrder12', payload: PLACE }, 'PlaceOrder 1.1'],
    ['an action naming no operation', { version: '1.1', action: 'urn:nobody', payload: PLACE }, 'SOAP_ACTION_NOT_SUPPORTED'],
    ['an action naming no operation (1.2)', { version: '1.2', action: 'http://example.com/orders/Refund', payload: PLACE }, 'SOAP_ACTION_NOT_SUPPORTED'],
    ['a name-derived action when the operation declares one', { version: '1.1', action: 'http://example.com/orders/types/PlaceOrder', payload: PLACE }, 'SOAP_ACTION_NOT_SUPPORTED'],
    ['an action naming another operation than the Body', { version: '1.1', action: 'http://example.com/orders/GetOrder', payload: PLACE }, 'SOAP_ACTION_MISMATCH'],
    ['within the configured service', { version: '1.1', payload: PLACE, service: 'OrderService' }, 'PlaceOrder 1.1'],
    ['another service', { version: '1.1', action: 'http://example.com/orders/PlaceOrder', service: 'OtherService' }, 'SOAP_ACTION_NOT_SUPPORTED'],
  ];
  test.each(cases)('%s', (_what, call, expected) => {
    expect(outcome(catalog, call)).toBe(expected);
  });

  test('an unknown action is a client Fault with WS-Addressing ActionNotSupported in SOAP 1.2', () => {
    const err = new ActionNotSupportedError('urn:nobody', '/soap/orders');
    const f11 = faultFor(err, '1.1');
    expect(f11.status).toBe(500);
    expect(parseFault(f11.body, codec)).toMatchObject({ side: 'client', code: 'soap:Client' });
    expect(parseFault(f11.body, codec)!.reason).toMatch(/cannot be processed at the receiver: 'urn:nobody'/);
    const f12 = faultFor(err, '1.2');
    expect(f12.status).toBe(400);
    expect(parseFault(f12.body, codec)).toMatchObject({ side: 'client', code: 'env:Sender', subcode: 'wsa:ActionNotSupported' });
    expect(f12.body).toContain('xmlns:wsa="http://www.w3.org/2005/08/addressing"');
    expect(f12.body).toMatch(/<env:Value>j:SOAP_ACTION_NOT_SUPPORTED<\/env:Value><\/env:Subcode><\/env:Subcode>/);
  });
});

describe('operationForCall over a service that declares no soapAction (rpc)', () => {
  let catalog: WsdlCatalog;
  beforeAll(async () => {
    catalog = await loadWsdl(path.join(FIXTURES, 'legacy-stock-rpc.wsdl'));
  });
  const GET_STOCK = { ns: 'urn:legacy:stock', localName: 'GetStock' };
  const cases: Array<[string, string | undefined, string]> = [
    ['no action', undefined, 'GetStock 1.1'],
    ['<ns>/<Name>, as the soap package sends it', 'urn:legacy:stock/GetStock', 'GetStock 1.1'],
    ['<ns>#<Name>', 'urn:legacy:stock#GetStock', 'GetStock 1.1'],
    ['<Name>', 'GetStock', 'GetStock 1.1'],
    ["WS-Addressing's default <Name>Request", 'urn:legacy:stock/StockPortType/GetStockRequest', 'GetStock 1.1'],
    ['another name', 'urn:legacy:stock/PutStock', 'SOAP_ACTION_NOT_SUPPORTED'],
  ];
  test.each(cases)('%s', (_what, action, expected) => {
    expect(outcome(catalog, { version: '1.1', payload: GET_STOCK, ...(action ? { action } : {}) })).toBe(expected);
  });
});
