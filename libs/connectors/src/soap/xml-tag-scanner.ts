import { ROOT_SCOPE, type NsScope, type XmlName, attributeName, elementName } from './xml-namespaces';

/** An attribute of a start tag, with where its value sits in the text (between the quotes). */
export interface ScannedAttribute {
  readonly name: XmlName;
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

/** A start tag found by scanStartTags, its names resolved in its scope. */
export interface ScannedTag {
  readonly name: XmlName;
  readonly attributes: readonly ScannedAttribute[];
}

// Permissive on purpose: the text is known to be well-formed, so any run of name characters is a name.
const NCNAME = String.raw`[^\s<>/=:"']+`;
const NAME = `${NCNAME}(?::${NCNAME})?`;
const START_TAG = new RegExp(String.raw`<(${NAME})((?:\s+${NAME}\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(/?)>`, 'uy');
const ATTRIBUTE = new RegExp(String.raw`\s+(${NAME})\s*=\s*(?:"([^"]*)"|'([^']*)')`, 'gu');

/**
 * Walks the start tags of a document already known to be well-formed (parse it with the codec first), in document
 * order, with namespace scopes, so that attribute values can be edited in place in the raw text: comments,
 * formatting and everything else stay as written. Comments, CDATA sections and processing instructions are skipped.
 * Attribute values are reported as written (entity references not expanded). Internal to the SOAP connector.
 */
export function scanStartTags(text: string, visit: (tag: ScannedTag) => void): void {
  const scopes: NsScope[] = [ROOT_SCOPE];
  let i = text.indexOf('<');
  while (i !== -1) {
    if (text.startsWith('<!--', i)) i = after(text, '-->', i);
    else if (text.startsWith('<![CDATA[', i)) i = after(text, ']]>', i);
    else if (text.startsWith('<?', i)) i = after(text, '?>', i);
    else if (text.startsWith('<!', i)) i = after(text, '>', i); // a DOCTYPE never gets here: the codec refused it
    else if (text.startsWith('</', i)) {
      scopes.pop();
      i = after(text, '>', i);
    } else {
      START_TAG.lastIndex = i;
      const m = START_TAG.exec(text);
      if (!m) throw new Error(`unreadable start tag at offset ${i}`);
      const raw: Array<{ qname: string; value: string; start: number }> = [];
      const attrsAt = i + 1 + m[1].length;
      ATTRIBUTE.lastIndex = 0;
      for (let a = ATTRIBUTE.exec(m[2]); a !== null; a = ATTRIBUTE.exec(m[2])) {
        const value = a[2] ?? a[3];
        const start = attrsAt + a.index + a[0].length - value.length - 1;
        raw.push({ qname: a[1], value, start });
      }
      const outer = scopes[scopes.length - 1];
      const scope = withDeclarations(outer, raw);
      const attributes = raw
        .filter((r) => r.qname !== 'xmlns' && !r.qname.startsWith('xmlns:'))
        .map((r) => ({ name: attributeName(r.qname, scope), value: r.value, start: r.start, end: r.start + r.value.length }));
      visit({ name: elementName(m[1], scope), attributes });
      if (m[3] !== '/') scopes.push(scope);
      i = START_TAG.lastIndex;
    }
    i = i === -1 ? -1 : text.indexOf('<', i);
  }
}

function after(text: string, terminator: string, from: number): number {
  const end = text.indexOf(terminator, from + 1);
  return end === -1 ? -1 : end + terminator.length;
}

function withDeclarations(outer: NsScope, attributes: ReadonlyArray<{ qname: string; value: string }>): NsScope {
  let scope: Map<string, string> | undefined;
  for (const { qname, value } of attributes) {
    if (qname === 'xmlns') (scope ??= new Map(outer)).set('', decode(value));
    else if (qname.startsWith('xmlns:')) (scope ??= new Map(outer)).set(qname.slice(6), decode(value));
  }
  return scope ?? outer;
}

/** Expands the predefined entities and character references of an attribute value. */
export function decode(value: string): string {
  return value.replace(/&(?:#x([\da-fA-F]+)|#(\d+)|(lt|gt|amp|quot|apos));/g, (_, hex: string, dec: string, named: string) => {
    if (hex) return String.fromCodePoint(parseInt(hex, 16));
    if (dec) return String.fromCodePoint(parseInt(dec, 10));
    return { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[named as 'lt']!;
  });
}
