import { ConfigError } from '@junction/core';
import { CDATA_KEY, DECLARATION_KEY, MIXED_KEY, TEXT_KEY } from './xml-convention';
import type { PrefixScope } from './xml-prefixes';

/**
 * Turns fast-xml-parser's `preserveOrder` tree into the friendly form of the convention (see xml-convention.ts).
 * One pass per element: a classification loop without recursion, then one conversion of each child, so every node is
 * converted exactly once whatever shape the document has. Recursion depth is bounded by the guard's maxDepth.
 */

/** One node of the `preserveOrder` output: `{name: children, ':@'?: attributes}`, `{'#text': s}` or CDATA. */
export type OrderedNode = Record<string, unknown>;
type Attributes = Record<string, unknown>;

const ATTRIBUTES = ':@';
/** On a node renamed for a route's namespaces: the prefixes in scope inside it (not enumerated by `for...in`). */
const SCOPE = Symbol('scope');
/**
 * The parser refuses element names that are dangerous object keys (`__proto__`, `constructor`, `prototype`); the
 * codec renames them with this prefix on the way in (no XML name can start with `#`) and the reader renames back.
 */
export const ESCAPED_NAME_PREFIX = '#x:';

/** A level of the compiled `arrays` paths: whether the element here is always a list, and deeper paths. */
export interface ArrayPathNode {
  forced: boolean;
  readonly children: Map<string, ArrayPathNode>;
}
/** Compiled `arrays` paths keyed by root element name. */
export type ArrayPaths = ReadonlyMap<string, ArrayPathNode>;

/**
 * Compiles the caller's dotted `arrays` paths into a tree walked alongside the document, so that the hot path does
 * a map lookup per element under a listed path and nothing at all elsewhere. Throws ConfigError for an empty
 * segment or a path naming only the root (a root is one element, never a list). Element names containing a dot
 * cannot be addressed.
 */
export function compileArrayPaths(paths: readonly string[] | undefined): ArrayPaths | undefined {
  if (!paths || paths.length === 0) return undefined;
  const roots = new Map<string, ArrayPathNode>();
  const problems: string[] = [];
  for (const path of paths) {
    const segments = path.split('.');
    if (segments.some((s) => s.trim() !== s || s.length === 0)) {
      problems.push(`XML arrays path '${path}' has an empty or blank segment`);
      continue;
    }
    if (segments.length < 2) {
      problems.push(`XML arrays path '${path}' names only the root element, which cannot be a list`);
      continue;
    }
    let level = roots;
    let node: ArrayPathNode | undefined;
    for (const segment of segments) {
      node = level.get(segment);
      if (!node) level.set(segment, (node = { forced: false, children: new Map() }));
      level = node.children;
    }
    node!.forced = true;
  }
  if (problems.length > 0) throw new ConfigError(problems.join('; '), problems);
  return roots;
}

/**
 * Converts a whole parsed document: the declaration (if any) then the root element. `scope`: the route's namespaces
 * (see xml-prefixes.ts), applied to each element as it is read; without it names stay as written.
 */
export function readDocument(nodes: OrderedNode[], paths: ArrayPaths | undefined, scope?: PrefixScope): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  for (const node of scope ? renamed(nodes, scope) : nodes) {
    const name = nameOf(node);
    if (name === DECLARATION_KEY) {
      doc[DECLARATION_KEY] = (node[ATTRIBUTES] as Attributes | undefined) ?? {};
    } else if (name !== TEXT_KEY && name.charCodeAt(0) !== 0x3f /* other PIs */) {
      const key = unescapeName(name);
      setOwn(doc, key, readElement(node[name] as OrderedNode[], node[ATTRIBUTES] as Attributes, paths?.get(key), scopeOf(node)));
    }
  }
  return doc;
}

/**
 * The element nodes among `nodes` under their keys for the route's namespaces, each with its attributes renamed and
 * the scope inside it; text, CDATA and instructions as they are. Done once per element, as its parent is read, so
 * that classification (repeats, interleaving) and `arrays` paths see the names expressions use.
 */
function renamed(nodes: OrderedNode[], scope: PrefixScope): OrderedNode[] {
  if (nodes.length === 1 && TEXT_KEY in nodes[0]) return nodes; // a text-only element, the common case
  const out: OrderedNode[] = new Array(nodes.length);
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i];
    const name = nameOf(node);
    const c = name.charCodeAt(0);
    if (c === 0x3f /* ? */ || name === TEXT_KEY || name === CDATA_KEY) {
      out[i] = node;
      continue;
    }
    const [inner, attributes] = scope.enter(node[ATTRIBUTES] as Attributes | undefined);
    const key = inner.element(unescapeName(name));
    // A computed key defines an own property even for `__proto__`.
    const element: OrderedNode = { [key]: node[name] };
    if (attributes) element[ATTRIBUTES] = attributes;
    (element as Record<symbol, unknown>)[SCOPE] = inner;
    out[i] = element;
  }
  return out;
}

function readElement(
  children: OrderedNode[],
  attributes: Attributes | undefined,
  path: ArrayPathNode | undefined,
  scope: PrefixScope | undefined,
): unknown {
  if (scope) children = renamed(children, scope);
  let realText = false;
  let elements = 0;
  let cdata = 0;
  let interleaved = false;
  let previous: string | undefined;
  let seen: Set<string> | undefined;
  for (const child of children) {
    const name = nameOf(child);
    if (name === TEXT_KEY) {
      if (!realText && !isBlank(child[TEXT_KEY] as string)) realText = true;
    } else if (name === CDATA_KEY) {
      cdata++;
    } else if (name.charCodeAt(0) !== 0x3f /* PIs are dropped */) {
      elements++;
      if (name !== previous) {
        if (previous !== undefined) {
          (seen ??= new Set()).add(previous);
          if (seen.has(name)) interleaved = true;
        }
        previous = name;
      }
    }
  }

  if (elements === 0 && cdata === 0) {
    const text = joinText(children);
    if (!attributes) return text;
    if (text !== '') attributes[TEXT_KEY] = text;
    return attributes;
  }
  const result = attributes ?? {};
  if (realText || interleaved || cdata > 1 || (cdata === 1 && elements > 0)) {
    result[MIXED_KEY] = readMixed(children, realText, path);
  } else if (elements === 0) {
    result[CDATA_KEY] = cdataOf(children.find((c) => nameOf(c) === CDATA_KEY)!);
  } else {
    readChildren(children, result, path);
  }
  return result;
}

/** Object form: siblings are contiguous by name here, so a repeat always extends the list just started. */
function readChildren(children: OrderedNode[], into: Record<string, unknown>, path: ArrayPathNode | undefined): void {
  let lastKey: string | undefined;
  let last: unknown;
  for (const child of children) {
    const name = nameOf(child);
    if (name === TEXT_KEY || name.charCodeAt(0) === 0x3f) continue;
    const key = unescapeName(name);
    const childPath = path?.children.get(key);
    const value = readElement(child[name] as OrderedNode[], child[ATTRIBUTES] as Attributes, childPath, scopeOf(child));
    if (key === lastKey) {
      if (Array.isArray(last)) last.push(value);
      else setOwn(into, key, (last = [last, value]));
    } else {
      lastKey = key;
      last = childPath?.forced ? [value] : value;
      setOwn(into, key, last);
    }
  }
}

/** `#mixed` form: text (kept only when the element has real text), elements and CDATA in document order. */
function readMixed(children: OrderedNode[], keepText: boolean, path: ArrayPathNode | undefined): unknown[] {
  const items: unknown[] = [];
  let text = '';
  for (const child of children) {
    const name = nameOf(child);
    if (name === TEXT_KEY) {
      if (keepText) text += child[TEXT_KEY] as string;
      continue;
    }
    if (name.charCodeAt(0) === 0x3f) continue; // a dropped PI joins the text around it
    if (text !== '') {
      items.push(text);
      text = '';
    }
    if (name === CDATA_KEY) {
      items.push({ [CDATA_KEY]: cdataOf(child) });
    } else {
      const key = unescapeName(name);
      // A computed key defines an own property even for `__proto__`.
      items.push({ [key]: readElement(child[name] as OrderedNode[], child[ATTRIBUTES] as Attributes, path?.children.get(key), scopeOf(child)) });
    }
  }
  if (text !== '') items.push(text);
  return items;
}

function joinText(children: OrderedNode[]): string {
  if (children.length === 1 && TEXT_KEY in children[0]) return children[0][TEXT_KEY] as string; // the common case
  let text = '';
  for (const child of children) if (nameOf(child) === TEXT_KEY) text += child[TEXT_KEY] as string;
  return text;
}

function cdataOf(node: OrderedNode): string {
  const parts = node[CDATA_KEY] as OrderedNode[];
  return parts.length === 0 ? '' : ((parts[0][TEXT_KEY] as string | undefined) ?? '');
}

function scopeOf(node: OrderedNode): PrefixScope | undefined {
  return (node as Record<symbol, PrefixScope | undefined>)[SCOPE];
}

function nameOf(node: OrderedNode): string {
  // The parser writes the name first and `:@` second.
  for (const key in node) if (key !== ATTRIBUTES) return key;
  return ATTRIBUTES;
}

function unescapeName(name: string): string {
  return name.charCodeAt(0) === 0x23 /* # */ ? name.slice(ESCAPED_NAME_PREFIX.length) : name;
}

/** XML whitespace is exactly space, tab, CR and LF (not the wider JS `\s`). */
function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return true;
}

/** Plain assignment would set the prototype for `__proto__`; everything else is a plain property write. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
