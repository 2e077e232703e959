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
  const strip = (name: string): string => {
    if (!prefixes) return name;
    const colon = name.indexOf(':');
    return colon !== -1 && prefixes.has(name.slice(0, colon)) ? name.slice(colon + 1) : name;
  };

  const element = (value: unknown, path: ArrayPathNode | undefined): unknown => {
    if (Array.isArray(value)) return value.map((item) => element(item, path));
    if (typeof value !== 'object' || value === null || Buffer.isBuffer(value) || value instanceof Date) return value;
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    let text = '';
    let children = false;
    const add = (key: string, v: unknown, fromMixed: boolean) => {
      const childPath = path?.children.get(key);
      const name = strip(key);
      const items = Array.isArray(v) ? v.map((item) => element(item, childPath)) : [element(v, childPath)];
      children = true;
      if (Object.prototype.hasOwnProperty.call(out, name)) {
        const existing = out[name];
        if (Array.isArray(existing)) existing.push(...items);
        else setOwn(out, name, [existing, ...items]);
      } else {
        setOwn(out, name, Array.isArray(v) || (fromMixed && childPath?.forced) ? items : items[0]);
      }
    };
    for (const key of Object.keys(source)) {
      const v = source[key];
      if (v === undefined) continue;
      const c = key.charCodeAt(0);
      if (c === 0x40 /* @ */) {
        const name = key.slice(1);
        if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
        setOwn(out, `@${strip(name)}`, v);
      } else if (key === TEXT_KEY || key === CDATA_KEY) {
        text += String(v);
      } else if (key === MIXED_KEY && Array.isArray(v)) {
        for (const entry of v) {
          if (typeof entry === 'string') text += entry;
          else if (typeof entry === 'object' && entry !== null) {
            for (const k of Object.keys(entry)) {
              const e = (entry as Record<string, unknown>)[k];
              if (k === CDATA_KEY || k === TEXT_KEY) text += String(e);
              else add(k, e, true);
            }
          }
        }
      } else if (c === 0x3f /* ? */) {
        continue;
      } else if (c === 0x23 /* # */) {
        setOwn(out, key, v);
      } else {
        add(key, v, false);
      }
    }
    const keys = Object.keys(out).length;
    if (keys === 0) return text;
    // Whitespace between child elements is layout, not content.
    if (text !== '' && !(children && isBlank(text))) out[TEXT_KEY] = text;
    return out;
  };

  return element(doc, paths && { forced: false, children: new Map(paths) });
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return true;
}
