#!/usr/bin/env node
'use strict';
/**
 * Reads a V8 .cpuprofile (from `node --cpu-prof`, e.g. the bus run by `bench/run.js --bus-node-args "--cpu-prof
 * --cpu-prof-dir=<dir>"`) and prints where the busy time went: self time by function, by file and by package, and
 * inclusive (total) time by function, top N each. Idle time is left out of the percentages, so that a bus that
 * waited between runs does not dilute its hot spots.
 *
 *   node bench/profile-report.js <file.cpuprofile> [--top 30] [--from-ms 5000] [--callers <text>]
 *
 * --from-ms skips the first milliseconds of the profile (the bus's start-up: module loading, Nest wiring).
 * --callers lists the call paths (4 frames up) leading to the functions whose name or file contains <text>, by self
 * time: who pays for a hot leaf such as randomFillSync.
 */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

function parseArgs(argv) {
  const o = { top: 30, fromMs: 0, file: undefined, callers: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--top') o.top = Number(argv[++i]);
    else if (argv[i] === '--from-ms') o.fromMs = Number(argv[++i]);
    else if (argv[i] === '--callers') o.callers = argv[++i];
    else o.file = argv[i];
  }
  if (!o.file) throw new Error('usage: node bench/profile-report.js <file.cpuprofile> [--top 30] [--from-ms 5000]');
  return o;
}

/** A short, stable name for a script URL: project-relative, node_modules/<package>/..., or node:internal. */
function fileOf(url) {
  if (!url) return '(native/vm)';
  let p = url.startsWith('file://') ? decodeURIComponent(url.slice(7)) : url;
  if (p.startsWith('node:')) return p;
  if (p.startsWith(ROOT)) p = path.relative(ROOT, p);
  return p;
}

function packageOf(file) {
  const nm = file.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = file.slice(nm + 'node_modules/'.length).split('/');
    return `npm:${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (file.startsWith('node:')) return 'node internals';
  // dist/libs/<lib>/... and dist/apps/<app>/...: the project's own layers.
  const m = /^dist\/(libs|apps)\/([^/]+)\//.exec(file);
  if (m) return `${m[1]}/${m[2]}`;
  return file.startsWith('(') ? file : 'other';
}

function analyse(profile, fromMs, callersOf) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n) => {
    const f = n.callFrame;
    const file = fileOf(f.url);
    return { fn: `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`, file, pkg: packageOf(file), special: !f.url && f.functionName.startsWith('(') };
  };
  const self = { fn: new Map(), file: new Map(), pkg: new Map() };
  const total = new Map();
  const callers = new Map();
  const add = (map, k, us) => map.set(k, (map.get(k) ?? 0) + us);
  let t = 0;
  let busy = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t / 1000 < fromMs) continue;
    // The time up to the next sample belongs to this one.
    const us = profile.timeDeltas[i + 1] ?? 0;
    const node = byId.get(profile.samples[i]);
    const k = key(node);
    if (node.callFrame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    busy += us;
    add(self.fn, k.fn, us);
    add(self.file, k.special ? node.callFrame.functionName : k.file, us);
    add(self.pkg, k.special ? node.callFrame.functionName : k.pkg, us);
    if (callersOf && k.fn.includes(callersOf)) {
      const chain = [];
      for (let id = parent.get(node.id); id !== undefined && chain.length < 4; id = parent.get(id)) chain.push(key(byId.get(id)).fn);
      add(callers, `${k.fn} <- ${chain.join(' <- ')}`, us);
    }
    // Inclusive time: every function on the stack once, however often it recurses.
    const seen = new Set();
    for (let id = node.id; id !== undefined; id = parent.get(id)) {
      const fk = key(byId.get(id)).fn;
      if (!seen.has(fk)) {
        seen.add(fk);
        add(total, fk, us);
      }
    }
  }
  return { self, total, callers, busy, idle };
}

function top(map, busy, n, title) {
  const rows = [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);
  const lines = [`\n### ${title}\n`, '| ms | % busy | |', '|---:|---:|---|'];
  for (const [k, us] of rows) lines.push(`| ${(us / 1000).toFixed(0)} | ${((us / busy) * 100).toFixed(1)} | \`${k}\` |`);
  return lines.join('\n');
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  const profile = JSON.parse(fs.readFileSync(o.file, 'utf8'));
  const { self, total, callers, busy, idle } = analyse(profile, o.fromMs, o.callers);
  const out = [
    `## ${path.basename(o.file)}: ${(busy / 1000).toFixed(0)} ms busy, ${(idle / 1000).toFixed(0)} ms idle (from ${o.fromMs} ms)`,
    top(self.pkg, busy, o.top, 'Self time by package / layer'),
    top(self.file, busy, o.top, 'Self time by file'),
    top(self.fn, busy, o.top, 'Self time by function'),
    top(total, busy, o.top, 'Total (inclusive) time by function'),
  ];
  if (o.callers) out.push(top(callers, busy, o.top, `Call paths to ${o.callers}`));
  process.stdout.write(`${out.join('\n')}\n`);
}

main();
