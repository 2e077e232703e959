import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { InputError } from '@junction/core';
import { createXmlCodec } from './xml-codec';
import type { XmlOptions } from './xml-convention';
import { decodeXmlInput } from './xml-encoding';
import { resolveXmlLimits } from './xml-guard';
import { PrefixScope, compileNamespaces } from './xml-prefixes';
import { compileArrayPaths } from './xml-reader';
import { createReferenceReader } from './xml-reference-reader';
import { scanXml } from './xml-scanner';
import { generateDocument, generatePaths, seeded } from './testing/xml-generator';

// The bench's payload module is plain CommonJS, shared with the harness.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { payload } = require('../../../../bench/lib/payloads.js') as { payload: (format: string, size: string, soapHeader?: boolean) => string };

/**
 * The one-pass reader against the reference reading (prescan, validator, fast-xml-parser, tree conversion): the codec
 * must return the same value (keys in the same order) and the same refusal (code and message) for every document.
 */

const ROOT = join(__dirname, '../../../..');

type Outcome = { value: unknown; order: string } | { error: string };

interface Reader {
  readonly codec: ReturnType<typeof createXmlCodec>;
  readonly reference: (text: string) => Record<string, unknown>;
  readonly own: (text: string) => Record<string, unknown> | undefined;
  readonly options: XmlOptions;
}

function readerFor(options: XmlOptions): Reader {
  const limits = resolveXmlLimits(options.limits);
  const paths = compileArrayPaths(options.arrays);
  const namespaces = compileNamespaces(options.namespaces);
  const scope = namespaces && PrefixScope.root(namespaces);
  return {
    codec: createXmlCodec(options),
    reference: createReferenceReader(limits, paths, namespaces),
    own: (text) => scanXml(text, limits, paths, scope),
    options,
  };
}

function outcome(read: () => unknown): Outcome {
  try {
    const value = read();
    return { value, order: JSON.stringify(value) };
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return { error: `${err.code} ${err.status}: ${err.message}` };
  }
}

interface Tally {
  accepted: number;
  refused: number;
  /** Accepted documents the scanner read without handing them to the reference reader. */
  readByScanner: number;
  mismatches: string[];
}

function compare(reader: Reader, input: string | Buffer, tally: Tally, label: string): void {
  const expected = outcome(() => reader.reference(decodeXmlInput(input, reader.codec.limits.maxBytes)));
  const actual = outcome(() => reader.codec.parse(input));
  const same =
    'error' in expected
      ? 'error' in actual && actual.error === expected.error
      : 'value' in actual && actual.order === expected.order && sameValue(actual.value, expected.value);
  if (!same) {
    tally.mismatches.push(`${label} ${JSON.stringify(reader.options)}\n${String(input)}\nexpected ${JSON.stringify(expected)}\nactual   ${JSON.stringify(actual)}`);
    return;
  }
  if ('error' in expected) {
    tally.refused++;
    return;
  }
  tally.accepted++;
  if (reader.own(decodeXmlInput(input, reader.codec.limits.maxBytes)) !== undefined) tally.readByScanner++;
  else if (process.env.XML_SCANNER_HANDED) console.log(`handed over: ${label}\n${String(input).slice(0, 300)}`);
}

// Not Jest's equality: it compares `constructor` members as types, and an element may be named `constructor`.
function sameValue(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(a, b);
}

function newTally(): Tally {
  return { accepted: 0, refused: 0, readByScanner: 0, mismatches: [] };
}

function filesUnder(dir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path, pattern));
    else if (pattern.test(entry)) out.push(path);
  }
  return out;
}

/** XML bodies written into route tests and route files: every string value that starts with markup. */
function xmlStringsIn(value: unknown, out: string[]): string[] {
  if (typeof value === 'string') {
    if (value.trimStart().startsWith('<')) out.push(value);
  } else if (Array.isArray(value)) {
    for (const item of value) xmlStringsIn(item, out);
  } else if (value && typeof value === 'object') {
    for (const item of Object.values(value)) xmlStringsIn(item, out);
  }
  return out;
}

const OPTION_SETS: XmlOptions[] = [
  {},
  { arrays: ['soapenv:Envelope.soapenv:Body.m0:buyStocks.order', 'Orders.Order', 'root.item', 'Order.Lines.Line'] },
  { namespaces: { doc: 'urn:a', p: 'urn:b', soap: 'http://schemas.xmlsoap.org/soap/envelope/', s: 'http://services.samples' } },
  { namespaces: { ns1: 'urn:c', q: 'urn:a' }, arrays: ['root.q:item', 'doc:Document.a'], limits: { maxDepth: 5, maxAttributes: 3 } },
];

describe('the one-pass XML reader reads as the reference reader does', () => {
  it('every XML file in the repository and every XML body in the route files', () => {
    const files = [
      ...filesUnder(join(ROOT, 'test/fixtures'), /\.(xml|wsdl|xsd)$/),
      ...filesUnder(join(ROOT, 'routes'), /\.(xml|wsdl|xsd)$/),
      ...filesUnder(join(ROOT, 'apps/sandbox/wsdl'), /\.(xml|wsdl|xsd)$/),
    ];
    const bodies = filesUnder(join(ROOT, 'routes'), /\.ya?ml$/).flatMap((file) =>
      xmlStringsIn(parseYaml(readFileSync(file, 'utf8')), []).map((body) => [file, body] as const),
    );
    const tally = newTally();
    for (const options of OPTION_SETS) {
      const reader = readerFor(options);
      for (const file of files) compare(reader, readFileSync(file), tally, file);
      for (const [file, body] of bodies) compare(reader, body, tally, file);
    }
    console.log(`fixtures: ${files.length} files, ${bodies.length} route bodies, x${OPTION_SETS.length} options: ${tally.accepted} read (${tally.readByScanner} by the scanner itself), ${tally.refused} refused`);
    expect(tally.mismatches).toEqual([]);
    expect(files.length).toBeGreaterThan(30);
    expect(bodies.length).toBeGreaterThan(5);
    // Real documents are read in one pass: none of them needs the reference reader.
    expect(tally.readByScanner).toBe(tally.accepted);
  });

  it('the bench payloads at every size, with and without a SOAP header', () => {
    const tally = newTally();
    for (const options of OPTION_SETS) {
      const reader = readerFor(options);
      for (const size of ['500B', '1KB', '10KB', '100KB']) {
        for (const header of [false, true]) compare(reader, payload('xml', size, header), tally, `payload ${size}`);
      }
    }
    expect(tally.mismatches).toEqual([]);
    expect(tally.accepted).toBe(OPTION_SETS.length * 8);
    expect(tally.readByScanner).toBe(tally.accepted);
  });

  it('4,000 generated documents, a quarter of them corrupted, under random arrays paths, namespaces and limits', () => {
    const r = seeded(20261207);
    const tally = newTally();
    for (let n = 0; n < 4000; n++) {
      const base = OPTION_SETS[n % OPTION_SETS.length];
      const options: XmlOptions = { ...base, arrays: [...(base.arrays ?? []), ...generatePaths(r)] };
      const doc = generateDocument(r);
      // CRLF-free and CRLF variants go through the string and the byte input.
      compare(readerFor(options), n % 2 === 0 ? doc : Buffer.from(doc, 'utf8'), tally, `generated #${n}`);
    }
    console.log(`generated: ${tally.accepted} read (${tally.readByScanner} by the scanner itself), ${tally.refused} refused`);
    expect(tally.mismatches.slice(0, 3)).toEqual([]);
    // The generator must exercise both sides: many documents read, many refused, and most reads done in one pass.
    expect(tally.accepted).toBeGreaterThan(1000);
    expect(tally.refused).toBeGreaterThan(500);
    expect(tally.readByScanner).toBeGreaterThan(tally.accepted * 0.7);
  });

  it('names holding a character the parser takes for white space (U+1680, U+FEFF) read as the reference reads them', () => {
    const tally = newTally();
    const docs = [
      '<a\u1680b>x</a\u1680b>',
      '<a x\u1680y="1"/>',
      '<r><a\u1680b/><a/></r>',
      '<a x="1" x\u1680="2"/>',
      '<r\ufeffs>x</r\ufeffs>',
    ];
    for (const options of OPTION_SETS) {
      const reader = readerFor(options);
      for (const doc of docs) compare(reader, doc, tally, JSON.stringify(doc));
    }
    expect(tally.mismatches).toEqual([]);
  });

  it('refuses DTDs and breached limits itself, with the prescan\'s words and positions', () => {
    const reader = readerFor({ limits: { maxDepth: 3, maxAttributes: 2 } });
    const cases = [
      '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY e "x">]><r/>',
      '<r><!ENTITY e "x"></r>',
      '<r><a><b><c/></b></a></r>',
      '<r><a x="1" y="2" z="3"/></r>',
      '<r><![X[</r>',
    ];
    for (const doc of cases) {
      let thrown: unknown;
      try {
        reader.own(doc);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(InputError);
      expect(outcome(() => reader.own(doc))).toEqual(outcome(() => reader.reference(doc)));
    }
  });
});
