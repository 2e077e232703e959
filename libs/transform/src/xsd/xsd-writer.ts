import { ConfigError } from '@junction/core';
import { jsonToXml } from '../xml/xml-codec';
import { isKnownBuiltin, lexicalForm } from './xsd-lexical';
import {
  XSD_NS,
  XSI_NS,
  type XsdAttributeUse,
  type XsdComplexType,
  type XsdElement,
  type XsdModel,
  type XsdName,
  type XsdParticle,
  type XsdType,
  type XsdTypeRef,
  xsdKey,
} from './xsd-model';
import { ContentWriter } from './xsd-content-writer';
import { resolveType } from './xsd-reader';
import { escapeAttr, escapeText, isObject, localPart, unescapeText, xmlName } from './xsd-text';
import { XsdWriteError } from './xsd-write-error';

export { XsdWriteError } from './xsd-write-error';

/** One element to write inside a wrapper of the caller's (an rpc/literal part): its name and type, unqualified. */
export interface XsdPart {
  readonly name: string;
  /** The part's element (document parts) or its type (rpc parts): Clark keys `{ns}local`. */
  readonly element?: string;
  readonly type?: string;
}

/**
 * Writes a JSON value as the global element `element` of `model`, driven by the schema (the JSON convention's
 * `@name` / `#text` keys, read by meaning):
 * - `@name` keys are attributes, `#text` is the text of simple content (or leading text of mixed content); other
 *   keys are child elements by local name (a `prefix:` on a key is ignored: namespaces come from the schema).
 * - Children are written in the schema's order at every depth (named and anonymous types, sequences, choices, all
 *   groups, group references, complexContent extension: the base's content first), whatever the JSON key order.
 * - Namespaces are the schema's: global elements and qualified local ones in their target namespace, unqualified
 *   local elements and attributes in none. Prefixes are declared once, on the root.
 * - An array is a repeated element (more than maxOccurs, or fewer than minOccurs, is an error). A repeated sequence
 *   or choice writes each element's occurrences together (interleaving cannot be told from JSON).
 * - A choice writes the branch the JSON names; naming two branches of a choice that occurs once is an error.
 * - Simple values are written in their type's lexical form (see xsd-lexical.ts); enumerations are checked.
 * - `null` is absent, or `xsi:nil="true"` for a nillable element. `xmlns` attributes in the JSON are ignored.
 * - Keys the schema does not declare are an error, unless a wildcard (`xs:any`, `xs:anyAttribute`) takes them.
 * - A missing required element or attribute is an error (a `fixed` required attribute is written from the schema).
 * `value` is the element's content; `{"Order": {...}}`, an object whose only key is the element's local name, is
 * unwrapped first. The result is one element with its namespace declarations and no XML declaration.
 * Throws XsdWriteError naming the path for a value that does not fit; ConfigError when the schema itself lacks
 * the element or a type it refers to. Not supported: substitution groups and `xsi:type` (a derived type in place
 * of the declared one), identity constraints and facets other than enumerations (length, pattern, ranges of
 * user types): validation against the schema is the place for those.
 */
export function writeXsdElement(model: XsdModel, element: XsdName, value: unknown): string {
  const decl = model.elements.get(xsdKey(element));
  if (!decl) throw new ConfigError(`the schema has no global element {${element.ns}}${element.localName}`);
  const w = new XsdWriter(model);
  const content = unwrap(value, element.localName);
  return w.root((attrs) => w.occurrence(decl, content, element.localName, attrs));
}

/**
 * Writes a wrapper element (an rpc/literal operation's `{ns}operation` or `{ns}operationResponse`) holding one
 * child per part, in the parts' order: a part with a type is an unqualified element named after the part; a part
 * with an element is that global element. `value` is an object keyed by part names (or element local names).
 * Missing parts are errors; keys that name no part too. Same rules and errors as writeXsdElement below the parts.
 */
export function writeXsdWrapper(model: XsdModel, wrapper: XsdName, parts: readonly XsdPart[], value: unknown): string {
  const w = new XsdWriter(model);
  const content = unwrap(value, wrapper.localName);
  const path = wrapper.localName;
  const obj = content === undefined || content === null || content === '' ? {} : content;
  if (!isObject(obj)) throw new XsdWriteError(path, `expected an object of the parts (${parts.map((p) => p.name).join(', ')})`);
  return w.root((attrs) => {
    const body: string[] = [];
    const seen = new Set<string>();
    for (const part of parts) {
      const decl: XsdElement | undefined = part.element
        ? model.elements.get(part.element)
        : { kind: 'element', name: { ns: '', localName: part.name }, minOccurs: 1, maxOccurs: 1, nillable: false, ...(part.type ? { type: { ref: part.type } } : {}) };
      if (!decl) throw new ConfigError(`part ${part.name}: the schema has no element ${part.element}`);
      const key = [part.name, decl.name.localName].find((k) => Object.hasOwn(obj, k));
      if (key === undefined || obj[key] === null || obj[key] === undefined) throw new XsdWriteError(`${path}.${part.name}`, 'the part is required');
      seen.add(key);
      body.push(w.occurrence(decl, obj[key], `${path}.${part.name}`));
    }
    for (const key of Object.keys(obj)) {
      if (!seen.has(key) && !key.startsWith('@xmlns')) throw new XsdWriteError(`${path}.${key}`, `is not a part (parts: ${parts.map((p) => p.name).join(', ')})`);
    }
    return `<${w.qname(wrapper)}${attrs()}>${body.join('')}</${w.qname(wrapper)}>`;
  });
}

const MAX_DEPTH = 100;

function unwrap(value: unknown, localName: string): unknown {
  if (isObject(value)) {
    const keys = Object.keys(value).filter((k) => k !== '?xml');
    if (keys.length === 1 && localPart(keys[0]) === localName && !keys[0].startsWith('@')) return value[keys[0]];
  }
  return value;
}

interface SimpleInfo {
  readonly builtin: string;
  readonly enumeration?: readonly string[];
  readonly list?: SimpleInfo;
}

interface AttributeDecl {
  readonly name: XsdName;
  readonly type?: XsdTypeRef;
  readonly required: boolean;
  readonly fixed?: string;
}

class XsdWriter {
  private readonly prefixes = new Map<string, string>();
  private readonly taken = new Set<string>(['xml', 'xmlns']);
  private depth = 0;

  constructor(private readonly model: XsdModel) {}

  /** Runs `write`, which gets a function giving the namespace declarations to put on the root's start tag. */
  root(write: (attrs: () => string) => string): string {
    let rootDone = false;
    const declarations = () => {
      rootDone = true;
      return '\u0000NS\u0000';
    };
    const xml = write(declarations);
    if (!rootDone) return xml;
    const decls = [...this.prefixes].map(([ns, p]) => ` xmlns:${p}="${escapeAttr(ns)}"`).join('');
    return xml.replace('\u0000NS\u0000', decls);
  }

  qname(name: XsdName): string {
    return name.ns === '' ? name.localName : `${this.prefix(name.ns)}:${name.localName}`;
  }

  private prefix(ns: string): string {
    let p = this.prefixes.get(ns);
    if (p) return p;
    const preferred = ns === XSI_NS ? 'xsi' : this.model.prefixes.get(ns);
    p = preferred && /^[A-Za-z_][\w.-]*$/.test(preferred) && !/^xml/i.test(preferred) && !this.taken.has(preferred) ? preferred : undefined;
    for (let i = 1; !p; i++) if (!this.taken.has(`ns${i}`)) p = `ns${i}`;
    this.taken.add(p);
    this.prefixes.set(ns, p);
    return p;
  }

  /** One occurrence of an element: `<name attrs>content</name>`, or xsi:nil for null of a nillable element. */
  occurrence(decl: XsdElement, value: unknown, path: string, rootAttrs?: () => string): string {
    if (++this.depth > MAX_DEPTH) throw new XsdWriteError(path, `the value is nested deeper than ${MAX_DEPTH} levels`);
    try {
      const tag = this.qname(decl.name);
      const extra = rootAttrs ? rootAttrs() : '';
      if (value === null || value === undefined) {
        if (!decl.nillable) throw new XsdWriteError(path, 'is required and not nillable, and the value is null');
        return `<${tag}${extra} ${this.prefix(XSI_NS)}:nil="true"/>`;
      }
      const { attrs, body } = this.typed(decl.type, value, path);
      return body === '' ? `<${tag}${extra}${attrs}/>` : `<${tag}${extra}${attrs}>${body}</${tag}>`;
    } finally {
      this.depth--;
    }
  }

  /** The attributes and content of a value of a type (absent: xs:anyType). */
  private typed(ref: XsdTypeRef | undefined, value: unknown, path: string): { attrs: string; body: string } {
    if (ref === undefined || ('ref' in ref && ref.ref === xsdKey({ ns: XSD_NS, localName: 'anyType' }))) return this.anything(value, path);
    const type = this.type(ref, path);
    if (type === undefined || type.kind === 'simple') return { attrs: '', body: this.simpleText(this.simpleInfo(ref, path), textOf(value, path), path) };
    return this.complex(type, value, path);
  }

  private type(ref: XsdTypeRef, path: string): XsdType | undefined {
    const type = resolveType(this.model, ref);
    if (type) return type;
    const key = (ref as { ref: string }).ref;
    if (key.startsWith(`{${XSD_NS}}`)) return undefined;
    throw new ConfigError(`${path}: the schema has no type ${key}`);
  }

  private simpleInfo(ref: XsdTypeRef | undefined, path: string, hops = 0): SimpleInfo {
    if (ref === undefined) return { builtin: 'anySimpleType' };
    if (hops > 50) throw new ConfigError(`${path}: the type derivation is circular`);
    if ('ref' in ref && ref.ref.startsWith(`{${XSD_NS}}`)) {
      const builtin = ref.ref.slice(XSD_NS.length + 2);
      return { builtin: isKnownBuiltin(builtin) ? builtin : 'anySimpleType' };
    }
    const type = this.type(ref, path)!;
    if (type.kind === 'simple') {
      if (type.variety === 'union') return { builtin: 'anySimpleType', ...(type.enumeration ? { enumeration: type.enumeration } : {}) };
      const base = this.simpleInfo(type.base, path, hops + 1);
      if (type.variety === 'list') return { builtin: 'list', list: base };
      return type.enumeration ? { ...base, enumeration: type.enumeration } : base;
    }
    if (type.content !== 'simple') throw new ConfigError(`${path}: the type ${type.name?.localName ?? '(anonymous)'} has element content, not text`);
    const base = this.simpleInfo(type.base, path, hops + 1);
    return type.enumeration ? { ...base, enumeration: type.enumeration } : base;
  }

  private simpleText(info: SimpleInfo, value: unknown, path: string): string {
    let text: string;
    if (info.list) {
      const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/\s+/).filter((s) => s !== '') : [value];
      text = items.map((item, i) => this.simpleText(info.list!, item, `${path}[${i}]`)).join(' ');
      return text;
    }
    if (Array.isArray(value)) throw new XsdWriteError(path, 'occurs at most once, and the value is an array');
    try {
      text = lexicalForm(info.builtin, value);
    } catch (err) {
      throw new XsdWriteError(path, (err as Error).message);
    }
    if (info.enumeration && !info.enumeration.includes(text)) {
      throw new XsdWriteError(path, `${JSON.stringify(text)} is not one of ${info.enumeration.map((e) => JSON.stringify(e)).join(', ')}`);
    }
    return escapeText(text, path);
  }

  private complex(type: XsdComplexType, value: unknown, path: string): { attrs: string; body: string } {
    const obj: Record<string, unknown> =
      isObject(value) ? value : type.content === 'simple' || type.mixed ? { '#text': value } : value === '' ? {} : notObject(path, value);
    const attrs = this.attributes(type, obj, path);
    if (type.content === 'simple') {
      const rest = Object.keys(obj).filter((k) => !k.startsWith('@') && k !== '#text');
      if (rest.length > 0) throw new XsdWriteError(`${path}.${rest[0]}`, 'is not declared: the element has text content (write it under #text)');
      if (!('#text' in obj) || obj['#text'] === null) throw new XsdWriteError(`${path}.#text`, 'the text content is required');
      return { attrs, body: this.simpleText(this.simpleInfo({ inline: type }, path), obj['#text'], path) };
    }
    let body = '';
    if ('#text' in obj && obj['#text'] !== null && obj['#text'] !== '') {
      if (!type.mixed) throw new XsdWriteError(`${path}.#text`, 'the element has no text content');
      body += escapeText(String(obj['#text']), path);
    }
    body += new ContentWriter(this, this.model, type, obj, path).write();
    return { attrs, body };
  }

  private attributes(type: XsdComplexType, obj: Record<string, unknown>, path: string): string {
    const { declared, any } = this.attributeDecls(type, path);
    const byLocal = new Map<string, string>();
    for (const key of Object.keys(obj)) {
      if (!key.startsWith('@') || key === '@xmlns' || key.startsWith('@xmlns:') || key.startsWith('@xsi:')) continue;
      const local = localPart(key.slice(1));
      if (byLocal.has(local)) throw new XsdWriteError(`${path}.${key}`, `the attribute ${local} is given twice`);
      byLocal.set(local, key);
    }
    let out = '';
    for (const a of declared) {
      const key = byLocal.get(a.name.localName);
      byLocal.delete(a.name.localName);
      const v = key === undefined ? undefined : obj[key];
      const apath = `${path}.@${a.name.localName}`;
      if (v === undefined || v === null) {
        if (a.fixed !== undefined && a.required) out += ` ${this.qname(a.name)}="${escapeAttr(a.fixed)}"`;
        else if (a.required) throw new XsdWriteError(apath, 'the attribute is required');
        continue;
      }
      const text = this.simpleText(this.simpleInfo(a.type, apath), v, apath);
      out += ` ${this.qname(a.name)}="${escapeAttr(unescapeText(text))}"`;
    }
    for (const [local, key] of byLocal) {
      if (!any) throw new XsdWriteError(`${path}.${key}`, `is not an attribute the schema declares${declared.length ? ` (declared: ${declared.map((d) => d.name.localName).join(', ')})` : ''}`);
      const v = obj[key];
      if (v === null || v === undefined) continue;
      if (typeof v === 'object') throw new XsdWriteError(`${path}.${key}`, 'an attribute value must be text');
      out += ` ${xmlName(local, `${path}.${key}`)}="${escapeAttr(String(v), `${path}.${key}`)}"`;
    }
    return out;
  }

  private attributeDecls(type: XsdComplexType, path: string, hops = 0): { declared: AttributeDecl[]; any: boolean } {
    let declared: AttributeDecl[] = [];
    let any = type.anyAttribute;
    const baseType = type.base && resolveType(this.model, type.base);
    if (baseType?.kind === 'complex' && hops < 50) {
      const base = this.attributeDecls(baseType, path, hops + 1);
      declared = base.declared;
      any ||= base.any;
    }
    const own: AttributeDecl[] = [];
    const prohibited = new Set<string>();
    this.flattenAttributes(type.attributes, own, prohibited, path, 0);
    const ownNames = new Set(own.map((a) => xsdKey(a.name)));
    declared = declared.filter((a) => !ownNames.has(xsdKey(a.name)) && !prohibited.has(xsdKey(a.name)));
    return { declared: [...declared, ...own], any };
  }

  private flattenAttributes(uses: readonly XsdAttributeUse[], out: AttributeDecl[], prohibited: Set<string>, path: string, hops: number): void {
    for (const use of uses) {
      if (use.kind === 'attributeGroupRef') {
        const group = this.model.attributeGroups.get(use.ref);
        if (!group) throw new ConfigError(`${path}: the schema has no attribute group ${use.ref}`);
        if (hops < 50) this.flattenAttributes(group, out, prohibited, path, hops + 1);
        continue;
      }
      if (use.kind === 'attributeRef') {
        const global = this.model.attributes.get(use.ref);
        if (!global && use.ref.startsWith('{http://www.w3.org/XML/1998/namespace}')) {
          continue; // xml:lang and friends: written as given through a wildcard-free schema is rare; skipped
        }
        if (!global) throw new ConfigError(`${path}: the schema has no attribute ${use.ref}`);
        if (use.prohibited) prohibited.add(use.ref);
        else out.push({ name: global.name, ...(global.type ? { type: global.type } : {}), required: use.required, ...(global.fixed !== undefined ? { fixed: global.fixed } : {}) });
        continue;
      }
      if (use.prohibited) prohibited.add(xsdKey(use.name));
      else out.push({ name: use.name, ...(use.type ? { type: use.type } : {}), required: use.required, ...(use.fixed !== undefined ? { fixed: use.fixed } : {}) });
    }
  }

  /** Content of xs:anyType or a wildcard: text as text, objects through the XML convention (names as written). */
  anything(value: unknown, path: string): { attrs: string; body: string } {
    if (!isObject(value)) {
      if (Array.isArray(value)) throw new XsdWriteError(path, 'an array here would be a repeated element; this element occurs once');
      return { attrs: '', body: escapeText(String(value), path) };
    }
    let attrs = '';
    let body = '';
    for (const [key, v] of Object.entries(value)) {
      if (v === null || v === undefined) continue;
      // Namespace declarations pass: names in content written as XML (prefixed keys) need theirs.
      if (key.startsWith('@')) attrs += ` ${xmlName(key.slice(1), `${path}.${key}`, true)}="${escapeAttr(String(v), `${path}.${key}`)}"`;
      else if (key === '#text') body += escapeText(String(v), path);
      else body += this.convention(key, v, `${path}.${key}`);
    }
    return { attrs, body };
  }

  convention(key: string, v: unknown, path: string): string {
    try {
      return (Array.isArray(v) ? v : [v]).map((item) => jsonToXml({ [key]: item }, { declaration: false })).join('');
    } catch (err) {
      throw new XsdWriteError(path, (err as Error).message);
    }
  }
}

function notObject(path: string, value: unknown): never {
  throw new XsdWriteError(path, `expected an object of child elements, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
}

function textOf(value: unknown, path: string): unknown {
  if (isObject(value)) {
    const keys = Object.keys(value).filter((k) => !k.startsWith('@xmlns'));
    if (keys.length === 1 && keys[0] === '#text') return value['#text'];
    const attr = keys.find((k) => k.startsWith('@'));
    if (attr) throw new XsdWriteError(`${path}.${attr}`, 'the element has a simple type: it takes no attributes');
    throw new XsdWriteError(path, `expected a simple value, got an object`);
  }
  return value;
}

