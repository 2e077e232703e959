/**
 * The model of a set of XML Schema documents (W3C XSD 1.0) that the schema-driven writer works from: global
 * declarations by expanded name, and the content models of complex types as trees of particles. References between
 * components are kept as expanded-name keys (`{ns}local`, see `xsdKey`) and resolved when used, so documents may
 * refer to each other in any order. Only what writing needs is kept: no identity constraints, no facets other than
 * enumerations, no substitution groups.
 */

export const XSD_NS = 'http://www.w3.org/2001/XMLSchema';
export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';

/** An expanded name: namespace URI (`''` for none) and local name. */
export interface XsdName {
  readonly ns: string;
  readonly localName: string;
}

/** The map key of an expanded name: `{ns}local`. */
export function xsdKey(name: XsdName): string {
  return `{${name.ns}}${name.localName}`;
}

/** Parses `{ns}local` (Clark notation) into an expanded name; a bare name has no namespace. */
export function parseClark(text: string): XsdName {
  const m = /^\{([^}]*)\}(.+)$/.exec(text);
  return m ? { ns: m[1], localName: m[2] } : { ns: '', localName: text };
}

/** maxOccurs="unbounded" is Infinity. */
export interface Occurs {
  readonly minOccurs: number;
  readonly maxOccurs: number;
}

/** A type as an element or attribute names it: a reference to a named type, or an anonymous type written inline. */
export type XsdTypeRef = { readonly ref: string } | { readonly inline: XsdType };

export interface XsdElement extends Occurs {
  readonly kind: 'element';
  /** The element's name as written in instances: namespace per its form (a local unqualified element has none). */
  readonly name: XsdName;
  /** Absent: xs:anyType (anything goes). */
  readonly type?: XsdTypeRef;
  readonly nillable: boolean;
}

/** A reference to a global element (`<xs:element ref=...>`), with its own occurrence bounds. */
export interface XsdElementRef extends Occurs {
  readonly kind: 'elementRef';
  readonly ref: string;
}

export interface XsdModelGroup extends Occurs {
  readonly kind: 'sequence' | 'choice' | 'all';
  readonly particles: readonly XsdParticle[];
}

export interface XsdGroupRef extends Occurs {
  readonly kind: 'groupRef';
  readonly ref: string;
}

/** `xs:any`: elements the schema does not declare. */
export interface XsdWildcard extends Occurs {
  readonly kind: 'any';
}

export type XsdParticle = XsdElement | XsdElementRef | XsdModelGroup | XsdGroupRef | XsdWildcard;

export interface XsdAttribute {
  readonly kind: 'attribute';
  readonly name: XsdName;
  readonly type?: XsdTypeRef;
  readonly required: boolean;
  readonly prohibited: boolean;
  /** `fixed` value, written when the JSON value leaves the attribute out and it is required. */
  readonly fixed?: string;
}

export interface XsdAttributeRef {
  readonly kind: 'attributeRef';
  readonly ref: string;
  readonly required: boolean;
  readonly prohibited: boolean;
}

export interface XsdAttributeGroupRef {
  readonly kind: 'attributeGroupRef';
  readonly ref: string;
}

export type XsdAttributeUse = XsdAttribute | XsdAttributeRef | XsdAttributeGroupRef;

export interface XsdComplexType {
  readonly kind: 'complex';
  readonly name?: XsdName;
  readonly mixed: boolean;
  /**
   * - `elements`: element content (`particle` absent for an empty type); `base` for complexContent derivation.
   * - `simple`: simpleContent: text of type `base` (a complex type with simple content, or a simple type).
   */
  readonly content: 'elements' | 'simple';
  readonly particle?: XsdParticle;
  readonly base?: XsdTypeRef;
  readonly derivation?: 'extension' | 'restriction';
  readonly attributes: readonly XsdAttributeUse[];
  readonly anyAttribute: boolean;
  /** simpleContent restriction facets. */
  readonly enumeration?: readonly string[];
}

export interface XsdSimpleType {
  readonly kind: 'simple';
  readonly name?: XsdName;
  /** restriction: the base type; list: the item type; union: none (any member's lexical form is taken as is). */
  readonly variety: 'atomic' | 'list' | 'union';
  readonly base?: XsdTypeRef;
  readonly enumeration?: readonly string[];
}

export type XsdType = XsdComplexType | XsdSimpleType;

/** The components of every schema document read, by expanded-name key. */
export interface XsdModel {
  readonly elements: Map<string, XsdElement>;
  readonly types: Map<string, XsdType>;
  readonly attributes: Map<string, XsdAttribute>;
  readonly groups: Map<string, XsdModelGroup>;
  readonly attributeGroups: Map<string, readonly XsdAttributeUse[]>;
  /** A prefix each target namespace was given in its schema documents, for readable output. */
  readonly prefixes: Map<string, string>;
  /** The documents read, by location (absolute path or URL). */
  readonly documents: string[];
}

export function emptyXsdModel(): XsdModel {
  return { elements: new Map(), types: new Map(), attributes: new Map(), groups: new Map(), attributeGroups: new Map(), prefixes: new Map(), documents: [] };
}

/**
 * The global element `text` names: `{namespace}Name`, `prefix:Name` with a prefix the schema documents bind to a
 * target namespace, or a bare `Name` that only one namespace declares. Without `text`, the schema's only global
 * element. Throws Error saying what is declared when there is no such element or the name is ambiguous.
 */
export function globalElementNamed(model: XsdModel, text?: string): XsdName {
  const all = [...model.elements.values()].map((e) => e.name);
  const shown = () => all.map((n) => `{${n.ns}}${n.localName}`).join(', ') || 'none';
  let found: XsdName[];
  if (text === undefined) found = all;
  else if (text.startsWith('{')) found = all.filter((n) => xsdKey(n) === text);
  else if (text.includes(':')) {
    const [prefix, local] = [text.slice(0, text.indexOf(':')), text.slice(text.indexOf(':') + 1)];
    const ns = [...model.prefixes].find(([, p]) => p === prefix)?.[0];
    found = ns === undefined ? [] : all.filter((n) => n.ns === ns && n.localName === local);
  } else found = all.filter((n) => n.localName === text);
  if (found.length === 1) return found[0];
  if (text === undefined) throw new Error(`the schema declares ${all.length} global elements (${shown()}): name one with element`);
  if (found.length === 0) throw new Error(`the schema has no global element ${text} (declared: ${shown()})`);
  throw new Error(`${text} is declared in several namespaces: write it as {namespace}${text}`);
}
