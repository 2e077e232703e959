import { execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from './free-port';

/**
 * A single-node Kafka broker that belongs to one test: its own ports, data and log, so that the test may stop it
 * and start it again (a broker restart) without disturbing the broker other suites share.
 */
export interface OwnKafkaBroker {
  /** Bootstrap address, as kafkajs takes it in `brokers`. */
  readonly brokers: string[];
  /** The broker's output since it was created (a file: read it when a test fails). */
  readonly logFile: string;
  /** True while the broker process runs. */
  running(): boolean;
  /**
   * Stops the broker process, keeping its data: SIGTERM (a clean shutdown) or SIGKILL, SIGKILL anyway after
   * `graceMs` (default 30000). Resolves once the process is gone. Does nothing when it is not running.
   */
  stop(signal?: 'SIGTERM' | 'SIGKILL', graceMs?: number): Promise<void>;
  /** Starts the broker again on the same ports and data; resolves once it answers metadata requests. */
  start(): Promise<void>;
  /** Kills the broker and removes its data and log. Safe to call twice. */
  destroy(): Promise<void>;
}

/** The parts of scripts/kafka this helper drives (plain JavaScript modules, loaded at run time). */
interface KafkaScripts {
  dir: string;
  process: {
    serverProperties(port: number, controllerPort: number, logDirs: string): string;
    formatStorage(java: string, propsFile: string, logFd: number): { status: number | null; signal: NodeJS.Signals | null };
    launchBroker(java: string, propsFile: string, logFd: number): ChildProcess;
  };
  state: { brokerAnswers(port: number): Promise<boolean> };
  fetch: { jarsPresent(): boolean };
}

/**
 * Formats a fresh data folder and starts a broker on free ports from the jars of scripts/kafka (fetched first when
 * missing, as `npm run kafka:fetch` does); resolves once it answers. Rejects, leaving nothing running, when the jars
 * cannot be had or the broker is not ready within `startTimeoutMs` (default 90000).
 */
export async function startOwnKafkaBroker(options: { startTimeoutMs?: number } = {}): Promise<OwnKafkaBroker> {
  const scripts = loadScripts();
  if (!scripts.fetch.jarsPresent()) {
    // The fetch script exits the process on failure: it runs as a child, not in the test's process.
    execFileSync(process.execPath, [join(scripts.dir, 'fetch.js')], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
  }
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const timeoutMs = options.startTimeoutMs ?? 90_000;
  const port = await freePort();
  const controllerPort = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'junction-own-kafka-'));
  const propsFile = join(dataDir, 'server.properties');
  const logFile = join(dataDir, 'broker.log');
  writeFileSync(propsFile, scripts.process.serverProperties(port, controllerPort, join(dataDir, 'logs')));
  const formatFd = openSync(logFile, 'a');
  const format = scripts.process.formatStorage(java, propsFile, formatFd);
  closeSync(formatFd);
  if (format.status !== 0) {
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`formatting the broker's storage failed (exit ${format.status ?? format.signal})`);
  }

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;

  const start = async (): Promise<void> => {
    if (running()) return;
    const fd = openSync(logFile, 'a');
    const launched = scripts.process.launchBroker(java, propsFile, fd);
    closeSync(fd);
    child = launched;
    exited = new Promise((resolve) => launched.once('exit', () => resolve()));
    launched.unref();
    const deadline = Date.now() + timeoutMs;
    while (!(await scripts.state.brokerAnswers(port))) {
      if (!running() || Date.now() > deadline) {
        launched.kill('SIGKILL');
        await exited;
        throw new Error(`the broker on 127.0.0.1:${port} was not ready within ${timeoutMs} ms; see ${logFile}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM', graceMs = 30_000): Promise<void> => {
    if (!running()) return;
    child!.kill(signal);
    const timer = setTimeout(() => child?.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  let destroyed: Promise<void> | undefined;
  const broker: OwnKafkaBroker = {
    brokers: [`127.0.0.1:${port}`],
    logFile,
    running,
    start,
    stop,
    destroy: () =>
      (destroyed ??= stop('SIGKILL').then(() => rmSync(dataDir, { recursive: true, force: true }))),
  };
  // A test run that dies leaves no JVM behind.
  process.once('exit', () => {
    if (running()) child!.kill('SIGKILL');
  });
  try {
    await start();
  } catch (err) {
    await broker.destroy();
    throw err;
  }
  return broker;
}

function loadScripts(): KafkaScripts {
  const dir = join(repositoryRoot(), 'scripts', 'kafka');
  const load = (name: string): unknown => require(join(dir, name));
  return {
    dir,
    process: load('broker-process.js') as KafkaScripts['process'],
    state: load('broker-state.js') as KafkaScripts['state'],
    fetch: load('fetch.js') as KafkaScripts['fetch'],
  };
}

/** The folder holding scripts/kafka, looked for upwards from here. */
function repositoryRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'scripts', 'kafka', 'broker-process.js'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no scripts/kafka/broker-process.js above ${__dirname}`);
  }
}
