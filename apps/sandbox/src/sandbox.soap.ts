import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { escapeXml, type SandboxReply } from './sandbox.http';

/**
 * SOAP as the sandbox's SOAP service reads and answers it before node-soap gets the call: which version an envelope
 * is, its header and its body element with their namespaces, the action it names, and Faults in either version,
 * shaped as node-soap shapes the ones a service method throws (see `faultToThrow`), so that a caller sees one format.
 */

export type SoapVersion = '1.1' | '1.2';

export const SOAP11_ENVELOPE_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12_ENVELOPE_NS = 'http://www.w3.org/2003/05/soap-envelope';
const MEDIA_TYPE: Readonly<Record<SoapVersion, string>> = { '1.1': 'text/xml', '1.2': 'application/soap+xml' };

/** An element with its namespace resolved; `node` is fast-xml-parser's value for it (attributes as `@_name`). */
export interface XmlElement {
  readonly localName: string;
  readonly ns: string | undefined;
  readonly node: unknown;
  readonly scope: ReadonlyMap<string, string>;
}

/** The child elements of `el`, in document order, each with its namespace resolved. */
export function childElements(el: XmlElement): XmlElement[] {
  if (typeof el.node !== 'object' || el.node === null) return [];
  const out: XmlElement[] = [];
  for (const [key, value] of Object.entries(el.node as Record<string, unknown>)) {
    if (key.startsWith('@_') || key === '#text') continue;
    for (const node of Array.isArray(value) ? value : [value]) out.push(elementOf(key, node, el.scope));
  }
  return out;
}

/** The first child named `localName` (in namespace `ns` when given). */
export function childElement(el: XmlElement, localName: string, ns?: string): XmlElement | undefined {
  return childElements(el).find((c) => c.localName === localName && (ns === undefined || c.ns === ns));
}

/** The element's text, trimmed; '' when it has none. */
export function textOf(el: XmlElement | undefined): string {
  if (el === undefined) return '';
  if (typeof el.node === 'string') return el.node;
  const text = (el.node as Record<string, unknown> | null)?.['#text'];
  return typeof text === 'string' ? text : '';
}

/** An attribute's value by local name (prefixes ignored), or undefined. */
export function attributeOf(el: XmlElement, localName: string): string | undefined {
  if (typeof el.node !== 'object' || el.node === null) return undefined;
  for (const [key, value] of Object.entries(el.node as Record<string, unknown>)) {
    if (key.startsWith('@_') && splitName(key.slice(2)).local === localName && typeof value === 'string') return value;
  }
  return undefined;
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false, trimValues: true });

/** The top-level elements of a well-formed XML document (one, unless it is a fragment), namespaces resolved. */
export function topElements(xml: string): XmlElement[] {
  const doc = parser.parse(xml) as Record<string, unknown>;
  return Object.keys(doc)
    .filter((k) => !k.startsWith('?'))
    .map((k) => elementOf(k, doc[k], new Map()));
}

/** A SOAP request the sandbox could read: its version, header (if any) and the first element of its body. */
export interface SoapEnvelope {
  readonly version: SoapVersion;
  readonly header: XmlElement | undefined;
  readonly payload: XmlElement;
}

export type EnvelopeRead =
  | { readonly ok: true; readonly envelope: SoapEnvelope }
  | { readonly ok: false; readonly version: SoapVersion; readonly status: number; readonly reason: string };

/**
 * Reads a request body as a SOAP envelope. The version is the envelope's namespace; the content type must be that
 * version's (text/xml for 1.1, application/soap+xml for 1.2), else 415. What cannot be read gets the version the
 * content type suggests, for the Fault that answers it.
 */
export function readEnvelope(body: string, contentType: string | undefined): EnvelopeRead {
  const guessed: SoapVersion = contentType?.toLowerCase().includes(MEDIA_TYPE['1.2']) ? '1.2' : '1.1';
  const refuse = (reason: string, version = guessed, status = version === '1.1' ? 500 : 400): EnvelopeRead => ({
    ok: false,
    version,
    status,
    reason,
  });
  const valid = XMLValidator.validate(body);
  if (valid !== true) return refuse(`malformed XML at line ${valid.err.line}: ${valid.err.msg}`);
  const roots = topElements(body);
  const root = roots.length === 1 ? roots[0] : undefined;
  const version = root?.ns === SOAP11_ENVELOPE_NS ? '1.1' : root?.ns === SOAP12_ENVELOPE_NS ? '1.2' : undefined;
  if (root === undefined || root.localName !== 'Envelope' || version === undefined) {
    return refuse(`expected a SOAP 1.1 or 1.2 Envelope, got <${roots.map((r) => r.localName).join('>, <')}>`);
  }
  const mediaType = contentType?.split(';')[0].trim().toLowerCase();
  if (mediaType !== MEDIA_TYPE[version]) {
    const given = mediaType ? `not ${mediaType}` : 'got no content type';
    return refuse(`a SOAP ${version} envelope comes as ${MEDIA_TYPE[version]}, ${given}`, version, 415);
  }
  const envNs = root.ns;
  const soapBody = childElement(root, 'Body', envNs);
  const payload = soapBody && childElements(soapBody)[0];
  if (payload === undefined) return refuse('expected an element in the SOAP Body', version);
  return { ok: true, envelope: { version, header: childElement(root, 'Header', envNs), payload } };
}

/** The action a request names: the SOAPAction header (1.1) or the content type's action parameter (1.2); '' when none. */
export function actionOf(headers: Readonly<Record<string, string>>, version: SoapVersion): string {
  if (version === '1.1') return unquote(headers.soapaction ?? '');
  const param = /;\s*action\s*=\s*("[^"]*"|[^;\s]*)/i.exec(headers['content-type'] ?? '');
  return param ? unquote(param[1]) : '';
}

/** Client (1.1) / Sender (1.2): the request is wrong. Server / Receiver: the service failed. */
export type FaultCode = 'client' | 'server';

export interface SoapFaultSpec {
  readonly code: FaultCode;
  readonly reason: string;
  /** HTTP status; by default 500 in SOAP 1.1 (WS-I Basic Profile), 400 for a Sender and 500 for a Receiver in 1.2. */
  readonly status?: number;
  /** A SOAP 1.2 subcode such as `wsse:FailedAuthentication`, with its namespace; 1.1 Faults have none. */
  readonly subcode?: { readonly qname: string; readonly ns: string };
}

/** A Fault envelope in `version`, as the sandbox answers a call node-soap never sees. */
export function soapFault(version: SoapVersion, spec: SoapFaultSpec): SandboxReply {
  const reason = escapeXml(spec.reason);
  const code = codeName(version, spec.code);
  let fault: string;
  if (version === '1.1') {
    fault = `<soap:Fault><faultcode>soap:${code}</faultcode><faultstring>${reason}</faultstring></soap:Fault>`;
  } else {
    const sub = spec.subcode;
    const subcode = sub
      ? `<soap:Subcode><soap:Value xmlns:${splitName(sub.qname).prefix}="${sub.ns}">${sub.qname}</soap:Value></soap:Subcode>`
      : '';
    fault =
      `<soap:Fault><soap:Code><soap:Value>soap:${code}</soap:Value>${subcode}</soap:Code>` +
      `<soap:Reason><soap:Text xml:lang="en">${reason}</soap:Text></soap:Reason></soap:Fault>`;
  }
  const ns = version === '1.1' ? SOAP11_ENVELOPE_NS : SOAP12_ENVELOPE_NS;
  return {
    status: spec.status ?? defaultStatus(version, spec.code),
    headers: { 'content-type': `${MEDIA_TYPE[version]}; charset=utf-8` },
    body: `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${ns}"><soap:Body>${fault}</soap:Body></soap:Envelope>`,
  };
}

/**
 * The object a node-soap service method throws for a Fault (`throw faultToThrow(...)`): node-soap writes it in the
 * envelope of the server's version, with the same elements as `soapFault`.
 */
export function faultToThrow(version: SoapVersion, code: FaultCode, reason: string): { Fault: Record<string, unknown> } {
  const statusCode = defaultStatus(version, code);
  if (version === '1.1') return { Fault: { faultcode: `soap:${codeName(version, code)}`, faultstring: reason, statusCode } };
  return {
    Fault: {
      Code: { Value: `soap:${codeName(version, code)}` },
      Reason: { Text: { attributes: { 'xml:lang': 'en' }, $value: reason } },
      statusCode,
    },
  };
}

/** Client / Server in SOAP 1.1, Sender / Receiver in 1.2. */
function codeName(version: SoapVersion, code: FaultCode): string {
  if (version === '1.1') return code === 'client' ? 'Client' : 'Server';
  return code === 'client' ? 'Sender' : 'Receiver';
}

function defaultStatus(version: SoapVersion, code: FaultCode): number {
  return version === '1.2' && code === 'client' ? 400 : 500;
}

function elementOf(qname: string, node: unknown, parentScope: ReadonlyMap<string, string>): XmlElement {
  let scope = parentScope;
  if (typeof node === 'object' && node !== null) {
    const attributes = Object.entries(node as Record<string, unknown>);
    const declared = attributes.filter(([k]) => k === '@_xmlns' || k.startsWith('@_xmlns:'));
    if (declared.length > 0) {
      const own = new Map(parentScope);
      for (const [k, v] of declared) own.set(k === '@_xmlns' ? '' : k.slice('@_xmlns:'.length), String(v));
      scope = own;
    }
  }
  const { prefix, local } = splitName(qname);
  return { localName: local, ns: scope.get(prefix), node, scope };
}

function splitName(qname: string): { prefix: string; local: string } {
  const colon = qname.indexOf(':');
  return colon < 0 ? { prefix: '', local: qname } : { prefix: qname.slice(0, colon), local: qname.slice(colon + 1) };
}

function unquote(value: string): string {
  const v = value.trim();
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}
