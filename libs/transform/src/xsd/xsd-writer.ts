import { BusError, ConfigError } from '@junction/core';
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
import { resolveType } from './xsd-reader';

/**
 * A JSON value that does not fit the schema: `path` names the place (`Order.Lines.Line[1].@sku`). Not retriable:
 * the same value fails again. A SOAP target dead-letters the message, a SOAP service answers a Server/Receiver Fault.
 */
export class XsdWriteError extends BusError {
  constructor(
    readonly path: string,
    why: string,
  ) {
    super('XML_SCHEMA_MISMATCH', `${path}: ${why}`, { retriable: false });
  }
}

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
 * the element or a type it refers to.
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

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unwrap(value: unknown, localName: string): unknown {
  if (isObject(value)) {
    const keys = Object.keys(value).filter((k) => k !== '?xml');
    if (keys.length === 1 && localPart(keys[0]) === localName && !keys[0].startsWith('@')) return value[keys[0]];
  }
  return value;
}

function localPart(key: string): string {
  const colon = key.indexOf(':');
  return colon === -1 ? key : key.slice(colon + 1);
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
      out += ` ${local}="${escapeAttr(String(v))}"`;
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
      if (key.startsWith('@')) attrs += ` ${key.slice(1)}="${escapeAttr(String(v))}"`;
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

/**
 * Writes the children of one element of a complex type in the schema's order, consuming the JSON object's keys.
 */
class ContentWriter {
  private readonly keys = new Map<string, string>();
  private readonly consumed = new Set<string>();
  private readonly declaredNames: Set<string>;

  constructor(
    private readonly w: XsdWriter,
    private readonly model: XsdModel,
    private readonly type: XsdComplexType,
    private readonly obj: Record<string, unknown>,
    private readonly path: string,
  ) {
    for (const key of Object.keys(obj)) {
      if (key.startsWith('@') || key.startsWith('#') || obj[key] === undefined) continue;
      const local = localPart(key);
      if (this.keys.has(local)) throw new XsdWriteError(`${path}.${key}`, `the element ${local} is given twice`);
      this.keys.set(local, key);
    }
    this.declaredNames = new Set();
    for (const p of this.particles()) this.names(p, this.declaredNames, 0);
  }

  write(): string {
    let out = '';
    for (const p of this.particles()) out += this.emit(p, true, 1);
    const left = [...this.keys].filter(([local]) => !this.consumed.has(local));
    if (left.length > 0) {
      const [, key] = left[0];
      const expected = [...this.declaredNames];
      throw new XsdWriteError(`${this.path}.${key}`, `is not declared by the schema${expected.length ? ` (expected: ${expected.join(', ')})` : ' (the element is empty)'}`);
    }
    return out;
  }

  /** The type's particles in order: for a complexContent extension, the base's content first. */
  private particles(type: XsdComplexType = this.type, hops = 0): XsdParticle[] {
    const own = type.particle ? [type.particle] : [];
    if (type.derivation !== 'extension' || !type.base || hops > 50) return own;
    const base = resolveType(this.model, type.base);
    if (base?.kind !== 'complex' || base.content !== 'elements') return own;
    return [...this.particles(base, hops + 1), ...own];
  }

  private element(p: XsdParticle & { kind: 'element' | 'elementRef' }): XsdElement {
    if (p.kind === 'element') return p;
    const global = this.model.elements.get(p.ref);
    if (!global) throw new ConfigError(`${this.path}: the schema has no element ${p.ref}`);
    return { ...global, minOccurs: p.minOccurs, maxOccurs: p.maxOccurs };
  }

  private group(p: XsdParticle & { kind: 'groupRef' }): XsdParticle {
    const g = this.model.groups.get(p.ref);
    if (!g) throw new ConfigError(`${this.path}: the schema has no group ${p.ref}`);
    return { ...g, minOccurs: p.minOccurs, maxOccurs: p.maxOccurs };
  }

  private names(p: XsdParticle, into: Set<string>, hops: number): Set<string> {
    if (hops > 50) return into;
    switch (p.kind) {
      case 'element':
      case 'elementRef':
        into.add(this.element(p).name.localName);
        break;
      case 'groupRef':
        this.names(this.group(p), into, hops + 1);
        break;
      case 'any':
        break;
      default:
        for (const c of p.particles) this.names(c, into, hops + 1);
    }
    return into;
  }

  private present(p: XsdParticle): boolean {
    if (p.kind === 'any') return [...this.keys.keys()].some((k) => !this.declaredNames.has(k));
    for (const n of this.names(p, new Set(), 0)) if (this.given(n)) return true;
    return false;
  }

  private given(local: string): boolean {
    const key = this.keys.get(local);
    return key !== undefined && this.obj[key] !== null && !(Array.isArray(this.obj[key]) && (this.obj[key] as unknown[]).length === 0);
  }

  private emptiable(p: XsdParticle, hops = 0): boolean {
    if (p.minOccurs === 0 || hops > 50) return true;
    switch (p.kind) {
      case 'element':
      case 'elementRef':
      case 'any':
        return false;
      case 'groupRef':
        return this.emptiable(this.group(p), hops + 1);
      case 'choice':
        return p.particles.length === 0 || p.particles.some((c) => this.emptiable(c, hops + 1));
      default:
        return p.particles.every((c) => this.emptiable(c, hops + 1));
    }
  }

  /** Writes a particle; `required`: its enclosing group is taken (so its own minOccurs applies). */
  private emit(p: XsdParticle, required: boolean, repeat: number): string {
    switch (p.kind) {
      case 'element':
      case 'elementRef':
        return this.emitElement(this.element(p), required, repeat);
      case 'groupRef':
        return this.emit(this.group(p), required, repeat);
      case 'any':
        return this.emitWildcard();
      case 'sequence':
      case 'all': {
        const taken = (required && p.minOccurs > 0) || this.present(p);
        if (!taken) return '';
        return p.particles.map((c) => this.emit(c, true, repeat * p.maxOccurs)).join('');
      }
      case 'choice': {
        const branches = p.particles.filter((c) => this.present(c));
        if (branches.length === 0) {
          if (!required || p.minOccurs === 0 || p.particles.length === 0 || p.particles.some((c) => this.emptiable(c))) return '';
          const options = p.particles.map((c) => [...this.names(c, new Set(), 0)].join('+') || '(any)').join(' | ');
          throw new XsdWriteError(this.path, `one of ${options} is required`);
        }
        if (branches.length > p.maxOccurs) {
          const given = branches.map((c) => [...this.names(c, new Set(), 0)].filter((n) => this.given(n)).join('+'));
          throw new XsdWriteError(this.path, `${given.join(' and ')} are alternatives of a choice: give only one`);
        }
        return branches.map((c) => this.emit(c, true, repeat * p.maxOccurs)).join('');
      }
    }
  }

  private emitElement(decl: XsdElement, required: boolean, repeat: number): string {
    const local = decl.name.localName;
    const key = this.keys.get(local);
    const path = `${this.path}.${local}`;
    if (key === undefined || this.obj[key] === undefined) {
      if (required && decl.minOccurs > 0) throw new XsdWriteError(path, 'the element is required');
      return '';
    }
    this.consumed.add(local);
    const raw = this.obj[key];
    const items = Array.isArray(raw) && !this.isListValue(decl) ? raw : [raw];
    const max = decl.maxOccurs * repeat;
    if (items.length > max) {
      throw new XsdWriteError(path, max === 1 ? `occurs at most once, and the value is an array of ${items.length}` : `occurs at most ${max} times, and ${items.length} are given`);
    }
    const written = items.filter((v) => v !== null || decl.nillable);
    if (required && written.length < decl.minOccurs) {
      throw new XsdWriteError(path, written.length === 0 ? 'the element is required' : `occurs at least ${decl.minOccurs} times, and ${written.length} are given`);
    }
    return written.map((v, i) => this.w.occurrence(decl, v, Array.isArray(raw) && items.length > 1 ? `${path}[${i}]` : path)).join('');
  }

  /** An array for an element of an xs:list type that occurs once is the list's items. */
  private isListValue(decl: XsdElement): boolean {
    if (decl.maxOccurs > 1 || !decl.type) return false;
    const t = resolveType(this.model, decl.type);
    return t?.kind === 'simple' && t.variety === 'list';
  }

  private emitWildcard(): string {
    let out = '';
    for (const [local, key] of this.keys) {
      if (this.declaredNames.has(local) || this.consumed.has(local)) continue;
      this.consumed.add(local);
      const v = this.obj[key];
      if (v === null || v === undefined) continue;
      out += this.w.convention(key, v, `${this.path}.${key}`);
    }
    return out;
  }
}

// Characters XML 1.0 cannot carry (most C0 controls, U+FFFE/U+FFFF, lone surrogates): refused, never replaced.
const INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function escapeText(text: string, path: string): string {
  if (INVALID.test(text)) throw new XsdWriteError(path, 'the text holds a character XML cannot carry');
  return text.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;'));
}

function unescapeText(text: string): string {
  return text.replace(/&(amp|lt|gt|#13);/g, (_, e: string) => (e === 'amp' ? '&' : e === 'lt' ? '<' : e === 'gt' ? '>' : '\r'));
}

function escapeAttr(text: string): string {
  if (INVALID.test(text)) throw new XsdWriteError('attribute', 'the value holds a character XML cannot carry');
  return text.replace(/[&<>"\r\n\t]/g, (c) => `&${ATTR_ENTITIES[c]};`);
}

const ATTR_ENTITIES: Record<string, string> = { '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', '\r': '#13', '\n': '#10', '\t': '#9' };
