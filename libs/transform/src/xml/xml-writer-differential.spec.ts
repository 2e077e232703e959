import { InputError } from '@junction/core';
import { createXmlCodec } from './xml-codec';
import { generateDocument, seeded } from './testing/xml-generator';
import { generateValue } from './testing/xml-value-generator';
import { writeXmlReference } from './testing/xml-writer-reference';
import { writeXml } from './xml-writer';

// The bench's payload module is plain CommonJS, shared with the harness.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { payload } = require('../../../../bench/lib/payloads.js') as { payload: (format: string, size: string, soapHeader?: boolean) => string };

/**
 * The writer against the one it replaced (testing/xml-writer-reference.ts): for every value, the same XML byte for
 * byte or the same refusal (code and message), over generated values, the trees the reader makes of generated
 * documents, and the bench's payloads.
 */

type Outcome = { xml: string } | { error: string };

function outcome(write: () => string): Outcome {
  try {
    return { xml: write() };
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return { error: `${err.code}: ${err.message}` };
  }
}

function expectSame(value: unknown, options: { root?: string; declaration?: boolean }, maxDepth = 100): Outcome {
  const expected = outcome(() => writeXmlReference(value, options, maxDepth));
  expect(outcome(() => writeXml(value, options, maxDepth))).toEqual(expected);
  return expected;
}

describe('the writer against its reference', () => {
  it('writes generated values alike, refusals included', () => {
    const counts = { written: 0, refused: 0 };
    for (let seed = 1; seed <= 3000; seed++) {
      const r = seeded(seed);
      const value = generateValue(r);
      const options = { root: r() < 0.5 ? 'Doc' : undefined, declaration: r() < 0.2 ? true : undefined };
      const result = expectSame(value, options, r() < 0.1 ? 3 : 100);
      counts['xml' in result ? 'written' : 'refused']++;
    }
    // Both kinds of outcome are exercised, so that the comparison means something either way.
    expect(counts.written).toBeGreaterThan(1000);
    expect(counts.refused).toBeGreaterThan(100);
  });

  it('writes what the reader makes of generated documents alike', () => {
    const codec = createXmlCodec();
    let read = 0;
    for (let seed = 1; seed <= 1500; seed++) {
      let tree: unknown;
      try {
        tree = codec.parse(generateDocument(seeded(seed)));
      } catch {
        continue;
      }
      read++;
      expectSame(tree, {});
    }
    expect(read).toBeGreaterThan(500);
  });

  it.each(['500B', '1KB', '10KB', '100KB'])('writes the bench payload of %s alike, as it was read', (size) => {
    const tree = createXmlCodec().parse(payload('xml', size));
    const { xml } = expectSame(tree, {}) as { xml: string };
    expect(xml).toBe(payload('xml', size).toString());
  });
});
