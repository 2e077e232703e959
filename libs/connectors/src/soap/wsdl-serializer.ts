import { BusError, ConfigError } from '@junction/core';
import { type XmlCodec, createXmlCodec } from '@junction/transform';
import type { WsdlCatalog, WsdlOperation } from './wsdl-catalog';
import { ROOT_SCOPE, type XmlName, assertNamespaces, elementName, rootOf, scopeOf } from './xml-namespaces';

/**
 * Writes a plain JSON value (a REST target's reply, a mapping's result) as the response element the WSDL declares
 * for `operation`, through the `soap` package's schema-driven writer: namespaces and prefixes from the schema,
 * child elements in the schema's order (sequences, extensions, groups), arrays as repeated elements.
 * - `value` is the element's content (`{OrderId, Status}`); `{"PlaceOrderResponse": {...}}`, an object whose only
 *   key is the element's local name, is unwrapped first.
 * - `null` and `undefined` members are left out (a JSON null means absent; soap would write an undeclared
 *   `xsi:nil`). Keys starting with `$` and `_xml` are dropped: soap gives them meanings (raw XML, attributes) that
 *   an untrusted value must not reach. Strings soap would pass through as CDATA are written as proper CDATA.
 * - Keys the schema does not declare are written after the declared ones, as soap does; shape the value with a
 *   mapping to keep the response schema-valid. Values are not validated against the schema's types. The XML
 *   convention's `@attr` / `#text` keys are not understood (they are not element names and are refused below):
 *   an XML reply is already XML.
 * The result is one element with its namespace declarations, no XML declaration. It is read back through the
 * codec: a key that is not an XML name, a value XML cannot carry, or a root other than the declared element is
 * BusError `SOAP_OUTPUT_UNREPRESENTABLE` (not retriable; a Receiver/Server fault). A one-way operation, an rpc-style
 * operation or an element missing from the schemas is ConfigError.
 */
export function serializeOutput(catalog: WsdlCatalog, operation: WsdlOperation, value: unknown, codec?: XmlCodec): string {
  if (!operation.output) throw new ConfigError(`operation ${operation.name} is one-way: it has no output`);
  return serializeElement(catalog, operation, operation.output, value, codec ?? defaultCodec);
}

/** Writes `value` as the request element of `operation`, under the same rules as serializeOutput (for delivery). */
export function serializeInput(catalog: WsdlCatalog, operation: WsdlOperation, value: unknown, codec?: XmlCodec): string {
  return serializeElement(catalog, operation, operation.input, value, codec ?? defaultCodec);
}

const defaultCodec = createXmlCodec();

interface SchemaNode {
  name?: string;
  $type?: string;
  targetNSAlias?: string;
  children?: SchemaNode[];
  schemaXmlns?: Record<string, string>;
  xmlns?: Record<string, string>;
}

function serializeElement(catalog: WsdlCatalog, operation: WsdlOperation, element: XmlName, value: unknown, codec: XmlCodec): string {
  if (operation.style === 'rpc') throw new ConfigError(`operation ${operation.name} is rpc style: only document/literal is written`);
  const wsdl = catalog.wsdl;
  // Not findSchemaObject: it prefers a complex type of the same name over the element.
  const schema = wsdl.definitions.schemas?.[element.ns] as { elements?: Record<string, SchemaNode> } | undefined;
  const declared = schema?.elements && Object.hasOwn(schema.elements, element.localName) ? schema.elements[element.localName] : undefined;
  if (!declared) {
    throw new ConfigError(`operation ${operation.name}: element {${element.ns}}${element.localName} is not in the WSDL's schemas`);
  }
  const content = clean(unwrap(value, element.localName), 0);
  const prefix = declared.targetNSAlias && !IGNORED_PREFIXES.has(declared.targetNSAlias) ? declared.targetNSAlias : 'ns1';
  const xml = String(wsdl.objectToXML({ [element.localName]: content }, '', prefix, element.ns, true, null, typeOf(catalog, declared)));
  checkWritten(xml, element, codec);
  return xml;
}

// soap writes no prefix for these (its `ignoredNamespaces`), which would lose the namespace of an unqualified schema.
const IGNORED_PREFIXES = new Set(['tns', 'targetNamespace', 'typedNamespace']);

/** The type that orders the element's children: its anonymous type, else its named `type`. */
function typeOf(catalog: WsdlCatalog, element: SchemaNode): SchemaNode | undefined {
  const anonymous = element.children?.find((c) => c.name === 'complexType' || c.name === 'simpleType');
  if (anonymous) return anonymous;
  if (!element.$type) return undefined;
  const [prefix, local] = element.$type.includes(':') ? element.$type.split(':', 2) : ['', element.$type];
  const ns = element.schemaXmlns?.[prefix] ?? element.xmlns?.[prefix];
  return ns === undefined ? undefined : (catalog.wsdl.findSchemaType(local, ns) as SchemaNode | undefined);
}

function unwrap(value: unknown, localName: string): unknown {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === localName) return (value as Record<string, unknown>)[localName];
  }
  return value;
}

const MAX_DEPTH = 100;

function clean(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) throw unrepresentable(`the value is nested deeper than ${MAX_DEPTH} levels`);
  if (typeof value === 'string') {
    // soap copies a string that looks like a CDATA section verbatim: write it as a real one holding the text.
    return value.startsWith('<![CDATA[') && value.endsWith(']]>') ? `<![CDATA[${value.replace(/]]>/g, ']]]]><![CDATA[>')}]]>` : value;
  }
  if (Array.isArray(value)) return value.filter((v) => v !== null && v !== undefined).map((v) => clean(v, depth + 1));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === null || v === undefined || key.startsWith('$') || key === '_xml') continue;
    Object.defineProperty(out, key, { value: clean(v, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function checkWritten(xml: string, element: XmlName, codec: XmlCodec): void {
  try {
    const root = rootOf(codec.parse(xml));
    assertNamespaces(root.qname, root.value, ROOT_SCOPE);
    const name = elementName(root.qname, scopeOf(root.value, ROOT_SCOPE));
    if (name.ns !== element.ns || name.localName !== element.localName) {
      throw new Error(`the root is {${name.ns}}${name.localName}, not {${element.ns}}${element.localName}`);
    }
  } catch (err) {
    throw unrepresentable((err as Error).message, err);
  }
}

function unrepresentable(why: string, cause?: unknown): BusError {
  return new BusError('SOAP_OUTPUT_UNREPRESENTABLE', `the value cannot be written as the WSDL's element: ${why}`, { cause });
}
