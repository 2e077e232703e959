#!/usr/bin/env node
'use strict';
/**
 * What the ingress check of a JSON body costs per message, on the bench's 1 KB and 100 KB JSON payloads and on a
 * 100 KB document of long strings: the body's value as a route that reads it gets it, the check a passthrough route
 * runs instead, and a bare JSON.parse of the same text for reference. Needs the built bus (`npm run build`).
 *
 *   node bench/json-ingress.js [--rounds 15] [--ms 200] [--dist <dir>]...
 *
 * `--dist` measures another build, a copy of an earlier dist/ (default: this tree's dist/); given several times, the
 * builds are measured in turns, round by round, so that a machine shared with other work slows them alike. Each
 * figure is the median over the rounds of the mean time per message, in microseconds. Not a test: nothing is asserted.
 */
const path = require('node:path');
const { payload } = require('./lib/payloads');

function parseArgs(argv) {
  const o = { rounds: 15, ms: 200, dists: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rounds') o.rounds = Number(argv[++i]);
    else if (argv[i] === '--ms') o.ms = Number(argv[++i]);
    else if (argv[i] === '--dist') o.dists.push(path.resolve(argv[++i]));
  }
  if (o.dists.length === 0) o.dists.push(path.resolve(__dirname, '..', 'dist'));
  return o;
}

/** The checks one build runs on a JSON body: with a route reading it, and on a passthrough route. */
function checksOf(dist) {
  const transform = require(path.join(dist, 'libs', 'transform', 'src'));
  return {
    // Builds without screenJson parsed a passthrough's JSON body in full: that is what they are measured doing.
    scan: Boolean(transform.screenJson),
    value: (bytes) => new transform.BytesBody(bytes, 'application/json').value(),
    passthrough: transform.screenJson
      ? (bytes) => transform.screenJson(bytes)
      : (bytes) => new transform.BytesBody(bytes, 'application/json').value(),
  };
}

/** Calls of `fn` that take about `ms`. */
function callsIn(fn, ms) {
  const started = performance.now();
  let calls = 0;
  while (performance.now() - started < ms) {
    fn();
    calls++;
  }
  return Math.max(1, calls);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function bodies() {
  const doc = JSON.stringify({
    name: 'contract.pdf',
    content: Buffer.alloc(70_000, 7).toString('base64'),
    notes: 'Reviewed; see the "terms" section.\n'.repeat(300),
  });
  return [
    ['1 KB orders', payload('json', '1KB')],
    ['100 KB orders', payload('json', '100KB')],
    ['100 KB long strings', Buffer.from(doc)],
  ];
}

function main() {
  const { rounds, ms, dists } = parseArgs(process.argv.slice(2));
  const builds = dists.map((dist) => ({ dist, ...checksOf(dist) }));
  const rows = [];
  for (const [name, bytes] of bodies()) {
    const cells = [{ label: 'JSON.parse', fn: () => JSON.parse(bytes.toString('utf8')) }];
    builds.forEach((b, n) => {
      const tag = builds.length > 1 ? `#${n + 1} ` : '';
      cells.push({ label: `${tag}value()`, fn: () => b.value(bytes) }, { label: `${tag}passthrough`, fn: () => b.passthrough(bytes) });
    });
    for (const cell of cells) cell.calls = callsIn(cell.fn, ms);
    const means = cells.map(() => []);
    for (let r = 0; r < rounds; r++) {
      cells.forEach((cell, c) => {
        const started = performance.now();
        for (let i = 0; i < cell.calls; i++) cell.fn();
        means[c].push(((performance.now() - started) * 1000) / cell.calls);
      });
    }
    const row = { body: `${name} (${bytes.length} B)` };
    cells.forEach((cell, c) => (row[`${cell.label} µs`] = Number(median(means[c]).toFixed(2))));
    rows.push(row);
  }
  console.log(`node ${process.version}; median of ${rounds} rounds, builds measured in turns`);
  builds.forEach((b, n) => console.log(`#${n + 1} ${b.dist} (${b.scan ? 'with' : 'without'} the JSON scan)`));
  console.table(rows);
}

main();
