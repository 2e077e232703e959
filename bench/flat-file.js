#!/usr/bin/env node
'use strict';
/**
 * The flat-file cell's input: a CSV of N stock records (default 100,000) written by the bus's own writer
 * (@junction/transform writeFlat, from the built dist/), Latin-1, `;`-separated, a header row, accented descriptions
 * and quoted fields among them, deterministic. For the cell "CSV file of 100,000 records -> one message per record ->
 * HTTP (records/s)": the file source reads it with `format: { csv: FLAT_BENCH_FORMAT.csv }` and `split: records`
 * (route: bench/routes/file/s12-csv-split.yaml; the bench's cell S12-csv, whose "publisher" is bench/lib/brokers/file.js).
 *
 *   node bench/flat-file.js [--records 100000] [--out /tmp/stock-100k.csv] [--parse]
 *
 * Prints one line: records, bytes, write time; with --parse also the time to read them back (parseNumbered), the
 * figure below which the cell cannot go.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const DIST = path.join(__dirname, '..', 'dist', 'libs', 'transform', 'src', 'index.js');

/** The format of the bench file; the cell's route must say the same. */
const FLAT_BENCH_FORMAT = {
  csv: {
    delimiter: ';',
    encoding: 'latin1',
    header: true,
    recordDelimiter: '\r\n',
    columns: ['sku', 'description', { name: 'qty', type: 'integer' }, { name: 'price', type: 'decimal', decimals: 2 }, 'location'],
  },
};

const WORDS = ['Chaise', 'Bureau réglable', 'Écran 27"', 'Lampe; LED', 'Clavier « AZERTY »', 'Câble', 'Süßwaren', 'Crème'];

/** Record i: the same for every run. */
function record(i) {
  return {
    sku: `SKU-${String(i).padStart(7, '0')}`,
    description: `${WORDS[i % WORDS.length]} n°${i}`,
    qty: (i * 7919) % 1000,
    price: ((i * 104729) % 100000) / 100,
    location: `A${String(i % 50).padStart(2, '0')}-${String.fromCharCode(65 + (i % 26))}`,
  };
}

/** Writes `n` records (numbered from `from`) to `file`; returns { records, bytes, writeMs }. */
function writeBenchCsv(file, n, transform = require(DIST), from = 0) {
  const started = process.hrtime.bigint();
  const records = Array.from({ length: n }, (_, i) => record(from + i));
  const bytes = transform.writeFlat(records, FLAT_BENCH_FORMAT);
  fs.writeFileSync(`${file}.tmp`, bytes);
  fs.renameSync(`${file}.tmp`, file);
  return { records: n, bytes: bytes.length, writeMs: Number(process.hrtime.bigint() - started) / 1e6 };
}

function main(argv) {
  const arg = (name, fallback) => {
    const i = argv.indexOf(name);
    return i === -1 ? fallback : argv[i + 1];
  };
  const n = Number(arg('--records', '100000'));
  if (!Number.isInteger(n) || n < 1) throw new Error('--records takes a whole number');
  const out = arg('--out', path.join(os.tmpdir(), `junction-bench-stock-${n}.csv`));
  if (!fs.existsSync(DIST)) throw new Error(`build first (npm run build): ${DIST} is missing`);
  const transform = require(DIST);
  const written = writeBenchCsv(out, n, transform);
  let line = `flat-file: ${written.records} records, ${written.bytes} bytes in ${out}, written in ${written.writeMs.toFixed(0)} ms`;
  if (argv.includes('--parse')) {
    const started = process.hrtime.bigint();
    const parsed = transform.compileFlatFormat(FLAT_BENCH_FORMAT).parseNumbered(fs.readFileSync(out));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (parsed.length !== n) throw new Error(`read back ${parsed.length} records, wrote ${n}`);
    line += `; read back in ${ms.toFixed(0)} ms (${Math.round(n / (ms / 1000))} records/s)`;
  }
  console.log(line);
}

module.exports = { DIST, FLAT_BENCH_FORMAT, record, writeBenchCsv };

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error(`flat-file: ${err.message}`);
    process.exit(1);
  }
}
