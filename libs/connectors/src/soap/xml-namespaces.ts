import { InputError } from '@junction/core';

/**
 * Namespace-aware reading of documents in the Junction XML convention (libs/transform/XML-CONVENTION.md), where
 * element keys are qualified names as written and namespace declarations are `@xmlns` / `@xmlns:p` attributes.
 * The convention does not resolve prefixes, so SOAP code walks the tree with a scope built from those declarations
 * and compares namespace URIs and local names, never prefixes. Internal to the SOAP connector.
 */

/** The namespace bound to the `xml` prefix by definition. */
export const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** An expanded name: namespace URI (`''` for none) and local name. */
export interface XmlName {
  readonly ns: string;
  readonly localName: string;
}

/** Prefix -> namespace URI bindings in scope (`''` is the default namespace). */
export type NsScope = ReadonlyMap<string, string>;

/** The scope outside any element: only `xml` is bound. */
export const ROOT_SCOPE: NsScope = new Map([['xml', XML_NS]]);

/** A child element as it appears in the convention: its qualified name as written and its value. */
export interface XmlElement {
  readonly qname: string;
  readonly value: unknown;
}

type XmlObject = Record<string, unknown>;

function isObject(value: unknown): value is XmlObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The scope inside an element: the parent's, plus the element's own namespace declarations. */
export function scopeOf(value: unknown, parent: NsScope): NsScope {
  if (!isObject(value)) return parent;
  let scope: Map<string, string> | undefined;
  for (const key of Object.keys(value)) {
    if (key === '@xmlns') (scope ??= new Map(parent)).set('', String(value[key]));
    else if (key.startsWith('@xmlns:')) (scope ??= new Map(parent)).set(key.slice(7), String(value[key]));
  }
  return scope ?? parent;
}

/**
 * Resolves an element's qualified name. An unprefixed name takes the default namespace. Throws InputError
 * `XML_MALFORMED` (400) for a prefix that is not declared: such a document is not namespace-well-formed.
 */
export function elementName(qname: string, scope: NsScope): XmlName {
  const colon = qname.indexOf(':');
  if (colon === -1) return { ns: scope.get('') ?? '', localName: qname };
  return { ns: boundPrefix(qname.slice(0, colon), scope), localName: qname.slice(colon + 1) };
}

/** Resolves an attribute's qualified name; unprefixed attributes are in no namespace. */
export function attributeName(qname: string, scope: NsScope): XmlName {
  const colon = qname.indexOf(':');
  if (colon === -1) return { ns: '', localName: qname };
  return { ns: boundPrefix(qname.slice(0, colon), scope), localName: qname.slice(colon + 1) };
}

function boundPrefix(prefix: string, scope: NsScope): string {
  const ns = scope.get(prefix);
  if (!ns) throw new InputError('XML_MALFORMED', `Malformed XML: namespace prefix '${prefix}' is not declared`, 400);
  return ns;
}

/** True when `name` is the expanded name `ns` + `localName`. */
export function isName(name: XmlName, ns: string, localName: string): boolean {
  return name.ns === ns && name.localName === localName;
}

/** The child elements of an element value, in document order. */
export function childElements(value: unknown): XmlElement[] {
  if (!isObject(value)) return [];
  const out: XmlElement[] = [];
  const mixed = value['#mixed'];
  if (Array.isArray(mixed)) {
    for (const entry of mixed) {
      if (!isObject(entry) || '#cdata' in entry) continue;
      const qname = Object.keys(entry)[0];
      if (qname !== undefined) out.push({ qname, value: entry[qname] });
    }
    return out;
  }
  for (const key of Object.keys(value)) {
    if (key.charCodeAt(0) === 0x40 /* @ */ || key.charCodeAt(0) === 0x23 /* # */) continue;
    const v = value[key];
    if (Array.isArray(v)) for (const item of v) out.push({ qname: key, value: item });
    else out.push({ qname: key, value: v });
  }
  return out;
}

/** The child elements with their expanded names, each with the scope inside it. */
export function resolvedChildren(value: unknown, scope: NsScope): Array<XmlElement & { name: XmlName; scope: NsScope }> {
  return childElements(value).map((child) => {
    const inner = scopeOf(child.value, scope);
    return { ...child, name: elementName(child.qname, inner), scope: inner };
  });
}

/** The element's character content when it has no child elements (`''` when empty), else undefined. */
export function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (!isObject(value)) return undefined;
  const mixed = value['#mixed'];
  if (Array.isArray(mixed)) {
    let text = '';
    for (const entry of mixed) {
      if (typeof entry === 'string') text += entry;
      else if (isObject(entry) && typeof entry['#cdata'] === 'string') text += entry['#cdata'];
      else return undefined;
    }
    return text;
  }
  if (childElements(value).length > 0) return undefined;
  if (typeof value['#text'] === 'string') return value['#text'];
  if (typeof value['#cdata'] === 'string') return value['#cdata'];
  return '';
}

/** True when the element holds non-whitespace text or CDATA beside (or instead of) child elements. */
export function hasCharacterData(value: unknown): boolean {
  if (typeof value === 'string') return !isBlank(value);
  if (!isObject(value)) return false;
  if ('#cdata' in value || (typeof value['#text'] === 'string' && !isBlank(value['#text']))) return true;
  const mixed = value['#mixed'];
  return Array.isArray(mixed) && mixed.some((e) => (typeof e === 'string' ? !isBlank(e) : isObject(e) && '#cdata' in e));
}

function isBlank(text: string): boolean {
  return /^[ \t\r\n]*$/.test(text);
}

/** The value of the attribute with this expanded name, if the element has it. */
export function attributeValue(value: unknown, scope: NsScope, ns: string, localName: string): string | undefined {
  if (!isObject(value)) return undefined;
  for (const key of Object.keys(value)) {
    if (key.charCodeAt(0) !== 0x40 || key === '@xmlns' || key.startsWith('@xmlns:')) continue;
    if (isName(attributeName(key.slice(1), scope), ns, localName)) return String(value[key]);
  }
  return undefined;
}

/**
 * The element as a standalone document value (`{qname: value}`), carrying as its own attributes every namespace
 * declaration in scope that it does not make itself, so that it parses on its own and QName-valued content
 * (`xsi:type="p:T"`) keeps its meaning.
 */
export function standalone(qname: string, value: unknown, outer: NsScope): Record<string, unknown> {
  const own = isObject(value) ? value : {};
  const declarations: Record<string, unknown> = {};
  for (const [prefix, ns] of outer) {
    if (prefix === 'xml') continue;
    const key = prefix === '' ? '@xmlns' : `@xmlns:${prefix}`;
    if (!(key in own) && (prefix !== '' || ns !== '')) declarations[key] = ns;
  }
  let result: unknown;
  if (Object.keys(declarations).length === 0) result = value;
  else if (typeof value === 'string') result = value === '' ? declarations : { ...declarations, '#text': value };
  else result = { ...declarations, ...own };
  return { [qname]: result };
}

/** Checks that every element and attribute prefix in a parsed document is declared; throws like elementName. */
export function assertNamespaces(qname: string, value: unknown, scope: NsScope): void {
  const inner = scopeOf(value, scope);
  elementName(qname, inner);
  if (isObject(value)) {
    for (const key of Object.keys(value)) {
      if (key.charCodeAt(0) === 0x40 && key !== '@xmlns' && !key.startsWith('@xmlns:')) attributeName(key.slice(1), inner);
    }
  }
  for (const child of childElements(value)) assertNamespaces(child.qname, child.value, inner);
}

/** The root element of a parsed document (skipping the declaration). */
export function rootOf(doc: Record<string, unknown>): XmlElement {
  const qname = Object.keys(doc).find((k) => k !== '?xml');
  if (qname === undefined) throw new InputError('XML_MALFORMED', 'Malformed XML: no root element', 400);
  return { qname, value: doc[qname] };
}
