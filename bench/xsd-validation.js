#!/usr/bin/env node
'use strict';
/**
 * XSD validation throughput: a 2 KB order (test/fixtures/xsd-validation, two target namespaces) validated by the bus's
 * XsdValidator (libxml2 through xmllint-wasm, from the built dist/), one at a time and with many in flight (which the
 * validator batches into one libxml2 run each).
 *
 *   node bench/xsd-validation.js [--seconds 5] [--concurrency 200]
 *
 * Prints one line per mode: documents validated, seconds, validations/s, and the mean wait of one document.
 */
const path = require('node:path');

const DIST = path.join(__dirname, '..', 'dist', 'libs', 'transform', 'src', 'index.js');
const FIXTURES = path.join(__dirname, '..', 'test', 'fixtures', 'xsd-validation');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

/** An order of about 2 KB: a customer and enough lines. */
function order() {
  const lines = [];
  for (let i = 1; i <= 22; i++) lines.push(`    <o:Line no="${i}"><o:Sku>SKU-${String(i).padStart(6, '0')}</o:Sku><o:Qty>${i}</o:Qty></o:Line>`);
  return [
    '<o:Order xmlns:o="urn:example:orders" xmlns:c="urn:example:customer" id="A-1" currency="USD">',
    '  <c:Customer vip="true"><Name>Ada Lovelace</Name><Email>ada@example.com</Email><Phone>+44 1</Phone></c:Customer>',
    '  <o:Status>paid</o:Status>',
    '  <o:Lines>',
    ...lines,
    '  </o:Lines>',
    '  <o:Card last4="1234"/>',
    '</o:Order>',
  ].join('\n');
}

async function run(validator, xml, seconds, concurrency) {
  let done = 0;
  let waited = 0;
  const end = Date.now() + seconds * 1000;
  const started = Date.now();
  const loop = async () => {
    while (Date.now() < end) {
      const t = Date.now();
      const violations = await validator.validate(xml);
      if (violations.length > 0) throw new Error(`the bench document is invalid: ${violations[0].message}`);
      waited += Date.now() - t;
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsed = (Date.now() - started) / 1000;
  return { done, elapsed, perSecond: done / elapsed, meanMs: waited / done };
}

async function main() {
  const { createXmlCodec, loadXsdSchema, XsdValidator } = require(DIST);
  const validator = new XsdValidator('orders.xsd', loadXsdSchema('orders.xsd', FIXTURES, createXmlCodec()));
  const xml = order();
  const seconds = arg('seconds', 5);
  await validator.validate(xml);
  for (const concurrency of [1, arg('concurrency', 200)]) {
    const r = await run(validator, xml, seconds, concurrency);
    console.log(
      `xsd-validation ${Buffer.byteLength(xml)} B, ${concurrency} in flight: ${r.done} documents in ${r.elapsed.toFixed(1)} s, ` +
        `${r.perSecond.toFixed(1)} validations/s, mean wait ${r.meanMs.toFixed(0)} ms`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
