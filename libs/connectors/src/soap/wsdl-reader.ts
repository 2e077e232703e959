import { ConfigError } from '@junction/core';
import type { XmlCodec } from '@junction/transform';
import type { SoapVersion } from './soap-envelope';
import {
  ROOT_SCOPE,
  type NsScope,
  type XmlName,
  attributeValue,
  elementName,
  resolvedChildren,
  rootOf,
  scopeOf,
} from './xml-namespaces';

/**
 * Reads the binding layer of WSDL 1.1 documents (messages, port types, SOAP bindings, services) from their text,
 * namespace-aware. The `soap` package's model cannot be used for this layer: all bindings of one port type share
 * the same operation objects there, so the SOAP 1.2 binding's soapAction and style overwrite the SOAP 1.1 ones,
 * and the binding's SOAP version (the namespace of `soap:binding` / `soap12:binding`) is dropped. Schemas are read
 * by the XSD model reader of @junction/transform (see wsdl-catalog.ts). Internal to the SOAP connector.
 */

export const WSDL_NS = 'http://schemas.xmlsoap.org/wsdl/';
export const WSDL_SOAP11_NS = 'http://schemas.xmlsoap.org/wsdl/soap/';
export const WSDL_SOAP12_NS = 'http://schemas.xmlsoap.org/wsdl/soap12/';
export const XSD_NS = 'http://www.w3.org/2001/XMLSchema';

export type OperationStyle = 'document' | 'rpc';

export interface MessagePart {
  readonly name: string;
  readonly element?: XmlName;
  /** The part's type (rpc style parts). */
  readonly type?: XmlName;
}

export interface PortTypeOperation {
  readonly name: string;
  readonly input?: XmlName;
  readonly output?: XmlName;
}

export interface BindingOperation {
  readonly name: string;
  readonly soapAction?: string;
  readonly style?: OperationStyle;
  /** `soap:body/@namespace` of the input and output (the wrapper namespace of rpc operations). */
  readonly inputNamespace?: string;
  readonly outputNamespace?: string;
  /** `soap:body/@parts`: the parts that go in the Body, when not all of them. */
  readonly inputParts?: readonly string[];
  readonly outputParts?: readonly string[];
}

export interface SoapBinding {
  readonly name: XmlName;
  readonly portType: XmlName;
  readonly version: SoapVersion;
  readonly style: OperationStyle;
  readonly operations: readonly BindingOperation[];
}

export interface ServicePort {
  readonly name: string;
  readonly binding: XmlName;
  readonly address?: string;
}

/** The binding layer of a WSDL and its imported WSDLs; maps are keyed by `{ns}localName`. */
export interface WsdlModel {
  readonly messages: ReadonlyMap<string, readonly MessagePart[]>;
  readonly portTypes: ReadonlyMap<string, readonly PortTypeOperation[]>;
  /** SOAP 1.1 and 1.2 bindings only (HTTP GET/POST and MIME bindings are left out). */
  readonly bindings: ReadonlyMap<string, SoapBinding>;
  readonly services: ReadonlyArray<{ readonly name: string; readonly ports: readonly ServicePort[] }>;
}

/** The map key of an expanded name. */
export function keyOf(name: XmlName): string {
  return `{${name.ns}}${name.localName}`;
}

/**
 * Reads every document whose root is `wsdl:definitions` (others, such as schemas, are skipped) through the
 * hardened codec. Throws ConfigError naming the document for unreadable XML or an undeclared prefix.
 */
export function readWsdlModel(documents: ReadonlyArray<{ uri: string; text: string }>, codec: XmlCodec): WsdlModel {
  const model = { messages: new Map(), portTypes: new Map(), bindings: new Map(), services: [] } satisfies WsdlModel;
  for (const doc of documents) {
    try {
      readDocument(doc.text, codec, model);
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError(`WSDL ${doc.uri}: ${(err as Error).message}`, undefined, err);
    }
  }
  return model;
}

type Mutable = {
  messages: Map<string, readonly MessagePart[]>;
  portTypes: Map<string, readonly PortTypeOperation[]>;
  bindings: Map<string, SoapBinding>;
  services: Array<{ name: string; ports: ServicePort[] }>;
};

function readDocument(text: string, codec: XmlCodec, model: Mutable): void {
  const root = rootOf(codec.parse(text));
  const scope = scopeOf(root.value, ROOT_SCOPE);
  const rootName = elementName(root.qname, scope);
  if (rootName.ns !== WSDL_NS || rootName.localName !== 'definitions') return;
  const tns = attributeValue(root.value, scope, '', 'targetNamespace') ?? '';
  for (const child of resolvedChildren(root.value, scope)) {
    if (child.name.ns !== WSDL_NS) continue;
    const name = attributeValue(child.value, child.scope, '', 'name');
    if (name === undefined) continue;
    const key = keyOf({ ns: tns, localName: name });
    switch (child.name.localName) {
      case 'message':
        model.messages.set(key, readMessage(child.value, child.scope));
        break;
      case 'portType':
        model.portTypes.set(key, readPortType(child.value, child.scope));
        break;
      case 'binding': {
        const binding = readBinding({ ns: tns, localName: name }, child.value, child.scope);
        if (binding) model.bindings.set(key, binding);
        break;
      }
      case 'service':
        model.services.push({ name, ports: readPorts(child.value, child.scope) });
        break;
    }
  }
}

function readMessage(value: unknown, scope: NsScope): MessagePart[] {
  return wsdlChildren(value, scope, 'part').map((part) => {
    const element = qnameAttribute(part.value, part.scope, 'element');
    const type = qnameAttribute(part.value, part.scope, 'type');
    return { name: attributeValue(part.value, part.scope, '', 'name') ?? '', ...(element ? { element } : {}), ...(type ? { type } : {}) };
  });
}

function readPortType(value: unknown, scope: NsScope): PortTypeOperation[] {
  return wsdlChildren(value, scope, 'operation').map((op) => {
    const input = wsdlChildren(op.value, op.scope, 'input')[0];
    const output = wsdlChildren(op.value, op.scope, 'output')[0];
    const inputMessage = input && qnameAttribute(input.value, input.scope, 'message');
    const outputMessage = output && qnameAttribute(output.value, output.scope, 'message');
    return {
      name: attributeValue(op.value, op.scope, '', 'name') ?? '',
      ...(inputMessage ? { input: inputMessage } : {}),
      ...(outputMessage ? { output: outputMessage } : {}),
    };
  });
}

function readBinding(name: XmlName, value: unknown, scope: NsScope): SoapBinding | undefined {
  const children = resolvedChildren(value, scope);
  const soapBinding = children.find((c) => c.name.localName === 'binding' && soapVersionOf(c.name.ns) !== undefined);
  const portType = qnameAttribute(value, scope, 'type');
  if (!soapBinding || !portType) return undefined;
  const extNs = soapBinding.name.ns;
  const operations = children
    .filter((c) => c.name.ns === WSDL_NS && c.name.localName === 'operation')
    .map((op): BindingOperation => {
      const parts = resolvedChildren(op.value, op.scope);
      const soapOp = parts.find((c) => c.name.ns === extNs && c.name.localName === 'operation');
      const action = soapOp && attributeValue(soapOp.value, soapOp.scope, '', 'soapAction')?.trim();
      const style = soapOp && styleOf(attributeValue(soapOp.value, soapOp.scope, '', 'style'));
      const input = bodyOf(parts.find((c) => c.name.ns === WSDL_NS && c.name.localName === 'input'), extNs);
      const output = bodyOf(parts.find((c) => c.name.ns === WSDL_NS && c.name.localName === 'output'), extNs);
      return {
        name: attributeValue(op.value, op.scope, '', 'name') ?? '',
        ...(action ? { soapAction: action } : {}),
        ...(style ? { style } : {}),
        ...(input.namespace ? { inputNamespace: input.namespace } : {}),
        ...(output.namespace ? { outputNamespace: output.namespace } : {}),
        ...(input.parts ? { inputParts: input.parts } : {}),
        ...(output.parts ? { outputParts: output.parts } : {}),
      };
    });
  const style = styleOf(attributeValue(soapBinding.value, soapBinding.scope, '', 'style')) ?? 'document';
  return { name, portType, version: soapVersionOf(extNs)!, style, operations };
}

function bodyOf(io: { value: unknown; scope: NsScope } | undefined, extNs: string): { namespace?: string; parts?: string[] } {
  if (!io) return {};
  const body = resolvedChildren(io.value, io.scope).find((c) => c.name.ns === extNs && c.name.localName === 'body');
  if (!body) return {};
  const namespace = attributeValue(body.value, body.scope, '', 'namespace');
  const parts = attributeValue(body.value, body.scope, '', 'parts')?.trim();
  return { ...(namespace ? { namespace } : {}), ...(parts ? { parts: parts.split(/\s+/) } : {}) };
}

function readPorts(value: unknown, scope: NsScope): ServicePort[] {
  const ports: ServicePort[] = [];
  for (const port of wsdlChildren(value, scope, 'port')) {
    const binding = qnameAttribute(port.value, port.scope, 'binding');
    if (!binding) continue;
    const address = resolvedChildren(port.value, port.scope).find(
      (c) => c.name.localName === 'address' && soapVersionOf(c.name.ns) !== undefined,
    );
    const location = address && attributeValue(address.value, address.scope, '', 'location');
    ports.push({ name: attributeValue(port.value, port.scope, '', 'name') ?? '', binding, ...(location ? { address: location } : {}) });
  }
  return ports;
}

function wsdlChildren(value: unknown, scope: NsScope, localName: string) {
  return resolvedChildren(value, scope).filter((c) => c.name.ns === WSDL_NS && c.name.localName === localName);
}

/** The SOAP version of a WSDL binding extension namespace. */
export function soapVersionOf(ns: string): SoapVersion | undefined {
  return ns === WSDL_SOAP11_NS ? '1.1' : ns === WSDL_SOAP12_NS ? '1.2' : undefined;
}

function styleOf(style: string | undefined): OperationStyle | undefined {
  return style === 'rpc' ? 'rpc' : style === 'document' ? 'document' : undefined;
}

/** A QName-valued attribute, resolved in the scope of its element (unprefixed: the default namespace). */
function qnameAttribute(value: unknown, scope: NsScope, attribute: string): XmlName | undefined {
  const text = attributeValue(value, scope, '', attribute)?.trim();
  return text ? elementName(text, scope) : undefined;
}
