#!/usr/bin/env node
'use strict';
/**
 * Micro-benchmark of reading XML: CPU time per KB of the bench payload (the WSO2 buyStocks SOAP order, bench/lib/
 * payloads.js) at 1 KB, 10 KB and 100 KB, for fast-xml-parser alone (preserveOrder and default mode), the reference
 * reading of the codec (decode, prescan, validator, fast-xml-parser, tree conversion) and the codec's one-pass reader.
 * CPU time from process.cpuUsage (user + system), so that a busy machine slows the figures less than wall time would;
 * each cell is the median of several rounds, each round long enough to be measured.
 *
 *   npm run build && node bench/xml-reader.js [--rounds 7] [--min-ms 200]
 */
const { join } = require('node:path');
const { XMLParser } = require('fast-xml-parser');
const { payload } = require('./lib/payloads');

const dist = join(__dirname, '../dist/libs/transform/src/xml');
const { createXmlCodec } = require(join(dist, 'xml-codec.js'));
const { createReferenceReader } = require(join(dist, 'xml-reference-reader.js'));
const { decodeXmlInput } = require(join(dist, 'xml-encoding.js'));
const { resolveXmlLimits } = require(join(dist, 'xml-guard.js'));

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}
const ROUNDS = option('rounds', 7);
const MIN_MS = option('min-ms', 200);

const limits = resolveXmlLimits(undefined);
const reference = createReferenceReader(limits, undefined, undefined);
const codec = createXmlCodec();
const ordered = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, trimValues: false });
const plain = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false });

const READERS = {
  'fast-xml-parser preserveOrder': (bytes) => ordered.parse(bytes.toString('utf8')),
  'fast-xml-parser default': (bytes) => plain.parse(bytes.toString('utf8')),
  'reference (old codec path)': (bytes) => reference(decodeXmlInput(bytes, limits.maxBytes)),
  'one-pass reader (codec.parse)': (bytes) => codec.parse(bytes),
};

function cpuMicros() {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** CPU microseconds per KB: iterations sized so that a round takes about MIN_MS of CPU. */
function measure(read, bytes) {
  for (let i = 0; i < 50; i++) read(bytes); // warm-up: compiled code, not the interpreter
  let iterations = 1;
  for (;;) {
    const start = cpuMicros();
    for (let i = 0; i < iterations; i++) read(bytes);
    if (cpuMicros() - start >= MIN_MS * 1000 || iterations > 1e6) break;
    iterations *= 2;
  }
  const perKb = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = cpuMicros();
    for (let i = 0; i < iterations; i++) read(bytes);
    perKb.push((cpuMicros() - start) / iterations / (bytes.length / 1024));
  }
  perKb.sort((a, b) => a - b);
  return perKb[Math.floor(perKb.length / 2)];
}

const sizes = ['1KB', '10KB', '100KB'];
const rows = [];
for (const [name, read] of Object.entries(READERS)) {
  const cells = sizes.map((size) => measure(read, Buffer.from(payload('xml', size), 'utf8')));
  rows.push([name, ...cells]);
}
console.log(`CPU µs per KB of payload (median of ${ROUNDS} rounds, process.cpuUsage, node ${process.version})\n`);
console.log(`| reader | ${sizes.join(' | ')} |`);
console.log(`|---|${sizes.map(() => '---:').join('|')}|`);
for (const [name, ...cells] of rows) console.log(`| ${name} | ${cells.map((c) => c.toFixed(1)).join(' | ')} |`);
const old = rows.find((r) => r[0].startsWith('reference'));
const now = rows.find((r) => r[0].startsWith('one-pass'));
console.log(`\none-pass reader vs reference: ${sizes.map((s, i) => `${s} ${(old[i + 1] / now[i + 1]).toFixed(1)}x`).join(', ')}`);
