// @ts-check
'use strict';
/**
 * Shared by start.js, stop.js and fetch.js: where the development broker keeps its files, the record of the running
 * broker, and the checks on it. Everything lives under `.kafka/` at the repository root (git-ignored) except the
 * broker's data, which goes to a fresh folder under the system's temp directory at each start.
 *
 *   .kafka/lib/          the broker's jars (fetch.js)
 *   .kafka/broker.pid    the broker's process id, alone on one line
 *   .kafka/broker.json   { pid, port, controllerPort, dataDir, startedAt }: what stop.js needs to clean up
 *   .kafka/broker.log    the broker's output since its last start
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const KAFKA_DIR = path.join(ROOT, '.kafka');
const paths = {
  root: ROOT,
  kafkaDir: KAFKA_DIR,
  lib: path.join(KAFKA_DIR, 'lib'),
  pidFile: path.join(KAFKA_DIR, 'broker.pid'),
  stateFile: path.join(KAFKA_DIR, 'broker.json'),
  logFile: path.join(KAFKA_DIR, 'broker.log'),
  lockFile: path.join(KAFKA_DIR, 'start.lock'),
  pom: path.join(__dirname, 'pom.xml'),
  log4j: path.join(__dirname, 'log4j2.properties'),
};

/** Start of the name of each start's data folder under the system's temp directory. */
const DATA_DIR_PREFIX = 'junction-kafka-';

/**
 * @typedef {{ pid: number, port?: number, controllerPort?: number, dataDir?: string, startedAt?: string }} BrokerState
 */

/** The recorded broker, or undefined when none was recorded. A pid file without its JSON record still counts. */
function readState() {
  try {
    const state = JSON.parse(fs.readFileSync(paths.stateFile, 'utf8'));
    if (Number.isInteger(state.pid) && state.pid > 0) return /** @type {BrokerState} */ (state);
  } catch {
    // No record, or a torn one: fall back to the pid file.
  }
  try {
    const pid = Number(fs.readFileSync(paths.pidFile, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0) return /** @type {BrokerState} */ ({ pid });
  } catch {
    // Nothing recorded.
  }
  return undefined;
}

/** @param {BrokerState} state */
function writeState(state) {
  fs.writeFileSync(paths.stateFile, `${JSON.stringify(state, null, 2)}\n`);
  fs.writeFileSync(paths.pidFile, `${state.pid}\n`);
}

/**
 * Removes the record and the broker's data folder (only a folder start.js made: its name has our prefix).
 * @param {BrokerState | undefined} state
 */
function clearState(state) {
  const dataDir = state?.dataDir;
  if (dataDir && path.basename(dataDir).startsWith(DATA_DIR_PREFIX)) {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  fs.rmSync(paths.stateFile, { force: true });
  fs.rmSync(paths.pidFile, { force: true });
}

/**
 * True while `pid` runs. A zombie (exited, not yet reaped: the broker outlives start.js, and in a container the
 * process that inherits it may never reap it) counts as gone.
 * @param {number} pid
 */
function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    // ESRCH, or EPERM: it exists but belongs to someone else, so it is not our broker either.
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ..."; comm may hold spaces and parentheses, the state follows the last ')'.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS): kill(0) is all there is
  }
}

/**
 * True when `pid` runs the Kafka broker (its command line names `kafka.Kafka`), so that a recycled pid is never
 * signalled. Reads /proc where there is one, else asks `ps`.
 * @param {number} pid
 */
function isKafkaBroker(pid) {
  if (!isAlive(pid)) return false;
  let args = '';
  try {
    args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    const ps = spawnSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
    args = ps.stdout ?? '';
  }
  return /(^|\s)kafka\.Kafka(\s|$)/.test(args);
}

/**
 * Resolves true when something accepts a TCP connection on 127.0.0.1:`port` within `timeoutMs`.
 * @param {number} port
 * @param {number} [timeoutMs]
 * @returns {Promise<boolean>}
 */
function portAnswers(port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (/** @type {boolean} */ ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Resolves true when a Kafka broker on 127.0.0.1:`port` answers a metadata request (kafkajs `listTopics`), i.e. it
 * has joined its own KRaft quorum and is unfenced, which is when clients can use it.
 * @param {number} port
 * @returns {Promise<boolean>}
 */
async function brokerAnswers(port) {
  if (!(await portAnswers(port))) return false;
  const { Kafka, logLevel } = require('kafkajs');
  const kafka = new Kafka({
    clientId: 'junction-kafka-start',
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Parses a TCP port from an environment variable; exits with a message naming the variable when it is not one.
 * @param {string} name
 * @param {number} fallback
 */
function portFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`${name}=${raw} is not a TCP port (1-65535)`);
  return port;
}

/**
 * Parses a positive whole number of milliseconds from an environment variable.
 * @param {string} name
 * @param {number} fallback
 */
function msFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms <= 0) fail(`${name}=${raw} is not a positive number of milliseconds`);
  return ms;
}

/**
 * Progress and problems go to stderr: stdout carries only the KEY=VALUE lines that callers parse.
 * @param {string} message
 */
function log(message) {
  process.stderr.write(`kafka: ${message}\n`);
}

/** @param {string} message @returns {never} */
function fail(message) {
  log(message);
  process.exit(1);
}

/** The last `lines` lines of the broker's log, for an error message. */
function logTail(lines = 30) {
  try {
    return fs.readFileSync(paths.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no broker log)';
  }
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

module.exports = {
  paths,
  DATA_DIR_PREFIX,
  readState,
  writeState,
  clearState,
  isAlive,
  isKafkaBroker,
  portAnswers,
  brokerAnswers,
  portFromEnv,
  msFromEnv,
  log,
  fail,
  logTail,
  sleep,
};
