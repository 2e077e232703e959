import { CDATA_KEY, MIXED_KEY, TEXT_KEY } from './xml-convention';
import { type ArrayPathNode, type ArrayPaths, setOwn } from './xml-reader';

/**
 * How an XML body is written for a target that takes JSON: `plain` (the default) is the shape REST consumers expect,
 * `lossless` is the Junction convention itself (xml-convention.ts), which builds back into the same document.
 */
export type JsonStyle = 'plain' | 'lossless';

/**
 * # Plain JSON from a document in the convention
 *
 * The common XML -> JSON shape of integration tools (Camel's xmljson, WSO2, Json.NET): lossy, meant for consumers.
 * - No XML declaration (`?xml`) and no namespace declarations (`@xmlns`, `@xmlns:p`).
 * - Element and attribute names lose the prefixes of the route's `xml.namespaces` (`doc:Document` -> `Document`);
 *   names in namespaces the route does not declare keep their prefix, so that two namespaces never merge silently.
 * - An element with only text (or CDATA) and no attributes is that text; an empty element is `""`.
 * - Attributes stay keys with `@` (`@id`), as in Camel's xmljson, WSO2 and Json.NET, so that an attribute and a
 *   child element of the same name never collide; text beside attributes or children is `#text`.
 * - CDATA is text. Mixed content is grouped: its text joined under `#text`, its elements by name.
 * - Repeated elements, and elements that end up with the same name once prefixes are dropped, are arrays in
 *   document order; the route's `xml.arrays` paths stay arrays also of one.
 * - Values stay strings, as in the convention: `<qty>2</qty>` is `"2"`. A `map` step makes numbers where wanted.
 */
export function plainJson(doc: unknown, paths: ArrayPaths | undefined, prefixes: ReadonlySet<string> | undefined): unknown {
  return new PlainWriter(prefixes).element(doc, paths && { forced: false, children: new Map(paths) });
}

/** One conversion: plain methods rather than closures per element, since documents can hold millions of them. */
class PlainWriter {
  constructor(private readonly prefixes: ReadonlySet<string> | undefined) {}

  element(value: unknown, path: ArrayPathNode | undefined): unknown {
    if (typeof value === 'string') return value;
    if (Array.isArray(value)) return value.map((item) => this.element(item, path));
    if (typeof value !== 'object' || value === null || Buffer.isBuffer(value) || value instanceof Date) return value;
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    let text = '';
    let children = false;
    let keys = 0;
    for (const key in source) {
      if (!Object.prototype.hasOwnProperty.call(source, key)) continue;
      const v = source[key];
      if (v === undefined) continue;
      const c = key.charCodeAt(0);
      if (c === 0x40 /* @ */) {
        if (key.startsWith('@xmlns') && (key.length === 6 || key.charCodeAt(6) === 0x3a)) continue;
        setOwn(out, `@${this.strip(key.slice(1))}`, v);
        keys++;
      } else if (key === TEXT_KEY || key === CDATA_KEY) {
        text += String(v);
      } else if (key === MIXED_KEY && Array.isArray(v)) {
        for (const entry of v) {
          if (typeof entry === 'string') text += entry;
          else if (typeof entry === 'object' && entry !== null) {
            for (const k of Object.keys(entry)) {
              const e = (entry as Record<string, unknown>)[k];
              if (k === CDATA_KEY || k === TEXT_KEY) text += String(e);
              else if (this.add(out, k, e, path, true)) keys++;
            }
          }
        }
        children = true;
      } else if (c === 0x3f /* ? */) {
        continue;
      } else if (c === 0x23 /* # */) {
        setOwn(out, key, v);
        keys++;
      } else {
        if (this.add(out, key, v, path, false)) keys++;
        children = true;
      }
    }
    if (keys === 0) return text;
    // Whitespace between child elements is layout, not content.
    if (text !== '' && !(children && isBlank(text))) out[TEXT_KEY] = text;
    return out;
  }

  /** Adds a child element's value under its plain name; true when the name is new in `out`. */
  private add(out: Record<string, unknown>, key: string, v: unknown, path: ArrayPathNode | undefined, fromMixed: boolean): boolean {
    const childPath = path?.children.get(key);
    const name = this.strip(key);
    const value = this.element(v, childPath);
    if (!Object.prototype.hasOwnProperty.call(out, name)) {
      setOwn(out, name, fromMixed && childPath?.forced && !Array.isArray(value) ? [value] : value);
      return true;
    }
    // Names that meet (a repeat in #mixed, or two prefixes gone): one list in document order.
    const existing = out[name];
    const list = Array.isArray(existing) ? existing : [existing];
    if (Array.isArray(value)) for (const item of value) list.push(item);
    else list.push(value);
    if (list !== existing) setOwn(out, name, list);
    return false;
  }

  private strip(name: string): string {
    if (!this.prefixes) return name;
    const colon = name.indexOf(':');
    return colon !== -1 && this.prefixes.has(name.slice(0, colon)) ? name.slice(colon + 1) : name;
  }
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return true;
}
