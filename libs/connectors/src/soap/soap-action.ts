import { InputError } from '@junction/core';
import type { SoapVersion } from './soap-envelope';
import type { SoapFaultShape } from './soap-fault';
import type { WsdlCatalog, WsdlOperation } from './wsdl-catalog';
import type { XmlName } from './xml-namespaces';

/** Namespace of WS-Addressing 1.0, whose `wsa:ActionNotSupported` names the refusal of an unknown action. */
export const WSA_NS = 'http://www.w3.org/2005/08/addressing';

/**
 * The request's action names no operation of the service. A client-side Fault (1.1 `soap:Client`, 1.2 `env:Sender`
 * with Subcode `wsa:ActionNotSupported`, as the WS-Addressing SOAP binding words it); never retriable.
 */
export class ActionNotSupportedError extends InputError implements SoapFaultShape {
  readonly soapFault: SoapFaultShape['soapFault'] = { subcode: { prefix: 'wsa', ns: WSA_NS, localName: 'ActionNotSupported' } };

  constructor(
    readonly action: string,
    path: string,
  ) {
    super('SOAP_ACTION_NOT_SUPPORTED', `The [action] cannot be processed at the receiver: '${action}' is no operation of ${path}`, 400);
  }
}

/** What the ingress knows of a call when it picks the operation. */
export interface SoapCall {
  readonly version: SoapVersion;
  /** The 1.1 SOAPAction (unquoted) or the 1.2 `action` parameter; undefined when absent or empty. */
  readonly action?: string;
  /** The Body's element; undefined for an empty Body. */
  readonly payload?: XmlName;
  /** The route's `service`, when the WSDL has several. */
  readonly service?: string;
  /** The service's path, for messages. */
  readonly path: string;
}

/**
 * The operation a SOAP call is for, among those of the caller's binding (and of `service` when given).
 * - No action (absent or `""`): the operation whose request element is the Body's element; undefined when none is.
 * - An action: the operation whose soapAction it is in the caller's binding; else the operation of the same name
 *   whose soapAction it is in the service's other binding (callers that keep one action for both versions); else, for
 *   operations that declare no soapAction, the action clients derive from the name (`<ns>/<Name>`, `<ns>#<Name>`,
 *   `<Name>`, and WS-Addressing's default `.../<Name>Request`), when exactly one operation fits.
 *   An action that names no operation is ActionNotSupportedError (400): the caller asked for something the service
 *   does not offer, and dispatching by the Body instead would run an operation it did not ask for.
 * - An action naming one operation while the Body holds another's request element is InputError
 *   `SOAP_ACTION_MISMATCH` (400), rather than a guess at which of the two the caller meant.
 */
export function operationForCall(catalog: WsdlCatalog, call: SoapCall): WsdlOperation | undefined {
  const offered = catalog.operations.filter((o) => call.service === undefined || o.service === call.service);
  const binding = offered.filter((o) => o.version === call.version);
  const { action, payload } = call;
  if (action === undefined) return payload ? binding.find((o) => sameName(o.input, payload)) : undefined;
  const named = byAction(offered, binding, action);
  if (!named) throw new ActionNotSupportedError(action, call.path);
  if (payload && !sameName(payload, named.input)) {
    throw new InputError(
      'SOAP_ACTION_MISMATCH',
      `Invalid SOAP message: the action '${action}' is operation ${named.name}, whose request is not {${payload.ns}}${payload.localName}`,
      400,
    );
  }
  return named;
}

function byAction(offered: readonly WsdlOperation[], binding: readonly WsdlOperation[], action: string): WsdlOperation | undefined {
  const exact = binding.find((o) => o.soapAction === action);
  if (exact) return exact;
  const elsewhere = offered.find((o) => o.soapAction === action);
  if (elsewhere) {
    const same = binding.find((o) => o.name === elsewhere.name && o.service === elsewhere.service);
    if (same) return same;
  }
  const derived = binding.filter((o) => o.soapAction === undefined && derivedFrom(action, o.name));
  return derived.length === 1 ? derived[0] : undefined;
}

function derivedFrom(action: string, name: string): boolean {
  const last = action.slice(Math.max(action.lastIndexOf('/'), action.lastIndexOf('#'), action.lastIndexOf(':')) + 1);
  return last === name || last === `${name}Request`;
}

function sameName(a: XmlName, b: XmlName): boolean {
  return a.ns === b.ns && a.localName === b.localName;
}
