import { ConfigError, InputError } from '@junction/core';
import type { SoapHeaderBlock, SoapVersion } from './soap-envelope';
import type { SoapFaultShape } from './soap-fault';
import { TRACE_NS } from './trace-header';
import { WSSE_NS } from './ws-security';
import type { XmlName } from './xml-namespaces';

/**
 * The SOAP processing model for the header blocks of a request (SOAP 1.1 section 4.2, SOAP 1.2 part 1 section 2):
 * before anything else, a node checks every block targeted at it that carries `mustUnderstand`; if it does not
 * understand one, it processes nothing and answers a MustUnderstand Fault.
 *
 * The bus is the ultimate receiver of the services it publishes. A block is targeted at it when it names no
 * actor/role, or names `next` (both versions) or `ultimateReceiver` (1.2); a block for any other actor/role, or for
 * the 1.2 `none` role, is not the bus's to process and is ignored whatever its mustUnderstand says.
 */

const SOAP11_NEXT = 'http://schemas.xmlsoap.org/soap/actor/next';
const SOAP12_ROLE = 'http://www.w3.org/2003/05/soap-envelope/role/';
const SOAP12_OWN_ROLES = new Set([`${SOAP12_ROLE}next`, `${SOAP12_ROLE}ultimateReceiver`]);

/** Whether the bus, as the ultimate receiver, is the node a block is targeted at. */
export function targetsBus(block: Pick<SoapHeaderBlock, 'role'>, version: SoapVersion): boolean {
  // An empty actor/role attribute is read as its absence, as common stacks do.
  if (block.role === undefined || block.role === '') return true;
  return version === '1.1' ? block.role === SOAP11_NEXT : SOAP12_OWN_ROLES.has(block.role);
}

/** The header blocks a service understands: names in Clark notation (`{urn:x}Session`) or whole namespaces (`{urn:x}*`). */
export class UnderstoodBlocks {
  private readonly names = new Set<string>();
  private readonly namespaces = new Set<string>();

  /**
   * `declared`: the route's `understands` entries; `security`: whether the route verifies WS-Security (then
   * `wsse:Security` is understood). The bus's own trace blocks (trace-header.ts) are always understood: it reads them.
   * An entry not in Clark notation is ConfigError (the route schema refuses it first).
   */
  constructor(declared: readonly string[] = [], security = false) {
    this.namespaces.add(TRACE_NS);
    if (security) this.names.add(clark({ ns: WSSE_NS, localName: 'Security' }));
    for (const entry of declared) {
      const m = CLARK.exec(entry);
      if (!m) throw new ConfigError(`understands: "${entry}" is not a {namespace}name or {namespace}*`);
      if (m[2] === '*') this.namespaces.add(m[1]);
      else this.names.add(entry);
    }
  }

  has(name: XmlName): boolean {
    return this.namespaces.has(name.ns) || this.names.has(clark(name));
  }
}

/** `{namespace}localName` or `{namespace}*`; the namespace may be empty (an unqualified block). */
export const CLARK = /^\{([^{}\s]*)\}([A-Za-z_][\w.\-]*|\*)$/;

function clark(name: XmlName): string {
  return `{${name.ns}}${name.localName}`;
}

/**
 * A request carries mandatory header blocks targeted at the bus that it does not understand. Answered as a
 * MustUnderstand Fault (1.1 `soap:MustUnderstand`; 1.2 `env:MustUnderstand` with one `env:NotUnderstood` header block
 * per block), HTTP 500 in both versions (SOAP 1.2 part 2, table 17). Never retriable: the request as sent cannot be
 * processed here.
 */
export class MustUnderstandError extends InputError implements SoapFaultShape {
  readonly soapFault: SoapFaultShape['soapFault'];

  constructor(readonly notUnderstood: readonly XmlName[]) {
    const names = notUnderstood.map(clark).join(', ');
    super('SOAP_MUST_UNDERSTAND', `header block${notUnderstood.length > 1 ? 's' : ''} ${names} must be understood, and the service does not understand ${notUnderstood.length > 1 ? 'them' : 'it'}`, 500);
    this.soapFault = { code: 'MustUnderstand', notUnderstood };
  }
}

/**
 * Throws MustUnderstandError naming every mandatory block targeted at the bus that `understood` does not cover
 * (each name once); returns quietly otherwise.
 */
export function checkMustUnderstand(blocks: readonly SoapHeaderBlock[], version: SoapVersion, understood: UnderstoodBlocks): void {
  const missing = new Map<string, XmlName>();
  for (const block of blocks) {
    if (!block.mustUnderstand || !targetsBus(block, version) || understood.has(block)) continue;
    missing.set(clark(block), { ns: block.ns, localName: block.localName });
  }
  if (missing.size > 0) throw new MustUnderstandError([...missing.values()]);
}
