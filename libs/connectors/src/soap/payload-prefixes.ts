import type { XmlCodec } from '@junction/transform';
import type { EnvelopeBody } from './soap-envelope';
import type { WsdlCatalog } from './wsdl-catalog';
import { attributeName, elementName, ROOT_SCOPE, scopeOf, standalone, type NsScope, type XmlName } from './xml-namespaces';

type XmlObject = Record<string, unknown>;

const isObject = (v: unknown): v is XmlObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The prefixes a WSDL's documents declare, by namespace: the names route authors see in the WSDL and its schemas.
 * Built once per loaded WSDL.
 */
export function declaredPrefixes(catalog: WsdlCatalog): Map<string, string> {
  const byNs = new Map<string, string>();
  const add = (decls: Record<string, string> | undefined) => {
    for (const [prefix, ns] of Object.entries(decls ?? {})) if (!prefix.startsWith('__') && !byNs.has(ns)) byNs.set(ns, prefix);
  };
  const definitions = catalog.wsdl.definitions as unknown as { xmlns?: Record<string, string>; schemas?: Record<string, { xmlns?: Record<string, string> }> };
  add(definitions.xmlns);
  for (const schema of Object.values(definitions.schemas ?? {})) add(schema.xmlns);
  return byNs;
}

/**
 * A SOAP payload with its namespace prefixes made canonical, so that routes name elements the same way whatever
 * prefixes a caller chose: the root's namespace is the default namespace (elements unprefixed:
 * `PlaceOrder.Order.CustomerId`), other namespaces take the prefix the WSDL declares for them (else `ns1`, `ns2`...),
 * all declared once on the root. Elements in no namespace (unqualified schemas) get `xmlns=""`. Names and values
 * are otherwise kept; the document means the same.
 */
export function canonicalPayload(xml: string, codec: XmlCodec, declared: ReadonlyMap<string, string>): string {
  const doc = canonicalDocument(codec.parse(xml), declared);
  return doc ? codec.build(doc) : xml;
}

/** A Body element read by readEnvelope made canonical: its document in the XML convention and that document's XML. */
export interface CanonicalBody {
  readonly doc: Record<string, unknown>;
  readonly xml: string;
}

/**
 * The Body element of an Envelope read by readEnvelope, made canonical as canonicalPayload does, on the tree already
 * built: the same XML as canonicalPayload over parseEnvelope's payload, without writing the element out and reading
 * it back. `doc` is the value `xml` was written from (for XmlCodec.reread); it shares strings and CDATA entries with
 * the tree and must not be changed. Throws what canonicalPayload throws (XML_MALFORMED for an undeclared prefix,
 * the codec's limits).
 */
export function canonicalBody(body: EnvelopeBody, codec: XmlCodec, declared: ReadonlyMap<string, string>): CanonicalBody {
  const element = standalone(body.qname, body.value, body.outer);
  // The element alone carries the declarations in scope as attributes of its own: when that is more than the codec
  // allows, reading it back is refused as before (this throws).
  if (attributeCount(element[body.qname]) > codec.limits.maxAttributes) codec.parse(codec.build(element, { declaration: false }));
  const doc = canonicalDocument(element, declared)!;
  return { doc, xml: codec.build(doc) };
}

function attributeCount(value: unknown): number {
  let n = 0;
  if (isObject(value)) for (const key of Object.keys(value)) if (key.charCodeAt(0) === 0x40) n++;
  return n;
}

/** canonicalPayload's work on a document already in the convention; undefined when it has no root element. */
function canonicalDocument(doc: Record<string, unknown>, declared: ReadonlyMap<string, string>): Record<string, unknown> | undefined {
  const rootKey = Object.keys(doc).find((k) => k !== '?xml');
  if (!rootKey) return undefined;
  const rootValue = doc[rootKey];
  const rootScope = scopeOf(rootValue, ROOT_SCOPE);
  const root = elementName(rootKey, rootScope);
  const prefixes = new Map<string, string>();
  const taken = new Set<string>(['xml', 'xmlns']);
  const prefixFor = (ns: string): string => {
    let p = prefixes.get(ns);
    if (p) return p;
    const wanted = declared.get(ns);
    p = wanted && !taken.has(wanted) ? wanted : undefined;
    for (let n = 1; !p; n++) if (!taken.has(`ns${n}`)) p = `ns${n}`;
    prefixes.set(ns, p);
    taken.add(p);
    return p;
  };

  /** The canonical key of an element, given the default namespace where it stands (no namespace: see walk). */
  const elementKey = (name: XmlName, defaultNs: string): string =>
    name.ns === defaultNs || name.ns === '' ? name.localName : `${prefixFor(name.ns)}:${name.localName}`;

  /** The canonical key and value of a child element standing in `scope` (its parent's inside) under `defaultNs`. */
  const child = (qname: string, value: unknown, scope: NsScope, defaultNs: string): [string, unknown] => {
    // The child's own scope, worked out once: its name is resolved in it and its content walked in it.
    const inner = scopeOf(value, scope);
    const name = elementName(qname, inner);
    return [elementKey(name, defaultNs), walk(value, inner, defaultNs, name)];
  };

  /** An element's value made canonical; `inner` is the scope inside the element. */
  const walk = (value: unknown, inner: NsScope, defaultNs: string, name: XmlName): unknown => {
    // An element in no namespace under a namespaced default must undeclare the default.
    const ownDefault = name.ns === '' ? '' : defaultNs;
    const undeclare = name.ns === '' && defaultNs !== '';
    if (!isObject(value)) return undeclare ? { '@xmlns': '', ...(value === '' ? {} : { '#text': value }) } : value;
    const out: XmlObject = undeclare ? { '@xmlns': '' } : {};
    for (const key of Object.keys(value)) {
      const v = value[key];
      const first = key.charCodeAt(0);
      if (first === 0x40 /* @ */) {
        if (key === '@xmlns' || key.startsWith('@xmlns:')) continue;
        const a = attributeName(key.slice(1), inner);
        out[a.ns === '' ? key : `@${prefixFor(a.ns)}:${a.localName}`] = v;
      } else if (key === '#mixed' && Array.isArray(v)) {
        out[key] = v.map((entry) => {
          if (!isObject(entry) || '#cdata' in entry) return entry;
          const qname = Object.keys(entry)[0];
          const [k, w] = child(qname, entry[qname], inner, ownDefault);
          return { [k]: w };
        });
      } else if (first === 0x23 /* # */) {
        out[key] = v;
      } else if (Array.isArray(v)) {
        let canonicalKey: string | undefined;
        const items = new Array<unknown>(v.length);
        for (let i = 0; i < v.length; i++) {
          const [k, w] = child(key, v[i], inner, ownDefault);
          canonicalKey ??= k;
          items[i] = w;
        }
        out[canonicalKey ?? key] = items;
      } else {
        const [k, w] = child(key, v, inner, ownDefault);
        out[k] = w;
      }
    }
    return out;
  };

  const body = walk(rootValue, rootScope, root.ns, root);
  const decls: XmlObject = root.ns ? { '@xmlns': root.ns } : {};
  // Walked first so that every prefix in use is known before the root's declarations are written.
  for (const [ns, p] of prefixes) decls[`@xmlns:${p}`] = ns;
  const rootOut = isObject(body) ? { ...decls, ...body } : Object.keys(decls).length ? { ...decls, '#text': body } : body;
  return { [root.localName]: rootOut };
}
