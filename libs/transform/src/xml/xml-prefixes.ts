import { ConfigError, InputError } from '@junction/core';

/**
 * A route's namespace prefixes (`xml: { namespaces: { doc: "urn:acme:doc" } }`) applied while a document is read, so
 * that expressions name elements with the route's prefixes whatever prefixes (or default namespace) the sender chose.
 *
 * Compiled once when the route loads (compileNamespaces); per document the reader carries a PrefixScope down the tree
 * and asks it for each element's key: a map lookup per element, no second pass. The rules:
 * - An element or attribute in a namespace the route declares takes the route's prefix (`doc:Document`), whether
 *   the sender wrote it with that prefix, another one or as its default namespace (`xmlns="urn:acme:doc"`).
 * - An element or attribute in a namespace the route does not declare keeps the sender's prefix, or stays unprefixed
 *   under the sender's default namespace; only when the sender's prefix is one the route uses for another namespace
 *   does it become `ns1`, `ns2`... (the first not bound where it is declared), so that a key never means two
 *   namespaces. Unprefixed attributes are in no namespace and are never renamed.
 * - Namespace declarations are renamed where they stand, so that the tree written back out is namespace-correct:
 *   `xmlns:x="urn:acme:doc"` and `xmlns="urn:acme:doc"` both become `@xmlns:doc`, declared once per element.
 *   Declarations of undeclared namespaces stay as they are. Prefixes inside attribute values or text (QName values
 *   such as `xsi:type="x:T"`) are not rewritten.
 * - A prefix used without a declaration makes the document not namespace-well-formed: InputError `XML_MALFORMED`.
 */

/** The namespace bound to the `xml` prefix by definition. */
const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';
const NCNAME = /^[A-Za-z_][A-Za-z0-9._-]*$/;

/** A route's namespaces, compiled: the prefix for each namespace URI, and the set of prefixes. */
export interface CompiledNamespaces {
  readonly prefixOf: ReadonlyMap<string, string>;
  readonly prefixes: ReadonlySet<string>;
}

/**
 * Compiles `prefix -> namespace URI` declarations. Throws ConfigError for a prefix that is not an XML name or is
 * reserved (`xml`, `xmlns`), an empty or reserved URI, and a URI given two prefixes (a key must name one namespace).
 */
export function compileNamespaces(declared: Readonly<Record<string, string>> | undefined): CompiledNamespaces | undefined {
  if (!declared) return undefined;
  const entries = Object.entries(declared);
  if (entries.length === 0) return undefined;
  const prefixOf = new Map<string, string>();
  const problems: string[] = [];
  for (const [prefix, uri] of entries) {
    if (!NCNAME.test(prefix) || prefix.includes(':')) problems.push(`XML namespace prefix '${prefix}' is not an XML name`);
    else if (prefix === 'xml' || prefix === 'xmlns') problems.push(`XML namespace prefix '${prefix}' is reserved`);
    else if (typeof uri !== 'string' || uri === '') problems.push(`XML namespace prefix '${prefix}' needs a namespace URI`);
    else if (uri === XML_NS || uri === XMLNS_NS) problems.push(`XML namespace '${uri}' is reserved`);
    else if (prefixOf.has(uri)) problems.push(`XML namespace '${uri}' has two prefixes: '${prefixOf.get(uri)}' and '${prefix}'`);
    else prefixOf.set(uri, prefix);
  }
  if (problems.length > 0) throw new ConfigError(problems.join('; '), problems);
  return { prefixOf, prefixes: new Set(prefixOf.values()) };
}

/** A sender's prefix in scope: the namespace it is bound to and the prefix written in its place ('' for none). */
interface Binding {
  readonly uri: string;
  readonly out: string;
}

type Attributes = Record<string, unknown>;

/** The sender's prefixes in scope at an element, with the prefix each is written as. Immutable; shared by children. */
export class PrefixScope {
  private constructor(
    private readonly ns: CompiledNamespaces,
    /** Sender prefix -> binding; `''` is the default namespace. */
    private readonly bindings: ReadonlyMap<string, Binding>,
  ) {}

  /** The scope outside the root element: only `xml` is bound. */
  static root(ns: CompiledNamespaces): PrefixScope {
    return new PrefixScope(ns, new Map([['xml', { uri: XML_NS, out: 'xml' }]]));
  }

  /**
   * The scope inside an element whose parser attributes (`@name` keys) are `attributes`, and those attributes with
   * the route's prefixes: the same object when nothing changes.
   */
  enter(attributes: Attributes | undefined): [PrefixScope, Attributes | undefined] {
    if (!attributes) return [this, undefined];
    const scope = this.inside(attributes);
    return [scope, scope.attributes(attributes)];
  }

  /** The scope inside an element with these attributes (`@name` keys; only the declarations matter). */
  inside(attributes: Attributes | undefined): PrefixScope {
    if (!attributes) return this;
    let bindings: Map<string, Binding> | undefined;
    for (const key in attributes) {
      if (key.charCodeAt(1) !== 0x78 /* x */) continue;
      if (key === '@xmlns') (bindings ??= new Map(this.bindings)).set('', this.defaultBinding(String(attributes[key])));
      else if (key.startsWith('@xmlns:')) {
        bindings ??= new Map(this.bindings);
        const prefix = key.slice(7);
        const uri = String(attributes[key]);
        if (uri === '') bindings.delete(prefix);
        else bindings.set(prefix, this.prefixBinding(prefix, uri, attributes));
      }
    }
    return bindings ? new PrefixScope(this.ns, bindings) : this;
  }

  /** An element's attributes renamed in this scope (the scope inside that element): the same object when unchanged. */
  attributes(attributes: Attributes): Attributes {
    for (const key in attributes) if (key.includes(':') || key === '@xmlns') return this.renameAttributes(attributes);
    return attributes;
  }

  /** The key of an element named `qname` (as written) in this scope, the element's own declarations included. */
  element(qname: string): string {
    const colon = qname.indexOf(':');
    if (colon === -1) {
      const out = this.bindings.get('')?.out;
      return out ? `${out}:${qname}` : qname;
    }
    const prefix = qname.slice(0, colon);
    const out = this.bound(prefix).out;
    return out === prefix ? qname : `${out}:${qname.slice(colon + 1)}`;
  }

  private renameAttributes(attributes: Attributes): Attributes {
    const out: Attributes = {};
    for (const key in attributes) {
      const value = attributes[key];
      if (key === '@xmlns' || key.startsWith('@xmlns:')) {
        const prefix = key === '@xmlns' ? '' : key.slice(7);
        const binding = this.bindings.get(prefix);
        // An undeclaration (`xmlns=""`, `xmlns:p=""`) and a namespace kept as the sender wrote it stay as they are.
        const name = !binding || binding.out === prefix ? key : `@xmlns:${binding.out}`;
        if (!(name in out)) out[name] = value;
        continue;
      }
      const colon = key.indexOf(':');
      if (colon === -1) {
        out[key] = value;
        continue;
      }
      const prefix = key.slice(1, colon);
      const renamed = this.bound(prefix).out;
      out[renamed === prefix ? key : `@${renamed}:${key.slice(colon + 1)}`] = value;
    }
    return out;
  }

  private defaultBinding(uri: string): Binding {
    return { uri, out: uri === '' ? '' : (this.ns.prefixOf.get(uri) ?? '') };
  }

  private prefixBinding(prefix: string, uri: string, attributes: Attributes): Binding {
    const declared = this.ns.prefixOf.get(uri);
    if (declared) return { uri, out: declared };
    if (!this.ns.prefixes.has(prefix)) return { uri, out: prefix };
    // The sender uses one of the route's prefixes for another namespace: written under a prefix of its own.
    for (let n = 1; ; n++) {
      const candidate = `ns${n}`;
      if (!this.ns.prefixes.has(candidate) && !this.bindings.has(candidate) && !(`@xmlns:${candidate}` in attributes) && !this.writes(candidate)) {
        return { uri, out: candidate };
      }
    }
  }

  /** True when some prefix in scope is already written as `prefix`. */
  private writes(prefix: string): boolean {
    for (const binding of this.bindings.values()) if (binding.out === prefix) return true;
    return false;
  }

  private bound(prefix: string): Binding {
    const binding = this.bindings.get(prefix);
    if (!binding) throw new InputError('XML_MALFORMED', `Malformed XML: namespace prefix '${prefix}' is not declared`, 400);
    return binding;
  }
}
