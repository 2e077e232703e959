#!/usr/bin/env node
'use strict';
/**
 * Micro-benchmark of writing XML: CPU time per KB of output for the bench payload (the WSO2 buyStocks SOAP order,
 * bench/lib/payloads.js) at 1 KB, 10 KB and 100 KB, read into the convention first. Two trees: the envelope as the
 * reader gives it (S5's reply: the backend echoes it as JSON, strings only after JSON.parse), and the same orders
 * with numbers for price and volume (a JSON target's own reply). Writers: fast-xml-parser's XMLBuilder (same
 * attribute prefix and text key) and the codec's writer (codec.build), each from the same tree, bytes included.
 * CPU time from process.cpuUsage; each cell is the median of several rounds.
 *
 *   npm run build && node bench/xml-writer.js [--rounds 7] [--min-ms 200]
 */
const { join } = require('node:path');
const { XMLBuilder } = require('fast-xml-parser');
const { payload } = require('./lib/payloads');

const dist = join(__dirname, '../dist/libs/transform/src/xml');
const { createXmlCodec } = require(join(dist, 'xml-codec.js'));

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}
const ROUNDS = option('rounds', 7);
const MIN_MS = option('min-ms', 200);

const codec = createXmlCodec();
const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@', textNodeName: '#text', suppressEmptyNode: true });

const WRITERS = {
  'fast-xml-parser XMLBuilder': (tree) => Buffer.from(builder.build(tree), 'utf8'),
  'codec.build': (tree) => Buffer.from(codec.build(tree), 'utf8'),
};

function cpuMicros() {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** The envelope's orders with numbers where the JSON twin has them. */
function withNumbers(tree) {
  const copy = JSON.parse(JSON.stringify(tree));
  const orders = copy['soapenv:Envelope']['soapenv:Body']['m0:buyStocks'].order;
  for (const o of Array.isArray(orders) ? orders : [orders]) {
    o.price = Number(o.price);
    o.volume = Number(o.volume);
  }
  return copy;
}

/** CPU microseconds per KB of the codec's output: iterations sized so that a round takes about MIN_MS of CPU. */
function measure(write, tree, kb) {
  for (let i = 0; i < 50; i++) write(tree);
  let iterations = 1;
  for (;;) {
    const start = cpuMicros();
    for (let i = 0; i < iterations; i++) write(tree);
    if (cpuMicros() - start >= MIN_MS * 1000 || iterations > 1e6) break;
    iterations *= 2;
  }
  const perKb = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = cpuMicros();
    for (let i = 0; i < iterations; i++) write(tree);
    perKb.push((cpuMicros() - start) / iterations / kb);
  }
  perKb.sort((a, b) => a - b);
  return perKb[Math.floor(perKb.length / 2)];
}

const sizes = ['1KB', '10KB', '100KB'];
const trees = {
  'envelope as read': (size) => JSON.parse(JSON.stringify(codec.parse(payload('xml', size)))),
  'numbers in orders': (size) => withNumbers(codec.parse(payload('xml', size))),
};
console.log(`CPU µs per KB of output (median of ${ROUNDS} rounds, process.cpuUsage, node ${process.version})\n`);
console.log(`| tree | writer | ${sizes.join(' | ')} |`);
console.log(`|---|---|${sizes.map(() => '---:').join('|')}|`);
for (const [treeName, make] of Object.entries(trees)) {
  const built = sizes.map((size) => make(size));
  for (const [name, write] of Object.entries(WRITERS)) {
    const cells = built.map((tree) => measure(write, tree, Buffer.byteLength(codec.build(tree)) / 1024));
    console.log(`| ${treeName} | ${name} | ${cells.map((c) => c.toFixed(2)).join(' | ')} |`);
  }
}
