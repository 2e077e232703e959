import { ConfigError } from '@junction/core';
import type { XmlCodec } from '../xml/xml-codec';
import {
  XSD_NS,
  type XsdAttributeUse,
  type XsdComplexType,
  type XsdElement,
  type XsdModel,
  type XsdModelGroup,
  type XsdName,
  type XsdParticle,
  type XsdSimpleType,
  type XsdType,
  type XsdTypeRef,
  emptyXsdModel,
  xsdKey,
} from './xsd-model';

import { type Node, attr, children, is, node, qname } from './xsd-tree';

const WSDL_NS = 'http://schemas.xmlsoap.org/wsdl/';

/** A schema or WSDL document: where it was read from (absolute path or URL) and its text. */
export interface XsdSource {
  readonly uri: string;
  readonly text: string;
}

/**
 * Fetches the document an `xs:import` / `xs:include` names by `schemaLocation`, relative to the importing document's
 * uri. Returns undefined when the location cannot be had (an import without location is fine: its namespace may be
 * defined by another document); throws ConfigError for a location it refuses (outside the allowed folder).
 */
export type XsdLoader = (location: string, base: string) => XsdSource | undefined;

/**
 * Reads schema documents into one model: standalone `xs:schema` documents and the schemas inside a WSDL's
 * `wsdl:types` (with the namespace declarations of `wsdl:definitions` in scope), following `xs:import` and
 * `xs:include` through `load` (each document once; an included schema without a target namespace takes the
 * includer's). Every document is parsed by `codec`, the bus's hardened parser (DOCTYPE refused, limits). Throws
 * ConfigError naming the document for XML that is not a schema or an undeclared prefix.
 */
export function readXsdModel(sources: readonly XsdSource[], load: XsdLoader, codec: XmlCodec): XsdModel {
  const model = emptyXsdModel();
  const seen = new Set<string>();
  // Documents whose schemas name their own target namespace: read once, whoever includes them.
  const ownNamespace = new Set<string>();
  const queue: Array<{ source: XsdSource; chameleon?: string }> = sources.map((source) => ({ source }));
  while (queue.length > 0) {
    const { source, chameleon } = queue.shift()!;
    const id = `${source.uri}|${chameleon ?? ''}`;
    if (seen.has(id) || ownNamespace.has(source.uri)) continue;
    seen.add(id);
    model.documents.push(source.uri);
    try {
      for (const next of readDocument(source, chameleon, codec, model, ownNamespace)) {
        const loaded = load(next.location, source.uri);
        if (loaded) queue.push({ source: loaded, ...(next.chameleon !== undefined ? { chameleon: next.chameleon } : {}) });
      }
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError(`schema ${source.uri}: ${(err as Error).message}`, undefined, err);
    }
  }
  return model;
}


/** Reads one document; returns the schema locations it imports or includes. */
function readDocument(source: XsdSource, chameleon: string | undefined, codec: XmlCodec, model: XsdModel, ownNamespace: Set<string>) {
  const doc = codec.parse(source.text);
  const rootKey = Object.keys(doc).find((k) => k !== '?xml');
  if (!rootKey) throw new Error('the document is empty');
  const root = node(rootKey, doc[rootKey], new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]));
  const schemas: Node[] = [];
  if (is(root, XSD_NS, 'schema')) schemas.push(root);
  else if (is(root, WSDL_NS, 'definitions')) {
    for (const types of children(root).filter((c) => is(c, WSDL_NS, 'types'))) schemas.push(...children(types).filter((c) => is(c, XSD_NS, 'schema')));
  } else throw new Error(`the root element is {${root.name.ns}}${root.name.localName}, not a schema or a WSDL`);
  if (schemas.every((s) => attr(s, 'targetNamespace') !== undefined)) ownNamespace.add(source.uri);
  const next: Array<{ location: string; chameleon?: string }> = [];
  for (const schema of schemas) next.push(...readSchema(schema, chameleon, model));
  return next;
}

interface SchemaContext {
  readonly tns: string;
  readonly elementQualified: boolean;
  readonly attributeQualified: boolean;
  readonly model: XsdModel;
}

function readSchema(schema: Node, chameleon: string | undefined, model: XsdModel) {
  const tns = attr(schema, 'targetNamespace') ?? chameleon ?? '';
  const ctx: SchemaContext = {
    tns,
    elementQualified: attr(schema, 'elementFormDefault') === 'qualified',
    attributeQualified: attr(schema, 'attributeFormDefault') === 'qualified',
    model,
  };
  if (tns) {
    for (const [prefix, ns] of schema.scope) if (ns === tns && prefix !== '' && !model.prefixes.has(tns)) model.prefixes.set(tns, prefix);
  }
  const next: Array<{ location: string; chameleon?: string }> = [];
  for (const c of children(schema)) {
    if (c.name.ns !== XSD_NS) continue;
    const name = attr(c, 'name');
    const key = name !== undefined ? xsdKey({ ns: tns, localName: name }) : undefined;
    switch (c.name.localName) {
      case 'import':
      case 'include':
      case 'redefine': {
        const location = attr(c, 'schemaLocation');
        if (location) next.push({ location, ...(c.name.localName !== 'import' ? { chameleon: tns } : {}) });
        break;
      }
      case 'element':
        if (key) model.elements.set(key, readElement(c, ctx, true));
        break;
      case 'complexType':
        if (key) model.types.set(key, readComplexType(c, ctx, { ns: tns, localName: name! }));
        break;
      case 'simpleType':
        if (key) model.types.set(key, readSimpleType(c, ctx, { ns: tns, localName: name! }));
        break;
      case 'attribute':
        if (key) model.attributes.set(key, readAttribute(c, ctx, true) as never);
        break;
      case 'group': {
        const group = children(c).find((g) => g.name.ns === XSD_NS && ['sequence', 'choice', 'all'].includes(g.name.localName));
        if (key && group) model.groups.set(key, readParticle(group, ctx) as XsdModelGroup);
        break;
      }
      case 'attributeGroup':
        if (key) model.attributeGroups.set(key, readAttributes(c, ctx).uses);
        break;
    }
  }
  return next;
}

function readElement(n: Node, ctx: SchemaContext, global: boolean): XsdElement {
  const name = attr(n, 'name') ?? '';
  const form = attr(n, 'form');
  const qualified = global || (form ? form === 'qualified' : ctx.elementQualified);
  return {
    kind: 'element',
    name: { ns: qualified ? ctx.tns : '', localName: name },
    ...occurs(n),
    nillable: attr(n, 'nillable') === 'true',
    ...typeOf(n, ctx),
  };
}

function typeOf(n: Node, ctx: SchemaContext): { type?: XsdTypeRef } {
  const named = attr(n, 'type');
  if (named) return { type: { ref: xsdKey(qname(named, n.scope)) } };
  const inline = children(n).find((c) => c.name.ns === XSD_NS && (c.name.localName === 'complexType' || c.name.localName === 'simpleType'));
  if (!inline) return {};
  return { type: { inline: inline.name.localName === 'complexType' ? readComplexType(inline, ctx) : readSimpleType(inline, ctx) } };
}

function occurs(n: Node): { minOccurs: number; maxOccurs: number } {
  const min = attr(n, 'minOccurs');
  const max = attr(n, 'maxOccurs');
  return { minOccurs: min === undefined ? 1 : Number(min), maxOccurs: max === undefined ? 1 : max === 'unbounded' ? Infinity : Number(max) };
}

function readParticle(n: Node, ctx: SchemaContext): XsdParticle | undefined {
  switch (n.name.localName) {
    case 'element': {
      const ref = attr(n, 'ref');
      if (ref) return { kind: 'elementRef', ref: xsdKey(qname(ref, n.scope)), ...occurs(n) };
      return readElement(n, ctx, false);
    }
    case 'sequence':
    case 'choice':
    case 'all': {
      const particles = children(n)
        .filter((c) => c.name.ns === XSD_NS)
        .map((c) => readParticle(c, ctx))
        .filter((p): p is XsdParticle => p !== undefined);
      return { kind: n.name.localName, particles, ...occurs(n) };
    }
    case 'group': {
      const ref = attr(n, 'ref');
      return ref ? { kind: 'groupRef', ref: xsdKey(qname(ref, n.scope)), ...occurs(n) } : undefined;
    }
    case 'any':
      return { kind: 'any', ...occurs(n) };
    default:
      return undefined; // annotation
  }
}

const PARTICLES = new Set(['sequence', 'choice', 'all', 'group']);

function readComplexType(n: Node, ctx: SchemaContext, name?: XsdName): XsdComplexType {
  const mixed = attr(n, 'mixed') === 'true';
  const kids = children(n).filter((c) => c.name.ns === XSD_NS);
  const content = kids.find((c) => c.name.localName === 'complexContent' || c.name.localName === 'simpleContent');
  const base = { kind: 'complex' as const, ...(name ? { name } : {}) };
  if (!content) {
    const group = kids.find((c) => PARTICLES.has(c.name.localName));
    const particle = group && readParticle(group, ctx);
    const { uses, any } = readAttributes(n, ctx);
    return { ...base, mixed, content: 'elements', ...(particle ? { particle } : {}), attributes: uses, anyAttribute: any };
  }
  const derivation = children(content).find((c) => c.name.ns === XSD_NS && (c.name.localName === 'extension' || c.name.localName === 'restriction'));
  if (!derivation) throw new Error(`complex type ${name?.localName ?? '(anonymous)'}: ${content.name.localName} without extension or restriction`);
  const baseName = attr(derivation, 'base');
  const baseRef: XsdTypeRef | undefined = baseName ? { ref: xsdKey(qname(baseName, derivation.scope)) } : undefined;
  const { uses, any } = readAttributes(derivation, ctx);
  const how = derivation.name.localName as 'extension' | 'restriction';
  if (content.name.localName === 'simpleContent') {
    const enumeration = enumerationOf(derivation);
    return {
      ...base,
      mixed: false,
      content: 'simple',
      ...(baseRef ? { base: baseRef } : {}),
      derivation: how,
      attributes: uses,
      anyAttribute: any,
      ...(enumeration ? { enumeration } : {}),
    };
  }
  const group = children(derivation).find((c) => c.name.ns === XSD_NS && PARTICLES.has(c.name.localName));
  const particle = group && readParticle(group, ctx);
  return {
    ...base,
    mixed: mixed || attr(content, 'mixed') === 'true',
    content: 'elements',
    ...(particle ? { particle } : {}),
    ...(baseRef ? { base: baseRef } : {}),
    derivation: how,
    attributes: uses,
    anyAttribute: any,
  };
}

function readAttributes(n: Node, ctx: SchemaContext): { uses: XsdAttributeUse[]; any: boolean } {
  const uses: XsdAttributeUse[] = [];
  let any = false;
  for (const c of children(n)) {
    if (c.name.ns !== XSD_NS) continue;
    if (c.name.localName === 'attribute') uses.push(readAttribute(c, ctx, false));
    else if (c.name.localName === 'attributeGroup') {
      const ref = attr(c, 'ref');
      if (ref) uses.push({ kind: 'attributeGroupRef', ref: xsdKey(qname(ref, c.scope)) });
    } else if (c.name.localName === 'anyAttribute') any = true;
  }
  return { uses, any };
}

function readAttribute(n: Node, ctx: SchemaContext, global: boolean): XsdAttributeUse {
  const use = attr(n, 'use');
  const required = use === 'required';
  const prohibited = use === 'prohibited';
  const ref = attr(n, 'ref');
  if (ref) return { kind: 'attributeRef', ref: xsdKey(qname(ref, n.scope)), required, prohibited };
  const form = attr(n, 'form');
  const qualified = global || (form ? form === 'qualified' : ctx.attributeQualified);
  const fixed = attr(n, 'fixed');
  return {
    kind: 'attribute',
    name: { ns: qualified ? ctx.tns : '', localName: attr(n, 'name') ?? '' },
    required,
    prohibited,
    ...(fixed !== undefined ? { fixed } : {}),
    ...typeOf(n, ctx),
  };
}

function readSimpleType(n: Node, ctx: SchemaContext, name?: XsdName): XsdSimpleType {
  const base = { kind: 'simple' as const, ...(name ? { name } : {}) };
  for (const c of children(n)) {
    if (c.name.ns !== XSD_NS) continue;
    if (c.name.localName === 'restriction') {
      const enumeration = enumerationOf(c);
      const baseName = attr(c, 'base');
      const inline = children(c).find((s) => is(s, XSD_NS, 'simpleType'));
      const ref: XsdTypeRef | undefined = baseName
        ? { ref: xsdKey(qname(baseName, c.scope)) }
        : inline
          ? { inline: readSimpleType(inline, ctx) }
          : undefined;
      return { ...base, variety: 'atomic', ...(ref ? { base: ref } : {}), ...(enumeration ? { enumeration } : {}) };
    }
    if (c.name.localName === 'list') {
      const item = attr(c, 'itemType');
      const inline = children(c).find((s) => is(s, XSD_NS, 'simpleType'));
      const ref: XsdTypeRef | undefined = item ? { ref: xsdKey(qname(item, c.scope)) } : inline ? { inline: readSimpleType(inline, ctx) } : undefined;
      return { ...base, variety: 'list', ...(ref ? { base: ref } : {}) };
    }
    if (c.name.localName === 'union') return { ...base, variety: 'union' };
  }
  return { ...base, variety: 'union' };
}

function enumerationOf(n: Node): string[] | undefined {
  const values = children(n)
    .filter((c) => is(c, XSD_NS, 'enumeration'))
    .map((c) => attr(c, 'value') ?? '');
  return values.length > 0 ? values : undefined;
}

/** The type a reference names, or the inline type; undefined for a name the model lacks (built-in types included). */
export function resolveType(model: XsdModel, ref: XsdTypeRef | undefined): XsdType | undefined {
  if (!ref) return undefined;
  return 'inline' in ref ? ref.inline : model.types.get(ref.ref);
}
