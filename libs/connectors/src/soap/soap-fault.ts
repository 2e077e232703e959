import { BusError, DeliveryError, InputError, StepError, StoreError, ValidationError } from '@junction/core';
import type { XmlCodec } from '@junction/transform';
import {
  type SoapVersion,
  SOAP11_ENVELOPE_NS,
  SOAP11_MEDIA_TYPE,
  SOAP12_ENVELOPE_NS,
  SOAP12_MEDIA_TYPE,
  envelopeNamespace,
  readEnvelope,
} from './soap-envelope';
import { escapeXml } from './xml-escape';
import { type NsScope, type XmlName, XML_NS, attributeValue, childElements, resolvedChildren, standalone, textOf } from './xml-namespaces';

/** Namespace of the Junction elements in a Fault's detail and of SOAP 1.2 Subcode values. */
export const JUNCTION_FAULT_NS = 'urn:junction:fault';

/** What a Fault says, before it is written for a SOAP version. */
export interface FaultSpec {
  /** `client`: the request is at fault (1.1 `Client`, 1.2 `Sender`); `server`: the bus or a target is. */
  readonly side: 'client' | 'server';
  /** The bus's error code: a SOAP 1.2 Subcode (`j:<code>`) and `j:code` in the detail. */
  readonly code: string;
  /** Human-readable reason: 1.1 `faultstring`, 1.2 `Reason/Text`. */
  readonly reason: string;
  readonly messageId?: string;
  /** Individual problems (e.g. schema violations), as `j:error` entries in the detail. */
  readonly errors?: readonly string[];
  /** A SOAP fault code other than Client/Sender and Server/Receiver, with what goes with it (see SoapFaultShape). */
  readonly soap?: SoapFaultShape['soapFault'];
  /** The HTTP status, when the transport refused the request before SOAP did (413, 415); else the SOAP binding's. */
  readonly status?: number;
}

/**
 * An error that says more about its Fault than the side it falls on: a standard SOAP code (`MustUnderstand`, which
 * in 1.2 lists the blocks as `env:NotUnderstood` header blocks) or a standard 1.2 Subcode written before the bus's own
 * (WS-Addressing's `wsa:ActionNotSupported`). faultFor reads it from any BusError that carries it.
 */
export interface SoapFaultShape {
  readonly soapFault: {
    readonly code?: 'MustUnderstand' | 'VersionMismatch';
    readonly notUnderstood?: readonly XmlName[];
    /** 1.2 only: a Subcode of a standard vocabulary, `prefix` bound to `ns` on the Fault. */
    readonly subcode?: XmlName & { readonly prefix: string };
  };
}

/**
 * Bus codes whose Fault is a standard one, for errors that cannot carry a SoapFaultShape (those raised while a large
 * envelope is read on a worker thread come back as plain InputErrors).
 */
const STANDARD_FAULTS: Readonly<Record<string, SoapFaultShape['soapFault']>> = {
  SOAP_VERSION_UNKNOWN: { code: 'VersionMismatch' },
};

function faultShapeOf(err: BusError): SoapFaultShape['soapFault'] | undefined {
  const shape = (err as Partial<SoapFaultShape>).soapFault;
  if (typeof shape === 'object' && shape !== null) return shape;
  return Object.hasOwn(STANDARD_FAULTS, err.code) ? STANDARD_FAULTS[err.code] : undefined;
}

/** The Envelopes the bus takes, as a 1.2 VersionMismatch Fault's `env:Upgrade` header lists them (1.2 first). */
const UPGRADE =
  `<env:Upgrade><env:SupportedEnvelope xmlns:u1="${SOAP12_ENVELOPE_NS}" qname="u1:Envelope"/>` +
  `<env:SupportedEnvelope xmlns:u2="${SOAP11_ENVELOPE_NS}" qname="u2:Envelope"/></env:Upgrade>`;

/** A Fault ready to send over HTTP. */
export interface BuiltFault {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/**
 * Writes a Fault Envelope.
 * - SOAP 1.1: `faultcode` `soap:Client` or `soap:Server` (`soap:MustUnderstand`, `soap:VersionMismatch` when
 *   `soap.code` says so),
 *   `faultstring`, and a `detail` holding `j:code`, `j:messageId` and `j:error` entries; HTTP 500 (SOAP 1.1 HTTP
 *   binding, WS-I BP R1126); `text/xml`.
 * - SOAP 1.2: `Code/Value` `env:Sender` or `env:Receiver` (or `env:MustUnderstand`, `env:VersionMismatch`), then the
 *   standard Subcode when given, then Subcode `j:<code>`; `Reason/Text` with `xml:lang="en"`, a `Detail` with
 *   `j:code`, `j:messageId` and `j:error` entries; for MustUnderstand an `env:NotUnderstood` header block per block
 *   not understood, for VersionMismatch an `env:Upgrade` header block listing both Envelopes; HTTP 400
 *   for Sender and 500 otherwise (SOAP 1.2 part 2, 7.5.1, table 17); `application/soap+xml`.
 * `status`, when given, replaces the HTTP status (a transport refusal keeps its own: 413, 415).
 * Every text is escaped. The code is reduced to a valid QName local part for the Subcode.
 */
export function buildFault(version: SoapVersion, f: FaultSpec): BuiltFault {
  const detail =
    `<j:code>${escapeXml(f.code)}</j:code>` +
    (f.messageId ? `<j:messageId>${escapeXml(f.messageId)}</j:messageId>` : '') +
    (f.errors ?? []).map((e) => `<j:error>${escapeXml(e)}</j:error>`).join('');
  const ns = envelopeNamespace(version);
  const standard = f.soap?.code;
  const mustUnderstand = standard === 'MustUnderstand';
  if (version === '1.1') {
    const code = standard ?? (f.side === 'client' ? 'Client' : 'Server');
    const fault =
      `<soap:Fault><faultcode>soap:${code}</faultcode>` +
      `<faultstring>${escapeXml(f.reason)}</faultstring>` +
      `<detail xmlns:j="${JUNCTION_FAULT_NS}">${detail}</detail></soap:Fault>`;
    return {
      status: f.status ?? 500,
      contentType: `${SOAP11_MEDIA_TYPE}; charset=utf-8`,
      body: `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${ns}"><soap:Body>${fault}</soap:Body></soap:Envelope>`,
    };
  }
  const code = standard ?? (f.side === 'client' ? 'Sender' : 'Receiver');
  const own = `<env:Subcode><env:Value>j:${ncName(f.code)}</env:Value></env:Subcode>`;
  const std = f.soap?.subcode;
  const subcodes = std
    ? `<env:Subcode><env:Value xmlns:${std.prefix}="${escapeXml(std.ns)}">${std.prefix}:${std.localName}</env:Value>${own}</env:Subcode>`
    : own;
  const fault =
    `<env:Fault xmlns:j="${JUNCTION_FAULT_NS}"><env:Code><env:Value>env:${code}</env:Value>${subcodes}</env:Code>` +
    `<env:Reason><env:Text xml:lang="en">${escapeXml(f.reason)}</env:Text></env:Reason>` +
    `<env:Detail>${detail}</env:Detail></env:Fault>`;
  const notUnderstood = mustUnderstand ? (f.soap?.notUnderstood ?? []) : [];
  const blocks =
    standard === 'VersionMismatch'
      ? UPGRADE
      : notUnderstood
          .map((n, i) => (n.ns === '' ? `<env:NotUnderstood qname="${n.localName}"/>` : `<env:NotUnderstood xmlns:n${i}="${escapeXml(n.ns)}" qname="n${i}:${n.localName}"/>`))
          .join('');
  const header = blocks === '' ? '' : `<env:Header>${blocks}</env:Header>`;
  return {
    status: f.status ?? (code === 'Sender' ? 400 : 500),
    contentType: `${SOAP12_MEDIA_TYPE}; charset=utf-8`,
    body: `<?xml version="1.0" encoding="utf-8"?><env:Envelope xmlns:env="${ns}">${header}<env:Body>${fault}</env:Body></env:Envelope>`,
  };
}

const GENERIC_REASON = 'internal error; quote the message id to support';

/**
 * The Fault for an error the bus raised while serving a SOAP caller: the one place where the error tree meets SOAP.
 * - Client side (the caller can fix the request; retrying it unchanged fails again): InputError (security errors
 *   included, which extend it), ValidationError (with its violations), StepError. The reason is the error's message.
 * - Server side: everything else. A DeliveryError or StoreError gets a fixed reason, because their messages name
 *   internal targets (URLs) and the store; its code and the message id still identify it for support. Other
 *   BusErrors keep their message, except `INTERNAL` ones; anything that is not a BusError is INTERNAL. No reason ever
 *   carries a stack trace.
 * `messageId` defaults to the error's own.
 */
export function faultFor(err: unknown, version: SoapVersion, messageId?: string): BuiltFault {
  const id = messageId ?? (err instanceof BusError ? err.messageId : undefined);
  const base = id === undefined ? {} : { messageId: id };
  if (!(err instanceof BusError) || err.code === 'INTERNAL') {
    return buildFault(version, { ...base, side: 'server', code: 'INTERNAL', reason: GENERIC_REASON });
  }
  if (err instanceof ValidationError) {
    return buildFault(version, { ...base, side: 'client', code: err.code, reason: err.message, errors: err.errors });
  }
  if (err instanceof InputError || err instanceof StepError) {
    const soap = faultShapeOf(err);
    return buildFault(version, { ...base, side: 'client', code: err.code, reason: err.message, ...(soap ? { soap } : {}) });
  }
  let reason = err.message;
  if (err instanceof DeliveryError) {
    reason = /TIMEOUT|ABORT/i.test(err.code) ? 'the target system did not answer in time' : 'delivery to the target system failed';
  } else if (err instanceof StoreError) {
    reason = 'the bus cannot take the message now; try again later';
  }
  return buildFault(version, { ...base, side: 'server', code: err.code, reason });
}

/** A Fault read from a SOAP response. */
export interface ParsedFault {
  readonly version: SoapVersion;
  /**
   * `client` when the request is at fault and sending it again unchanged cannot help: 1.1 `Client` (and dotted forms
   * such as `Client.Authentication`), 1.2 `Sender`, and in both versions `VersionMismatch`, `MustUnderstand` and
   * 1.2 `DataEncodingUnknown`. `server` for 1.1 `Server`, 1.2 `Receiver` and any code the SOAP specs do not define.
   */
  readonly side: 'client' | 'server';
  /** The 1.1 `faultcode` or the 1.2 `Code/Value`, as written (prefix included). */
  readonly code: string;
  /** The 1.2 first `Subcode/Value` as written; for 1.1, what follows the first dot of a dotted code. */
  readonly subcode?: string;
  /** 1.1 `faultstring`; 1.2 the English `Reason/Text` (else the first). */
  readonly reason: string;
  /** The detail's text when it holds only text, else the detail element as a standalone XML document. */
  readonly detail?: string;
}

const CLIENT_CODES = new Set(['Client', 'Sender', 'VersionMismatch', 'MustUnderstand', 'DataEncodingUnknown']);

/**
 * Recognises a Fault in the Body of a SOAP 1.1 or 1.2 response, whatever the HTTP status was (services that answer
 * Faults with 200 exist). Returns undefined when the bytes are not a SOAP Envelope (an HTML error page, say) or its
 * Body holds something else. A 1.1 Envelope holding a 1.2-shaped Fault (`Code/Value`, as the `soap` package's server
 * writes for authentication failures) is read too. Parsing uses the hardened codec.
 */
export function parseFault(bytes: Buffer | string, codec: XmlCodec): ParsedFault | undefined {
  try {
    return readFault(bytes, codec);
  } catch (err) {
    // Not an envelope, or not namespace-well-formed inside the Fault: not a Fault we can report on.
    if (err instanceof InputError) return undefined;
    throw err;
  }
}

function readFault(bytes: Buffer | string, codec: XmlCodec): ParsedFault | undefined {
  const tree = readEnvelope(bytes, codec);
  const body = tree.body;
  if (!body || body.name.ns !== envelopeNamespace(tree.version) || body.name.localName !== 'Fault') return undefined;
  const parts = new Map<string, { value: unknown; scope: NsScope; qname: string }>();
  // Fault children are matched by local name: 1.1 ones are unqualified, but some toolkits qualify them.
  for (const child of resolvedChildren(body.value, body.scope)) {
    if (!parts.has(child.name.localName)) parts.set(child.name.localName, child);
  }
  const faultcode = parts.get('faultcode');
  const codeElement = parts.get('Code');
  let code: string;
  let subcode: string | undefined;
  let reason: string;
  let detail: { qname: string; value: unknown; scope: NsScope } | undefined;
  if (faultcode || !codeElement) {
    code = (textOf(faultcode?.value) ?? '').trim();
    const dot = code.indexOf('.');
    subcode = dot === -1 ? undefined : code.slice(dot + 1);
    reason = (textOf(parts.get('faultstring')?.value) ?? '').trim();
    detail = parts.get('detail');
  } else {
    code = valueOf(codeElement.value);
    const sub = childNamed(codeElement.value, 'Subcode');
    subcode = sub === undefined ? undefined : valueOf(sub) || undefined;
    reason = reasonText(parts.get('Reason'));
    detail = parts.get('Detail');
  }
  const local = code.slice(code.indexOf(':') + 1).split('.')[0];
  const fault: ParsedFault = { version: tree.version, side: CLIENT_CODES.has(local) ? 'client' : 'server', code, reason };
  const detailText = detail ? detailOf(detail, codec) : undefined;
  return { ...fault, ...(subcode ? { subcode } : {}), ...(detailText ? { detail: detailText } : {}) };
}

function childNamed(value: unknown, localName: string): unknown {
  return childElements(value).find((c) => c.qname === localName || c.qname.endsWith(`:${localName}`))?.value;
}

function valueOf(code: unknown): string {
  return (textOf(childNamed(code, 'Value')) ?? '').trim();
}

function reasonText(reason: { value: unknown; scope: NsScope } | undefined): string {
  if (!reason) return '';
  const texts = resolvedChildren(reason.value, reason.scope).filter((c) => c.name.localName === 'Text');
  const english = texts.find((t) => attributeValue(t.value, t.scope, XML_NS, 'lang')?.toLowerCase().startsWith('en'));
  return (textOf((english ?? texts[0])?.value) ?? '').trim();
}

function detailOf(detail: { qname: string; value: unknown; scope: NsScope }, codec: XmlCodec): string | undefined {
  const text = textOf(detail.value);
  if (text !== undefined) return text.trim() || undefined;
  return codec.build(standalone(detail.qname, detail.value, detail.scope), { declaration: false });
}

function ncName(code: string): string {
  const cleaned = code.replace(/[^\w.-]/g, '_');
  return /^[A-Za-z_]/.test(cleaned) ? cleaned : `_${cleaned}`;
}
