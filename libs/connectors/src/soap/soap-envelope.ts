import { InputError } from '@junction/core';
import type { XmlCodec, XmlDecodeOptions } from '@junction/transform';
import {
  ROOT_SCOPE,
  type NsScope,
  type XmlName,
  attributeValue,
  elementName,
  hasCharacterData,
  resolvedChildren,
  rootOf,
  scopeOf,
  standalone,
  textOf,
} from './xml-namespaces';

/** The SOAP versions the bus speaks. */
export type SoapVersion = '1.1' | '1.2';

/** Namespace of the SOAP 1.1 Envelope. */
export const SOAP11_ENVELOPE_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
/** Namespace of the SOAP 1.2 Envelope. */
export const SOAP12_ENVELOPE_NS = 'http://www.w3.org/2003/05/soap-envelope';
/** Media type of SOAP 1.1 messages over HTTP. */
export const SOAP11_MEDIA_TYPE = 'text/xml';
/** Media type of SOAP 1.2 messages over HTTP. */
export const SOAP12_MEDIA_TYPE = 'application/soap+xml';

/** The Envelope namespace of a version. */
export function envelopeNamespace(version: SoapVersion): string {
  return version === '1.1' ? SOAP11_ENVELOPE_NS : SOAP12_ENVELOPE_NS;
}

/** The version whose Envelope lives in `ns`, if any. */
export function versionOfNamespace(ns: string): SoapVersion | undefined {
  return ns === SOAP11_ENVELOPE_NS ? '1.1' : ns === SOAP12_ENVELOPE_NS ? '1.2' : undefined;
}

/**
 * The SOAP action as sent in a SOAP 1.1 `SOAPAction` header: surrounding whitespace and one pair of double quotes
 * removed. An absent header and the empty action (`""`, which means "the request URI says it") give undefined.
 */
export function unquoteSoapAction(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  let action = header.trim();
  if (action.length >= 2 && action.startsWith('"') && action.endsWith('"')) action = action.slice(1, -1).trim();
  return action === '' ? undefined : action;
}

/**
 * The SOAP version of a request from its Content-Type: `text/xml` is SOAP 1.1 (its action then comes from the
 * `SOAPAction` header, passed as `soapActionHeader` and unquoted here), `application/soap+xml` is SOAP 1.2 with the
 * action from the media type's `action` parameter. Anything else (including a missing header) gives undefined: the
 * caller answers 415. Parameters are read per RFC 9110 (case-insensitive names, quoted strings with escapes).
 */
export function versionFromContentType(
  contentType: string | undefined,
  soapActionHeader?: string,
): { version: SoapVersion; action?: string } | undefined {
  if (!contentType) return undefined;
  const { mediaType, params } = parseMediaType(contentType);
  if (mediaType === SOAP11_MEDIA_TYPE) {
    const action = unquoteSoapAction(soapActionHeader);
    return action === undefined ? { version: '1.1' } : { version: '1.1', action };
  }
  if (mediaType === SOAP12_MEDIA_TYPE) {
    const action = params.get('action')?.trim();
    return action ? { version: '1.2', action } : { version: '1.2' };
  }
  return undefined;
}

function parseMediaType(value: string): { mediaType: string; params: Map<string, string> } {
  const semi = value.indexOf(';');
  const mediaType = (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase();
  const params = new Map<string, string>();
  const re = /;\s*([!#$%&'*+.^_`|~\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/g;
  const rest = semi === -1 ? '' : value.slice(semi);
  for (let m = re.exec(rest); m !== null; m = re.exec(rest)) {
    const name = m[1].toLowerCase();
    if (!params.has(name)) params.set(name, m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]);
  }
  return { mediaType, params };
}

/**
 * The Content-Type (and for SOAP 1.1 the SOAPAction header) of a SOAP request of this version, for delivery.
 * Header names are lower-case.
 */
export function soapRequestHeaders(version: SoapVersion, action?: string): Record<string, string> {
  if (version === '1.1') return { 'content-type': `${SOAP11_MEDIA_TYPE}; charset=utf-8`, soapaction: `"${action ?? ''}"` };
  const param = action ? `; action="${action.replace(/["\\]/g, '\\$&')}"` : '';
  return { 'content-type': `${SOAP12_MEDIA_TYPE}; charset=utf-8${param}` };
}

/** One SOAP header block (a child of the Header). */
export interface SoapHeaderBlock extends XmlName {
  /** The qualified name as written. */
  readonly qname: string;
  /** `mustUnderstand` set (`1` or `true`) in the Envelope's namespace. */
  readonly mustUnderstand: boolean;
  /**
   * Whom the block is for, when it says: the 1.1 `actor` or the 1.2 `role` attribute (in the Envelope's namespace),
   * trimmed. Absent means the ultimate receiver (see soap-must-understand.ts for which roles the bus plays).
   */
  readonly role?: string;
  /** The character content, when the block holds text only. */
  readonly text?: string;
  /**
   * The block's value in the Junction XML convention, carrying every namespace declaration in scope as its own
   * `@xmlns` attributes (so prefixes inside resolve without the Envelope).
   */
  readonly value: unknown;
}

/** The Body's element (the operation's request or response). */
export interface SoapPayload extends XmlName {
  /** The element as a standalone XML document (no declaration) with every namespace declaration in scope. */
  readonly xml: string;
}

/** A parsed SOAP Envelope. */
export interface ParsedEnvelope {
  /** From the Envelope's namespace (not from the Content-Type; the ingress compares the two). */
  readonly version: SoapVersion;
  readonly headers: readonly SoapHeaderBlock[];
  /** Absent when the Body is empty. */
  readonly payload?: SoapPayload;
}

/** The Body's element as readEnvelope found it: its name as written and resolved, its value, the scopes around and in it. */
export interface EnvelopeBody {
  readonly qname: string;
  readonly name: XmlName;
  readonly value: unknown;
  readonly outer: NsScope;
  readonly scope: NsScope;
}

/** An Envelope read down to its Body element, for the parsers of this folder. */
export interface EnvelopeTree {
  readonly version: SoapVersion;
  readonly headers: readonly SoapHeaderBlock[];
  readonly body?: EnvelopeBody;
}

function refuse(code: string, message: string): InputError {
  return new InputError(code, `Invalid SOAP message: ${message}`, 400);
}

/**
 * Reads a SOAP Envelope through the hardened codec (so DOCTYPE, depth, size and attribute limits apply and
 * malformed XML is refused with the codec's InputError), resolving names by namespace, never by prefix.
 * Throws InputError (400): `SOAP_NOT_ENVELOPE` (the root is not an Envelope), `SOAP_VERSION_UNKNOWN` (an Envelope
 * in neither SOAP namespace: a VersionMismatch Fault, see soap-fault.ts), `SOAP_NO_BODY`, `SOAP_BAD_ENVELOPE` (text in the Envelope, two Headers, a Header after
 * the Body, or any other element beside them: WS-I BP R1011), `SOAP_BAD_BODY` (text in the Body, or more than one
 * element in it), `XML_MALFORMED` for an undeclared prefix. `options.charset`: the request's, checked against the bytes.
 */
export function readEnvelope(bytes: Buffer | string, codec: XmlCodec, options?: XmlDecodeOptions): EnvelopeTree {
  const root = rootOf(codec.parse(bytes, options));
  const scope = scopeOf(root.value, ROOT_SCOPE);
  const name = elementName(root.qname, scope);
  if (name.localName !== 'Envelope') {
    throw refuse('SOAP_NOT_ENVELOPE', `the root element is {${name.ns}}${name.localName}, not a SOAP Envelope`);
  }
  const version = versionOfNamespace(name.ns);
  if (!version) throw refuse('SOAP_VERSION_UNKNOWN', `the Envelope namespace '${name.ns}' is neither SOAP 1.1 nor SOAP 1.2`);
  const envNs = name.ns;
  if (hasCharacterData(root.value)) throw refuse('SOAP_BAD_ENVELOPE', 'the Envelope holds text');
  let header: ReturnType<typeof resolvedChildren>[number] | undefined;
  let body: ReturnType<typeof resolvedChildren>[number] | undefined;
  for (const child of resolvedChildren(root.value, scope)) {
    const isEnv = child.name.ns === envNs;
    if (isEnv && child.name.localName === 'Header' && !header && !body) header = child;
    else if (isEnv && child.name.localName === 'Body' && !body) body = child;
    else throw refuse('SOAP_BAD_ENVELOPE', `unexpected element ${child.qname} in the Envelope`);
  }
  if (!body) throw refuse('SOAP_NO_BODY', 'the Envelope has no Body');
  const headers = header ? readHeaders(header.value, header.scope, envNs) : [];
  if (hasCharacterData(body.value)) throw refuse('SOAP_BAD_BODY', 'the Body holds text');
  const children = resolvedChildren(body.value, body.scope);
  if (children.length > 1) throw refuse('SOAP_BAD_BODY', `the Body holds ${children.length} elements; one is expected`);
  const first = children[0];
  if (!first) return { version, headers };
  return { version, headers, body: { qname: first.qname, name: first.name, value: first.value, outer: body.scope, scope: first.scope } };
}

function readHeaders(value: unknown, scope: NsScope, envNs: string): SoapHeaderBlock[] {
  if (hasCharacterData(value)) throw refuse('SOAP_BAD_ENVELOPE', 'the Header holds text');
  return resolvedChildren(value, scope).map((child) => {
    const mu = attributeValue(child.value, child.scope, envNs, 'mustUnderstand')?.trim();
    const role = attributeValue(child.value, child.scope, envNs, envNs === SOAP11_ENVELOPE_NS ? 'actor' : 'role')?.trim();
    const text = textOf(child.value);
    const block: SoapHeaderBlock = {
      ns: child.name.ns,
      localName: child.name.localName,
      qname: child.qname,
      mustUnderstand: mu === '1' || mu === 'true',
      ...(role === undefined ? {} : { role }),
      value: standalone(child.qname, child.value, scope)[child.qname],
    };
    return text === undefined ? block : { ...block, text };
  });
}

/**
 * Parses a SOAP request or response (see readEnvelope for what is refused): its version, its header blocks and its
 * Body element as a standalone document, ready to become a message body.
 */
export function parseEnvelope(bytes: Buffer | string, codec: XmlCodec): ParsedEnvelope {
  const tree = readEnvelope(bytes, codec);
  if (!tree.body) return { version: tree.version, headers: tree.headers };
  const { qname, name, value, outer } = tree.body;
  const xml = codec.build(standalone(qname, value, outer), { declaration: false });
  return { version: tree.version, headers: tree.headers, payload: { ns: name.ns, localName: name.localName, xml } };
}

const DECLARATION = /^\s*<\?xml[^>]*\?>\s*/;

/**
 * Writes an Envelope (prefix `soap` for 1.1, `env` for 1.2) around one payload element and optional header blocks.
 * `payloadXml` must be a single element, declaring the namespaces it uses (an XML declaration at its start is
 * dropped); an empty string gives an empty Body. Header blocks are written as given, in order. The result starts
 * with an XML declaration and is UTF-8 text.
 */
export function buildEnvelope(version: SoapVersion, payloadXml: string, headerXml: readonly string[] = []): string {
  const p = version === '1.1' ? 'soap' : 'env';
  const headers = headerXml.length > 0 ? `<${p}:Header>${headerXml.map(stripDeclaration).join('')}</${p}:Header>` : '';
  const payload = stripDeclaration(payloadXml);
  const body = payload === '' ? `<${p}:Body/>` : `<${p}:Body>${payload}</${p}:Body>`;
  return `<?xml version="1.0" encoding="utf-8"?><${p}:Envelope xmlns:${p}="${envelopeNamespace(version)}">${headers}${body}</${p}:Envelope>`;
}

function stripDeclaration(xml: string): string {
  const text = xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml;
  return text.replace(DECLARATION, '').trim();
}
