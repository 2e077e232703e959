import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A Kafka broker that tests can use: where to reach it, and how to let it go. */
export interface KafkaBroker {
  /** Bootstrap addresses (`host:port`), as kafkajs takes them in `brokers`. */
  readonly brokers: string[];
  /**
   * True when this call started the broker. False when `KAFKA_BROKERS` named one, or when a broker from an earlier
   * `npm run kafka:start` was already running: that one belongs to whoever started it.
   */
  readonly startedHere: boolean;
  /**
   * Stops the broker when this call started it (scripts/kafka/stop.js: SIGTERM, SIGKILL after a grace period, data
   * removed); otherwise does nothing. Safe to call more than once.
   */
  stop(): Promise<void>;
}

export interface KafkaBrokerOptions {
  /** Where `KAFKA_BROKERS` is read from, and the environment of the scripts (`KAFKA_PORT`...). Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Time allowed for the start script, a first download of the jars included (default 300000). */
  startTimeoutMs?: number;
  /** Time allowed for the stop script (default 60000). */
  stopTimeoutMs?: number;
}

/**
 * A broker for tests, typically from jest's global setup. With `KAFKA_BROKERS` set (comma-separated `host:port`),
 * resolves with those addresses and a `stop` that does nothing. Otherwise runs scripts/kafka/start.js, which starts
 * (or finds running) the single-node development broker, fetching its jars with Maven on first use; needs Java 17+
 * and Maven. Rejects with the script's output when it fails; the script then leaves nothing running.
 */
export async function ensureKafkaBroker(options: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
  const env = options.env ?? process.env;
  const given = env.KAFKA_BROKERS?.trim();
  if (given) {
    const brokers = given.split(',').map((b) => b.trim()).filter((b) => b !== '');
    return { brokers, startedHere: false, stop: async () => undefined };
  }

  const scripts = join(repositoryRoot(), 'scripts', 'kafka');
  const output = await runScript(join(scripts, 'start.js'), env, options.startTimeoutMs ?? 300_000);
  const values = parseKeyValues(output);
  const address = values.get('KAFKA_BROKERS');
  if (!address) throw new Error(`scripts/kafka/start.js printed no KAFKA_BROKERS line; it printed:\n${output}`);
  const startedHere = values.get('KAFKA_BROKER_STARTED') === '1';
  let stopping: Promise<void> | undefined;
  return {
    brokers: address.split(','),
    startedHere,
    stop() {
      if (!startedHere) return Promise.resolve();
      stopping ??= runScript(join(scripts, 'stop.js'), env, options.stopTimeoutMs ?? 60_000).then(() => undefined);
      return stopping;
    },
  };
}

/** The folder holding scripts/kafka/start.js, looked for upwards from here (works from src/ and from dist/). */
function repositoryRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'scripts', 'kafka', 'start.js'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no scripts/kafka/start.js in ${__dirname} or any folder above it`);
  }
}

/** Runs a Node script without standard input; resolves with its stdout, rejects with its stderr's tail. */
function runScript(script: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [script],
      { env, timeout: timeoutMs, killSignal: 'SIGTERM', maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const tail = stderr.trimEnd().split('\n').slice(-40).join('\n');
        reject(new Error(`${script} failed (${err.message.split('\n')[0]}):\n${tail}`, { cause: err }));
      },
    );
    child.stdin?.end();
  });
}

function parseKeyValues(output: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of output.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) values.set(match[1], match[2]);
  }
  return values;
}
