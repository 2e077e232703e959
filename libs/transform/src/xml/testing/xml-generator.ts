/**
 * Random XML documents for the differential spec of the one-pass reader (xml-scanner.spec.ts): nesting, repeated and
 * interleaved siblings, attributes, namespaces (prefixed, default, undeclared, the route's prefixes reused for other
 * namespaces), references (valid, unknown, malformed), CDATA, comments, PIs, mixed text, line ends, and with some
 * probability one corruption. Seeded, so that a failure names a document that can be made again.
 */

/** A small deterministic generator (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const NAMES = ['a', 'b', 'item', 'Order', 'x.y', 'n-1', '__proto__', 'constructor', 'hasOwnProperty', 'é', '_u'];
const PREFIXES = ['p', 'q', 'doc', 'ns1', 'xml'];
const URIS = ['urn:a', 'urn:b', 'urn:c', ''];
const TEXTS = [
  'hello', ' ', '\n  ', '42', 'a &amp; b', '&lt;tag&gt;', '&#65;&#x42;', '&quot;q&apos;', 'x\r\ny', 'r\rs', 'tab\there',
  '&#32;', '&#160;', 'über', '>', ']]>', '\u00a0', '\ufeff', '&abcdefghijklmnopqrst;',
];
/** Text the validator, the decoder or both refuse or read in their own ways. */
const ODD_TEXTS = ['&unknown;', '&#0;', '& loose', '&#;', '&1x;', '&#x;', 'a&amp', '&#1114112;', '&abcdefghijklmnopqrstu;', '&#X41;'];
const VALUES = ['1', '', 'a b', 'x &amp; y', 'lone & amp', '<', '>', "it's", '&#10;', 'l1\r\nl2', '\t', '&nope;', 'urn:a'];

type Random = () => number;
const pick = <T>(r: Random, list: readonly T[]): T => list[Math.floor(r() * list.length)];

function name(r: Random, prefixed: boolean): string {
  const local = pick(r, NAMES);
  return prefixed && r() < 0.35 ? `${pick(r, PREFIXES)}:${local}` : local;
}

function attributes(r: Random): string {
  let out = '';
  const used = new Set<string>();
  const n = r() < 0.5 ? 0 : Math.floor(r() * 5);
  for (let i = 0; i < n; i++) {
    let key: string;
    const kind = r();
    if (kind < 0.2) key = 'xmlns';
    else if (kind < 0.45) key = `xmlns:${pick(r, PREFIXES.slice(0, 4))}`;
    else key = name(r, true);
    if (used.has(key) && r() < 0.97) continue; // now and then a repeated attribute, which is refused
    used.add(key);
    const value = key.startsWith('xmlns') ? pick(r, URIS) : pick(r, VALUES);
    const quote = value.includes("'") || r() < 0.7 ? '"' : "'";
    const space = r() < 0.1 ? '\n\t' : ' ';
    out += `${space}${key}${r() < 0.1 ? ' = ' : '='}${quote}${value}${quote}`;
  }
  return out;
}

function content(r: Random, depth: number, parentNames: string[]): string {
  let out = '';
  const n = Math.floor(r() * (depth > 4 ? 2 : 5));
  const sibling = name(r, true);
  for (let i = 0; i < n; i++) {
    const kind = r();
    if (kind < 0.25) out += pick(r, r() < 0.1 ? ODD_TEXTS : TEXTS);
    else if (kind < 0.3) out += `<![CDATA[${pick(r, ['', 'raw <b> & stuff', ']]', 'x\r\ny'])}]]>`;
    else if (kind < 0.34) out += `<!--${pick(r, ['', ' c ', '-', 'a--b'])}-->`;
    else if (kind < 0.37) out += `<?${pick(r, ['pi', 'xml-stylesheet', 'go'])}${pick(r, ['', ' data', ' href="a?>b"'])}?>`;
    else if (kind < 0.42) out += pick(r, ['\n', '  ', '\r\n\t']);
    else out += element(r, depth + 1, r() < 0.6 ? sibling : name(r, true), parentNames);
  }
  return out;
}

function element(r: Random, depth: number, qname: string, parentNames: string[]): string {
  const attrs = attributes(r);
  if (r() < 0.2 || depth > 7) return `<${qname}${attrs}${r() < 0.2 ? ' ' : ''}/>`;
  return `<${qname}${attrs}>${content(r, depth, [...parentNames, qname])}</${qname}${r() < 0.05 ? ' ' : ''}>`;
}

const CORRUPTIONS: ((doc: string, r: Random) => string)[] = [
  (d, r) => {
    const at = Math.floor(r() * d.length);
    return d.slice(0, at) + d.slice(at + 1);
  },
  (d, r) => {
    const at = Math.floor(r() * d.length);
    return d.slice(0, at) + pick(r, ['<', '>', '&', '"', "'", '/', '<!DOCTYPE x>', '<!ENTITY e "x">', '<![x[', '<?xml ?>', '=', ' ']) + d.slice(at);
  },
  (d, r) => d.slice(0, Math.floor(r() * d.length)),
  (d) => `${d}<extra/>`,
  (d) => `${d} trailing`,
  (d) => `<!DOCTYPE r [<!ENTITY e "x">]>${d}`,
];

/** One document: a declaration sometimes, comments and PIs around one root, and now and then a corruption. */
export function generateDocument(r: Random): string {
  let doc = '';
  if (r() < 0.4) {
    doc += pick(r, [
      '<?xml version="1.0"?>',
      '<?xml version="1.0" encoding="UTF-8"?>',
      "<?xml version='1.0' encoding='utf-8' standalone='yes'?>",
      '<?xml version="1.0" encoding="a&amp;b"?>',
      '<?xml?>',
      '<?xml\tversion="1.1"\r\n?>',
    ]);
  }
  if (r() < 0.2) doc += pick(r, ['\n', '<!-- head -->', '<?pi x?>\n', ' ']);
  const root = r() < 0.4 ? pick(r, ['root', 'Orders', 'soap:Envelope', 'doc:Document']) : name(r, true);
  const rootAttrs = r() < 0.5 ? ` xmlns:p="${pick(r, URIS.slice(0, 3))}" xmlns:q="urn:b" xmlns:doc="urn:c" xmlns:soap="urn:s"` : '';
  doc += `<${root}${rootAttrs}${attributes(r)}>${content(r, 1, [root])}</${root}>`;
  if (r() < 0.2) doc += pick(r, ['\n', '<!-- tail -->', '<?tail?>', '\r\n ']);
  if (r() < 0.25) doc = pick(r, CORRUPTIONS)(doc, r);
  return doc;
}

/** `arrays` paths over the generator's names: some match, most do not. */
export function generatePaths(r: Random): string[] {
  const paths: string[] = [];
  const n = Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const root = pick(r, ['root', 'Orders', 'soap:Envelope', 'doc:Document', ...NAMES.slice(0, 4)]);
    const depth = 1 + Math.floor(r() * 3);
    const segments = [root];
    for (let d = 0; d < depth; d++) segments.push(name(r, true));
    paths.push(segments.join('.'));
  }
  return paths;
}
