#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * `npm run kafka:start`: a single-node Apache Kafka broker (KRaft, broker and controller in one JVM) for development
 * and tests, from the official jars on Maven Central. Works from any directory and never reads standard input.
 *
 * 1. If the broker recorded by an earlier start still runs and answers, says so and exits 0.
 * 2. Fetches the jars into .kafka/lib unless present (fetch.js).
 * 3. Writes server.properties into a fresh data folder under the system's temp directory, formats the storage with
 *    a random cluster id, starts `java kafka.Kafka` in the background (output to .kafka/broker.log), records it
 *    (.kafka/broker.pid, .kafka/broker.json), and waits until it answers a metadata request.
 *
 * On success stdout holds, and only holds, `KEY=VALUE` lines (`export $(npm run -s kafka:start)` works):
 *   KAFKA_BROKERS=127.0.0.1:<port>   KAFKA_BROKER_PID=<pid>   KAFKA_BROKER_STARTED=1 (0: it was already running)
 * Progress and errors go to stderr; on failure the exit code is 1 and nothing is left running.
 *
 * Settings: KAFKA_PORT (default 9092), KAFKA_START_TIMEOUT_MS (time to become ready once started, default 60000),
 * KAFKA_HEAP_OPTS (default "-Xms128m -Xmx512m"), JAVA_HOME (else `java` on PATH).
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const state = require('./broker-state');
const { ensureJars } = require('./fetch');
const { stopBroker } = require('./stop');
const { formatStorage, launchBroker, serverProperties } = require('./broker-process');

const { paths, log, fail } = state;

async function main() {
  const port = state.portFromEnv('KAFKA_PORT', 9092);
  const readyTimeoutMs = state.msFromEnv('KAFKA_START_TIMEOUT_MS', 60_000);
  try {
    require.resolve('kafkajs'); // the readiness probe's client: fail before anything starts, not after
  } catch {
    fail('kafkajs is not installed: run npm ci first');
  }
  fs.mkdirSync(paths.kafkaDir, { recursive: true });
  // Two starts at once (two terminals, two jest workers) must not both format and launch: one waits for the other.
  await acquireLock(readyTimeoutMs + 300_000);

  const previous = state.readState();
  if (previous !== undefined) {
    const previousPort = previous.port ?? port;
    if (state.isKafkaBroker(previous.pid) && (await state.brokerAnswers(previousPort))) {
      log(`a broker from an earlier start is already running (pid ${previous.pid}, 127.0.0.1:${previousPort})`);
      if (previousPort !== port) log(`note: it listens on ${previousPort}, not ${port}; stop it first to move it`);
      printResult(previousPort, previous.pid, false);
      return;
    }
    if (state.isKafkaBroker(previous.pid)) {
      log(`the recorded broker (pid ${previous.pid}) runs but does not answer on ${previousPort}: stopping it`);
    } else {
      log(`the recorded broker (pid ${previous.pid}) is no longer running: removing its record and data`);
    }
    await stopBroker(previous, 10_000);
  }

  ensureJars();
  const java = javaCommand();
  if (!(await portIsFree(port))) {
    fail(`127.0.0.1:${port} is taken by another process (not a broker of kafka:start): free it or set KAFKA_PORT`);
  }
  const controllerPort = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), state.DATA_DIR_PREFIX));
  const propsFile = path.join(dataDir, 'server.properties');
  fs.writeFileSync(propsFile, serverProperties(port, controllerPort, path.join(dataDir, 'logs')));
  const logFd = fs.openSync(paths.logFile, 'w');
  const started = Date.now();
  const format = formatStorage(java, propsFile, logFd);
  if (format.status !== 0) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    const code = format.status ?? format.signal;
    fail(`formatting the storage failed (exit ${code}); .kafka/broker.log:\n${state.logTail()}`);
  }

  const child = launchBroker(java, propsFile, logFd);
  fs.closeSync(logFd);
  const pid = child.pid ?? fail(`could not start ${java}`);
  const record = { pid, port, controllerPort, dataDir, startedAt: new Date().toISOString() };
  state.writeState(record);

  let exitCode = /** @type {number | null | undefined} */ (undefined);
  child.once('exit', (code, signal) => {
    exitCode = code ?? (signal ? 128 : 1);
  });
  const abandon = () => {
    if (state.isAlive(record.pid)) process.kill(record.pid, 'SIGKILL');
    state.clearState(record);
  };
  const onSignal = () => {
    log('interrupted: stopping the broker');
    abandon();
    process.exit(130);
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);

  const deadline = Date.now() + readyTimeoutMs;
  try {
    for (;;) {
      if (exitCode !== undefined) {
        state.clearState(record);
        fail(`the broker exited (code ${exitCode}) before it was ready; .kafka/broker.log:\n${state.logTail()}`);
      }
      if (await state.brokerAnswers(port)) break;
      if (Date.now() >= deadline) {
        abandon();
        fail(`the broker was not ready within ${readyTimeoutMs} ms; .kafka/broker.log:\n${state.logTail()}`);
      }
      await state.sleep(250);
    }
  } catch (err) {
    abandon(); // an unexpected error while waiting: nothing may be left running
    throw err;
  }
  process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  child.unref();
  log(`broker ready in ${((Date.now() - started) / 1000).toFixed(1)} s (pid ${record.pid}, log .kafka/broker.log)`);
  printResult(port, record.pid, true);
}

/** `$JAVA_HOME/bin/java` or `java`; exits with a message unless it is Java 17 or later. */
function javaCommand() {
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const probe = spawnSync(java, ['-version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (probe.error) fail(`${java} not found: the broker needs Java 17 or later (set JAVA_HOME or PATH)`);
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${probe.stderr}${probe.stdout}`);
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : 0;
  if (major < 17) fail(`the broker needs Java 17 or later; ${java} is ${match ? `Java ${major}` : 'unknown'}`);
  return java;
}

/** @param {number} port @returns {Promise<boolean>} */
function portIsFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** @returns {Promise<number>} */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address();
      const port = address && typeof address === 'object' ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('the system gave no port'))));
    });
  });
}

/**
 * Takes .kafka/start.lock (holding this process's pid), waiting while another live start holds it; a lock left by
 * a process that is gone is taken over. Released when this process exits, however it exits.
 * @param {number} timeoutMs
 */
async function acquireLock(timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let waiting = false;
  for (;;) {
    try {
      fs.writeFileSync(paths.lockFile, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'EEXIST') throw err;
    }
    const holder = Number(readOr(paths.lockFile, '').trim());
    // An empty file is a lock being written right now, not a stale one.
    if (Number.isInteger(holder) && holder > 0 && !state.isAlive(holder)) {
      fs.rmSync(paths.lockFile, { force: true });
      continue;
    }
    if (Date.now() >= deadline) fail(`another kafka:start (pid ${holder}) still holds ${paths.lockFile}`);
    if (!waiting) log(`waiting for another kafka:start (pid ${holder}) to finish`);
    waiting = true;
    await state.sleep(250);
  }
  process.once('exit', () => {
    if (readOr(paths.lockFile, '').trim() === String(process.pid)) fs.rmSync(paths.lockFile, { force: true });
  });
}

/** @param {string} file @param {string} fallback */
function readOr(file, fallback) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

/** @param {number} port @param {number} pid @param {boolean} startedNow */
function printResult(port, pid, startedNow) {
  const lines = [`KAFKA_BROKERS=127.0.0.1:${port}`, `KAFKA_BROKER_PID=${pid}`];
  process.stdout.write(`${lines.join('\n')}\nKAFKA_BROKER_STARTED=${startedNow ? 1 : 0}\n`);
}

main().catch((err) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
