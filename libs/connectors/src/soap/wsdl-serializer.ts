import { ConfigError } from '@junction/core';
import { writeXsdElement, writeXsdWrapper } from '@junction/transform';
import type { WsdlCatalog, WsdlOperation } from './wsdl-catalog';
import type { XmlName } from './xml-namespaces';
import { escapeXml } from './xml-escape';

/**
 * Writes a plain JSON value (a REST target's reply, a mapping's result) as the response the WSDL declares for
 * `operation`, through the schema-driven writer of @junction/transform (xsd-writer.ts) over the WSDL's schemas:
 * - document/literal: the output part's element. `@name` keys are attributes, `#text` the text of simple content;
 *   children in the schema's order at every depth (anonymous types included), namespaces and their qualified or
 *   unqualified forms from the schema, simple values in their type's lexical form, arrays as repeated elements,
 *   `null` absent (xsi:nil when nillable).
 * - rpc/literal: the wrapper `{soap:body namespace}<operation>Response` with one unqualified child per part, in the
 *   message's order; the value is an object keyed by part names.
 * `value` is the element's content; `{"OrderAck": {...}}`, an object whose only key is the element's local name, is
 * unwrapped first. A value that does not fit the schema (a missing required element or attribute, a key the schema
 * does not declare, a value not in its type's lexical space) is XsdWriteError `XML_SCHEMA_MISMATCH` naming the
 * path: not retriable, a Receiver/Server fault. A one-way operation or an element missing from the schemas is
 * ConfigError. The result is one element with its namespace declarations, no XML declaration.
 */
export function serializeOutput(catalog: WsdlCatalog, operation: WsdlOperation, value: unknown): string {
  if (!operation.output) throw new ConfigError(`operation ${operation.name} is one-way: it has no output`);
  return serialize(catalog, operation, operation.output, operation.outputParts, value);
}

/**
 * Writes `value` as the request of `operation` (for delivery), under the same rules as serializeOutput: the input
 * part's element, or for rpc/literal the wrapper `{soap:body namespace}<operation>` holding the parts. Errors
 * are raised before anything is sent.
 */
export function serializeInput(catalog: WsdlCatalog, operation: WsdlOperation, value: unknown): string {
  return serialize(catalog, operation, operation.input, operation.inputParts, value);
}

/**
 * The bare response element of `operation` (`<ns1:OrderAck xmlns:ns1="..."/>`), not checked against the schema:
 * what an async route without `ack` answers once the message is taken (it must not turn into a Fault then, or
 * the caller would send the message again).
 */
export function emptyOutput(operation: WsdlOperation): string {
  if (!operation.output) throw new ConfigError(`operation ${operation.name} is one-way: it has no output`);
  const { ns, localName } = operation.output;
  return ns ? `<ns1:${localName} xmlns:ns1="${escapeXml(ns)}"/>` : `<${localName}/>`;
}

function serialize(catalog: WsdlCatalog, operation: WsdlOperation, element: XmlName, parts: WsdlOperation['inputParts'], value: unknown): string {
  try {
    if (operation.style === 'rpc') return writeXsdWrapper(catalog.schemas, element, parts ?? [], value);
    return writeXsdElement(catalog.schemas, element, value);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`operation ${operation.name}: ${err.message}`, undefined, err);
    throw err;
  }
}
