#!/usr/bin/env node
'use strict';
// The `junction` command runs the compiled CLI; `npm ci` builds it (the prepare script).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const entry = join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('junction: not built yet; run `npm run build` first\n');
  process.exit(2);
}
const { cli } = require(entry);
cli(process.argv.slice(2), process.env).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`junction: ${err && err.message ? err.message : err}\n`);
    process.exitCode = 1;
  },
);
