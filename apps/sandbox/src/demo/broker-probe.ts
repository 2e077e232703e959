import { connect as connectAmqp, type ChannelModel } from 'amqplib';
import { connect as connectMqtt } from 'mqtt';

/** Time the demo gives a broker to answer at start. */
export const BROKER_PROBE_TIMEOUT_MS = 3_000;

export type BrokerProbe = { readonly reachable: true } | { readonly reachable: false; readonly reason: string };

/** One try at a broker: `attempt` settles when it answered or failed; `release` frees what the try opened. */
export interface ProbeAttempt {
  readonly attempt: Promise<unknown>;
  release(): Promise<unknown>;
}

/**
 * Whether a broker answers: runs one `start()`ed attempt against a deadline. Resolves within about `timeoutMs`, never
 * rejects. The attempt's resources are released once it settles, whatever its end; when the deadline comes first,
 * the verdict is given at once and the release waits for the attempt (whose own timeouts should be `timeoutMs` too).
 */
export async function probeBroker(start: () => ProbeAttempt, timeoutMs: number): Promise<BrokerProbe> {
  let probe: ProbeAttempt;
  try {
    probe = start();
  } catch (err) {
    return { reachable: false, reason: reasonOf(err) };
  }
  const release = () => probe.release().catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([probe.attempt, deadline]);
    await release();
    return { reachable: true };
  } catch (err) {
    void probe.attempt.then(release, release);
    return { reachable: false, reason: reasonOf(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** Whether RabbitMQ (or another AMQP 0-9-1 broker) at `url` takes a connection: the handshake and login succeed. */
export function probeAmqp(url: string, timeoutMs = BROKER_PROBE_TIMEOUT_MS): Promise<BrokerProbe> {
  return probeBroker(() => {
    let model: ChannelModel | undefined;
    const attempt = connectAmqp(url, { timeout: timeoutMs, clientProperties: { connection_name: 'junction-demo-probe' } }).then((m) => {
      model = m;
    });
    return { attempt, release: async () => model?.close() };
  }, timeoutMs);
}

/** Whether an MQTT broker at `url` accepts a connection (MQTT 5, clean session, no retries). */
export function probeMqtt(url: string, timeoutMs = BROKER_PROBE_TIMEOUT_MS): Promise<BrokerProbe> {
  return probeBroker(() => {
    const client = connectMqtt(url, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: timeoutMs, clean: true });
    const attempt = new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
      client.once('close', () => reject(new Error('connection closed')));
    });
    return { attempt, release: () => client.endAsync(true) };
  }, timeoutMs);
}

function reasonOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // Node's AggregateError (a host with IPv4 and IPv6 addresses both refusing) has an empty message.
  if (err.message === '' && err instanceof AggregateError && err.errors[0] instanceof Error) return err.errors[0].message;
  return err.message;
}
