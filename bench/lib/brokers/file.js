'use strict';
/**
 * A local folder for S12-csv (the shape is in index.js): a fresh folder per cell, removed afterwards. The
 * "publisher" writes one CSV file of `count` records (bench/flat-file.js: the bus's own writer, Latin-1, `;`, a header
 * row) under a temporary name and renames it into the folder; it resolves once the file is in place. The route
 * (bench/routes/file/s12-csv-split.yaml) reads it with `split: records`: one message per record.
 *
 * `rateFrom: 'firstDelivery'`: the cell's records/s runs from the first record delivered to the last, since the
 * file arrives whole; the rate from the file's arrival (it includes the poll and the parse of the whole file) is
 * given beside it.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { DIST, writeBenchCsv } = require('../../flat-file');

async function problem() {
  return fs.existsSync(DIST) ? undefined : `the bus's CSV writer is not built (${DIST} is missing): run npm run build`;
}

async function open({ id }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `junction-bench-${id.toLowerCase().replace(/[^a-z0-9]/g, '-')}-`));
  let removed;
  const remove = () => (removed ??= fs.promises.rm(dir, { recursive: true, force: true }).catch(() => undefined));
  return { name: `folder ${dir}`, env: { BENCH_FLAT_DIR: dir }, remove, dir };
}

async function publisher(destination) {
  const transform = require(DIST);
  const files = [];
  return {
    /** One file of `count` records numbered from `from` (the body is not used: records are the payload). */
    async publish(_body, count, from) {
      const file = path.join(destination.dir, `stock-${from}-${count}.csv`);
      files.push({ file, ...writeBenchCsv(file, count, transform, from) });
    },
    /** The last file written: { records, bytes, writeMs }. */
    last: () => files[files.length - 1],
    close: async () => undefined,
  };
}

module.exports = { name: 'CSV file', busEnv: {}, problem, open, publisher, rateFrom: 'firstDelivery' };
