import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { TextDecoder } from 'node:util';
import { XMLParser } from 'fast-xml-parser';
import { createXmlCodec } from './xml-codec';

/**
 * Table-driven over test/fixtures/xml: every fixture must build back into an equivalent document, and where a
 * `<name>.json` sits beside it, parse into exactly that JSON (which documents the convention).
 */

const DIR = join(__dirname, '../../../../test/fixtures/xml');
const names = readdirSync(DIR)
  .filter((f) => f.endsWith('.xml'))
  .map((f) => f.slice(0, -'.xml'.length))
  .sort();

interface FixtureOptions {
  readonly arrays?: string[];
  readonly encoding?: string;
}

function load(name: string) {
  const optionsFile = join(DIR, `${name}.options.json`);
  const options: FixtureOptions = existsSync(optionsFile) ? JSON.parse(readFileSync(optionsFile, 'utf8')) : {};
  const bytes = readFileSync(join(DIR, `${name}.xml`));
  const text = new TextDecoder(options.encoding ?? 'utf-8').decode(bytes);
  return { options, bytes, text, codec: createXmlCodec({ arrays: options.arrays }) };
}

// ---- Canonical comparison, independent of the code under test ----

type Canonical = { el: string; attrs: [string, string][]; children: Canonical[] } | { text: string } | { cdata: string };

// Names get a mark so that the reference parser accepts every element name (it refuses `constructor` & co). No XML
// name starts with '§'; the check keeps it idempotent because the parser transforms self-closing tags twice.
const MARK = '§';
const mark = (name: string): string => (name.startsWith(MARK) ? name : MARK + name);
const reference = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  trimValues: false,
  cdataPropName: '__cdata',
  processEntities: false,
  transformTagName: mark,
  transformAttributeName: mark,
});

function decode(raw: string): string {
  return raw.replace(/&(lt|gt|amp|quot|apos);|&#(\d+);|&#x([0-9a-fA-F]+);/g, (_m, named?: string, dec?: string, hex?: string) => {
    if (named) return { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[named]!;
    return String.fromCodePoint(dec ? parseInt(dec, 10) : parseInt(hex!, 16));
  });
}

/** Elements with sorted attributes, entity-decoded text, whitespace-only text dropped, comments and PIs dropped. */
function canonical(nodes: Record<string, unknown>[]): Canonical[] {
  const out: Canonical[] = [];
  for (const node of nodes) {
    const name = Object.keys(node).find((k) => k !== ':@')!;
    if (name === '#text') {
      const text = decode(String(node[name]));
      const last = out[out.length - 1];
      if (last && 'text' in last) last.text += text;
      else out.push({ text });
    } else if (name === '__cdata') {
      out.push({ cdata: String((node[name] as Record<string, unknown>[])[0]?.['#text'] ?? '') });
    } else if (name.startsWith(MARK)) {
      const attrs = Object.entries((node[':@'] ?? {}) as Record<string, string>)
        .map(([k, v]): [string, string] => [k.slice(MARK.length), decode(v)])
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      out.push({ el: name.slice(MARK.length), attrs, children: canonical(node[name] as Record<string, unknown>[]) });
    }
  }
  return out.filter((n) => !('text' in n) || /[^ \t\r\n]/.test(n.text));
}

function canonicalOf(xml: string): Canonical[] {
  return canonical(reference.parse(xml) as Record<string, unknown>[]);
}

describe('XML fixtures', () => {
  it('cover every case the convention documents', () => {
    expect(names).toEqual(
      expect.arrayContaining([
        'attributes',
        'cdata',
        'empty-elements',
        'mixed-content',
        'namespaces',
        'single-item-list',
        'soap-envelope',
        'unicode',
      ]),
    );
  });

  describe.each(names)('%s.xml', (name) => {
    const { bytes, text, codec } = load(name);

    it('builds back into an equivalent document', () => {
      const rebuilt = codec.build(codec.parse(bytes));
      expect(canonicalOf(rebuilt)).toEqual(canonicalOf(text));
    });

    it('parses its own rebuild into the same JSON', () => {
      const json = codec.parse(bytes);
      expect(codec.parse(codec.build(json))).toEqual(json.hasOwnProperty('?xml') ? withUtf8(json) : json);
    });

    it('keeps the declaration exactly when the source has one', () => {
      const rebuilt = codec.build(codec.parse(bytes));
      expect(rebuilt.startsWith('<?xml ')).toBe(text.startsWith('<?xml '));
    });
  });

  const documented = names.filter((name) => existsSync(join(DIR, `${name}.json`)));

  it('document most fixtures with their exact JSON form', () => {
    expect(documented.length).toBeGreaterThanOrEqual(10);
  });

  it.each(documented)('%s.xml has the documented JSON form', (name) => {
    const { bytes, codec } = load(name);
    const expected = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8'));
    expect(codec.parse(bytes)).toEqual(expected);
  });

  it('gives string input and byte input the same JSON', () => {
    for (const name of names) {
      const { bytes, text, codec } = load(name);
      expect(codec.parse(text)).toEqual(codec.parse(bytes));
    }
  });
});

/** The writer always declares UTF-8, whatever the source declared. */
function withUtf8(json: Record<string, unknown>): Record<string, unknown> {
  const declaration = json['?xml'] as Record<string, unknown>;
  return declaration['@encoding'] === undefined ? json : { ...json, '?xml': { ...declaration, '@encoding': 'UTF-8' } };
}
