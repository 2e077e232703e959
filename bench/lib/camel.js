'use strict';
/**
 * The Apache Camel 4 peer (bench/camel): built once by Maven (the first build fetches Camel 4.22.0 and its
 * dependencies from Maven Central through ~/.m2) into bench/camel/target (git-ignored), then run as
 * `java -cp 'target/classes:target/lib/*' dev.junction.bench.CamelPeer <port> <backend> <pool>`. A stamp of the pom
 * and the sources makes a second build a no-op; an interrupted build leaves no stamp, so the next run builds again.
 * Only `node bench/run.js --camel` uses it: `npm test` never needs Maven or Java.
 */
const { spawn, spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { track, alive, stop, freePort } = require('./processes');

const DIR = path.resolve(__dirname, '..', 'camel');
const TARGET = path.join(DIR, 'target');
const STAMP = path.join(TARGET, '.built');
const MAIN_CLASS = 'dev.junction.bench.CamelPeer';
/** The scenarios the peer has a route for (bench/camel/src/main/resources/routes/routes.yaml). */
const CAMEL_SCENARIOS = new Set(['S1', 'S2', 'S4', 'S5', 'S6']);
/** The bus's HTTP egress keeps 128 connections per origin (undici); Camel's HttpClient pool gets the same. */
const POOL = 128;

function sources(dir = path.join(DIR, 'src')) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .sort();
}

/** sha256 of the pom and every source: a change rebuilds the peer. */
function digest() {
  const hash = createHash('sha256');
  for (const file of [path.join(DIR, 'pom.xml'), ...sources()]) hash.update(path.relative(DIR, file)).update(fs.readFileSync(file));
  return hash.digest('hex');
}

function built() {
  try {
    return fs.readFileSync(STAMP, 'utf8').trim() === digest();
  } catch {
    return false;
  }
}

/**
 * Builds the peer unless it is built from the current sources. Throws with Maven's output when the build fails.
 * @returns {boolean} whether a build ran
 */
function ensureBuilt(log = () => undefined) {
  if (built()) return false;
  log('building the Camel peer with Maven (the first build fetches Camel 4 from Maven Central)...');
  const started = Date.now();
  fs.rmSync(STAMP, { force: true });
  const mvn = spawnSync(
    'mvn',
    ['-B', '-q', '-Dstyle.color=never', '-f', path.join(DIR, 'pom.xml'), 'package', 'dependency:copy-dependencies', '-DskipTests'],
    { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 15 * 60_000 },
  );
  if (mvn.error) {
    const missing = mvn.error.code === 'ENOENT';
    throw new Error(missing ? 'mvn not found on PATH: install Maven 3.6.3 or later and Java 17 (apt-get install maven openjdk-17-jdk-headless)' : `mvn failed to start: ${mvn.error.message}`);
  }
  if (mvn.status !== 0) {
    const output = `${mvn.stdout}${mvn.stderr}`.replace(/\x1b\[[0-9;]*m/g, '').trim();
    throw new Error(`mvn package failed (exit ${mvn.status ?? mvn.signal}):\n${output.slice(-4000)}`);
  }
  fs.writeFileSync(STAMP, `${digest()}\n`);
  log(`built the Camel peer in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}

/**
 * Starts the peer on a free loopback port in front of `backend` and waits for its "listening" line.
 * `javaArgs` go before the class path (e.g. -Xmx512m). Resolves to { url, pid, alive, output, stop }.
 */
async function startCamel({ backend, javaArgs = [], readyTimeoutMs = 90_000 }) {
  const port = await freePort();
  const child = track(
    spawn('java', [...javaArgs, '-cp', `${path.join(TARGET, 'classes')}:${path.join(TARGET, 'lib', '*')}`, MAIN_CLASS, String(port), backend, String(POOL)], {
      cwd: DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let output = '';
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Camel peer did not start within ${readyTimeoutMs} ms:\n${output.slice(-4000)}`)), readyTimeoutMs);
    const keep = (chunk) => {
      output = (output + chunk.toString('utf8')).slice(-65_536);
      if (output.includes(`camel peer listening on ${port}`)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`java failed to start: ${err.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the Camel peer exited (code ${code}) while starting:\n${output.slice(-4000)}`));
    });
  });
  try {
    await ready;
  } catch (err) {
    await stop(child, 1_000);
    throw err;
  }
  return { url: `http://127.0.0.1:${port}`, pid: child.pid, alive: () => alive(child), output: () => output, stop: (g) => stop(child, g) };
}

module.exports = { CAMEL_SCENARIOS, POOL, ensureBuilt, startCamel };
