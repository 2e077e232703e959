import { InputError } from '@junction/core';
import { CDATA_KEY, MIXED_KEY, TEXT_KEY } from './xml-convention';
import type { ResolvedXmlLimits } from './xml-guard';
import type { PrefixScope } from './xml-prefixes';
import { type ArrayPathNode, type ArrayPaths, setOwn } from './xml-reader';

/**
 * What the codec's `parse` would return for the bytes `writeXml` made of a value, computed from the value alone:
 * for a producer that built the value and wrote it (a SOAP payload made canonical), so that the bus need not read
 * its own output back. It follows the reader (xml-reader.ts) over the nodes the writer would have written: text
 * runs, CDATA sections and elements, in order, classified the same way (text-only, object, `#cdata`, `#mixed`), with
 * the codec's `arrays` paths applied, and its namespace prefixes when it has them (`scope`: see xml-prefixes.ts).
 *
 * It covers the shapes the reader itself produces (strings, `@` attributes with string values, `#text`, `#cdata`,
 * `#mixed`, element keys with a value or a list), whatever keys and attributes were renamed, added or removed.
 * For anything else, and for bytes that a limit would refuse (size, depth, attributes per element), it gives
 * undefined: the caller then parses the bytes, which gives the value or the exact refusal.
 */
export function rereadWritten(
  written: unknown,
  byteLength: number,
  paths: ArrayPaths | undefined,
  limits: ResolvedXmlLimits,
  scope?: PrefixScope,
): Record<string, unknown> | undefined {
  if (byteLength > limits.maxBytes || !isObject(written)) return undefined;
  const keys = Object.keys(written);
  // One root element and nothing else (no declaration): what a built payload is.
  if (keys.length !== 1 || !isElementKey(keys[0])) return undefined;
  const root = keys[0];
  const value = written[root];
  if (Array.isArray(value)) return undefined;
  try {
    const doc: Record<string, unknown> = {};
    const inside = scope?.inside(attributesOf(value));
    const key = inside ? inside.element(root) : root;
    setOwn(doc, key, element(value, paths?.get(key), 1, limits, inside));
    return doc;
  } catch (err) {
    // An undeclared prefix: parse gives the refusal, with its place in the bytes.
    if (err === UNSURE || err instanceof InputError) return undefined;
    throw err;
  }
}

/** Thrown (never escapes) where the value is not a shape this follows; the caller parses instead. */
const UNSURE = new Error('parse instead');

type XmlObject = Record<string, unknown>;
/** A node as the parser would see it: text (merged with adjacent text), CDATA or an element. */
type Node = { readonly text: string } | { readonly cdata: string } | { readonly name: string; readonly value: unknown; readonly scope?: PrefixScope };

/** `scope`: the route's prefixes in scope inside this element (its own declarations included), when the codec has them. */
function element(value: unknown, path: ArrayPathNode | undefined, level: number, limits: ResolvedXmlLimits, scope: PrefixScope | undefined): unknown {
  // The guard refuses a start tag with maxDepth elements open around it.
  if (level > limits.maxDepth) throw UNSURE;
  if (typeof value === 'string') return value;
  if (!isObject(value)) throw UNSURE;
  let attributes: XmlObject | undefined;
  let count = 0;
  let content = false;
  let plain = true; // only element keys as content: the object form, no node list needed
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    const v = value[key];
    if (v === undefined || (Array.isArray(v) && v.length === 0)) continue; // written as nothing
    if (key.charCodeAt(0) === 0x40 /* @ */) {
      if (typeof v !== 'string') throw UNSURE;
      (attributes ??= {})[key] = v;
      count++;
    } else {
      content = true;
      if (key.charCodeAt(0) === 0x23 /* # */) plain = false;
    }
  }
  if (count > limits.maxAttributes) throw UNSURE;
  if (scope && attributes) attributes = scope.attributes(attributes);
  if (!content) return attributes ?? '';
  // Renamed, two written names may become one: only the node list tells repeats from interleaving then.
  return plain && !scope
    ? objectForm(value, attributes ?? {}, path, level, limits)
    : fromNodes(nodesOf(value, scope), attributes, path, level, limits);
}

/** The attributes of a written element value, as the writer writes them (string values), for its scope. */
function attributesOf(value: unknown): XmlObject | undefined {
  if (!isObject(value)) return undefined;
  let attributes: XmlObject | undefined;
  for (const key in value) {
    if (key.charCodeAt(0) === 0x40 && Object.prototype.hasOwnProperty.call(value, key) && typeof value[key] === 'string') (attributes ??= {})[key] = value[key];
  }
  return attributes;
}

/** Element keys only: written in key order, each key's elements together, so never interleaved. */
function objectForm(value: XmlObject, into: XmlObject, path: ArrayPathNode | undefined, level: number, limits: ResolvedXmlLimits): XmlObject {
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    const v = value[key];
    if (v === undefined || key.charCodeAt(0) === 0x40) continue;
    const childPath = path?.children.get(key);
    if (Array.isArray(v)) {
      if (v.length === 0) continue;
      if (v.length === 1 && !childPath?.forced) {
        setOwn(into, key, element(v[0], childPath, level + 1, limits, undefined));
        continue;
      }
      setOwn(into, key, v.map((item) => element(item, childPath, level + 1, limits, undefined)));
    } else {
      const read = element(v, childPath, level + 1, limits, undefined);
      setOwn(into, key, childPath?.forced ? [read] : read);
    }
  }
  return into;
}

/** The content nodes the writer emits for an object, in order, adjacent text merged as the parser would. */
function nodesOf(value: XmlObject, scope: PrefixScope | undefined): Node[] {
  const nodes: Node[] = [];
  const push = (name: string, v: unknown) => {
    if (!scope) return void nodes.push({ name, value: v });
    const inside = scope.inside(attributesOf(v));
    nodes.push({ name: inside.element(name), value: v, scope: inside });
  };
  const text = (t: unknown) => {
    if (typeof t !== 'string') throw UNSURE;
    if (t === '') return;
    const last = nodes[nodes.length - 1];
    if (last && 'text' in last) nodes[nodes.length - 1] = { text: last.text + t };
    else nodes.push({ text: t });
  };
  const cdata = (c: unknown) => {
    // A section the writer splits at `]]>` reads back as two: let the parser say what it reads.
    if (typeof c !== 'string' || c.includes(']]>')) throw UNSURE;
    nodes.push({ cdata: c });
  };
  const elements = (name: string, v: unknown) => {
    if (Array.isArray(v)) for (const item of v) push(name, item);
    else push(name, v);
  };
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    const v = value[key];
    if (v === undefined || key.charCodeAt(0) === 0x40) continue;
    if (key === TEXT_KEY) text(v);
    else if (key === CDATA_KEY) cdata(v);
    else if (key === MIXED_KEY) {
      if (!Array.isArray(v)) throw UNSURE;
      for (const entry of v) {
        if (typeof entry === 'string') text(entry);
        else if (!isObject(entry)) throw UNSURE;
        else {
          for (const k in entry) {
            if (!Object.prototype.hasOwnProperty.call(entry, k)) continue;
            const e = entry[k];
            if (e === undefined) continue;
            if (k === CDATA_KEY) cdata(e);
            else if (k === TEXT_KEY) text(e);
            else if (isElementKey(k) && !Array.isArray(e)) push(k, e);
            else throw UNSURE;
          }
        }
      }
    } else if (isElementKey(key)) elements(key, v);
    else throw UNSURE;
  }
  return nodes;
}

/** readElement of xml-reader.ts, over the written nodes. */
function fromNodes(nodes: Node[], attributes: XmlObject | undefined, path: ArrayPathNode | undefined, level: number, limits: ResolvedXmlLimits): unknown {
  let realText = false;
  let elements = 0;
  let cdata = 0;
  let interleaved = false;
  let previous: string | undefined;
  let seen: Set<string> | undefined;
  for (const node of nodes) {
    if ('text' in node) {
      if (!realText && !isBlank(node.text)) realText = true;
    } else if ('cdata' in node) {
      cdata++;
    } else {
      elements++;
      if (node.name !== previous) {
        if (previous !== undefined) {
          (seen ??= new Set()).add(previous);
          if (seen.has(node.name)) interleaved = true;
        }
        previous = node.name;
      }
    }
  }
  if (elements === 0 && cdata === 0) {
    const text = nodes.length === 0 ? '' : (nodes[0] as { text: string }).text;
    if (!attributes) return text;
    if (text !== '') attributes[TEXT_KEY] = text;
    return attributes;
  }
  const result = attributes ?? {};
  if (realText || interleaved || cdata > 1 || (cdata === 1 && elements > 0)) {
    const items: unknown[] = [];
    for (const node of nodes) {
      if ('text' in node) {
        if (realText) items.push(node.text);
      } else if ('cdata' in node) {
        items.push({ [CDATA_KEY]: node.cdata });
      } else {
        items.push({ [node.name]: element(node.value, path?.children.get(node.name), level + 1, limits, node.scope) });
      }
    }
    result[MIXED_KEY] = items;
  } else if (elements === 0) {
    result[CDATA_KEY] = (nodes.find((n) => 'cdata' in n) as { cdata: string }).cdata;
  } else {
    let lastKey: string | undefined;
    let last: unknown;
    for (const node of nodes) {
      if (!('name' in node)) continue;
      const childPath = path?.children.get(node.name);
      const read = element(node.value, childPath, level + 1, limits, node.scope);
      if (node.name === lastKey) {
        if (Array.isArray(last)) last.push(read);
        else setOwn(result, node.name, (last = [last, read]));
      } else {
        lastKey = node.name;
        last = childPath?.forced ? [read] : read;
        setOwn(result, node.name, last);
      }
    }
  }
  return result;
}

function isObject(value: unknown): value is XmlObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function isElementKey(key: string): boolean {
  const c = key.charCodeAt(0);
  return c !== 0x40 /* @ */ && c !== 0x23 /* # */;
}

/** XML whitespace is exactly space, tab, CR and LF. */
function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return true;
}
