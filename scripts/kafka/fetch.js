#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * Makes sure the Kafka broker's jars are in `.kafka/lib`: when the folder holds a stamp of the current pom.xml this
 * is a no-op (milliseconds); else Maven copies kafka_2.13 and its runtime dependencies from Maven Central (through
 * ~/.m2) into `.kafka/lib.partial`, which replaces `.kafka/lib` only once complete, so an interrupted fetch never
 * leaves a half-filled folder behind. Run alone (`node scripts/kafka/fetch.js`) to fetch ahead of time, e.g. in CI.
 */
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { paths, log, fail } = require('./broker-state');

const STAMP = '.fetched';

/** sha256 of pom.xml: a change of version or dependency invalidates the jars. */
function pomDigest() {
  return createHash('sha256').update(fs.readFileSync(paths.pom)).digest('hex');
}

/** True when `.kafka/lib` was filled from the current pom.xml. */
function jarsPresent() {
  try {
    return fs.readFileSync(path.join(paths.lib, STAMP), 'utf8').trim() === pomDigest();
  } catch {
    return false;
  }
}

/**
 * Fetches the jars unless they are present. Exits the process with a message when Maven is missing or fails.
 * @returns {boolean} whether a fetch ran
 */
function ensureJars() {
  if (jarsPresent()) return false;
  const partial = `${paths.lib}.partial`;
  fs.mkdirSync(paths.kafkaDir, { recursive: true });
  fs.rmSync(partial, { recursive: true, force: true });
  log(`fetching the broker's jars from Maven Central into ${paths.lib} ...`);
  const started = Date.now();
  // Batch mode and no stdin: nothing may wait for a keyboard. Maven's output is shown only when it fails (Maven 3.8
  // prints bare colour resets even with -B -q).
  const mvn = spawnSync(
    'mvn',
    ['-B', '-q', '-Dstyle.color=never', '-f', paths.pom, 'dependency:copy-dependencies',
      `-DoutputDirectory=${partial}`],
    { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (mvn.error) {
    const missing = /** @type {NodeJS.ErrnoException} */ (mvn.error).code === 'ENOENT';
    fail(missing ? 'mvn not found on PATH: install Maven 3.6.3 or later' : `mvn failed to start: ${mvn.error.message}`);
  }
  if (mvn.status !== 0) {
    process.stderr.write(`${mvn.stdout}${mvn.stderr}`.replace(/\x1b\[[0-9;]*m/g, ''));
    fs.rmSync(partial, { recursive: true, force: true });
    fail(`mvn dependency:copy-dependencies failed (exit ${mvn.status ?? mvn.signal}); see its output above`);
  }
  const jars = fs.readdirSync(partial).filter((f) => f.endsWith('.jar'));
  if (!jars.some((f) => /^kafka_2\.13-.*\.jar$/.test(f))) fail(`no kafka_2.13 jar among the ${jars.length} fetched`);
  fs.writeFileSync(path.join(partial, STAMP), `${pomDigest()}\n`);
  fs.rmSync(paths.lib, { recursive: true, force: true });
  fs.renameSync(partial, paths.lib);
  log(`fetched ${jars.length} jars in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}

module.exports = { ensureJars, jarsPresent };

if (require.main === module) {
  if (!ensureJars()) log('the jars are present');
}
