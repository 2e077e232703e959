import { execFile } from 'node:child_process';
import { connect, type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage, type Options } from 'amqplib';

/**
 * Helpers for tests against a real RabbitMQ: the connector's own specs and the end-to-end suites. Every name a test
 * declares is unique and removed at cleanup; connections are found and force-closed by their `connection_name`.
 */

/** The broker the tests use: AMQP_URL, else the local development broker. */
export const TEST_AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** A queue, exchange or route name no other test uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

/** A client for set-up, test traffic and reading, on a connection of its own. */
export interface TestRabbit {
  /** A confirm channel for declarations and publishing. */
  readonly channel: ConfirmChannel;
  /** Declares a durable queue (removed at cleanup). */
  queue(name: string, options?: Options.AssertQueue): Promise<void>;
  /** Removes a queue that something else declares (the bus) at cleanup. */
  removeLater(queue: string): void;
  /** Declares an exchange (removed at cleanup). */
  exchange(name: string, type?: 'direct' | 'topic' | 'fanout'): Promise<void>;
  /** Publishes to a queue through the default exchange, 500 at a time, and waits for the broker's confirms. */
  publish(queue: string, bodies: ReadonlyArray<string | Buffer>, properties?: (i: number) => Options.Publish): Promise<void>;
  /** Messages ready in a queue. */
  depth(queue: string): Promise<number>;
  /** Consumes a queue (acknowledging) into an array, until stopped. */
  read(queue: string): Promise<{ readonly messages: ConsumeMessage[]; stop(): Promise<void> }>;
  /** Removes what was declared and closes the connection. */
  cleanup(): Promise<void>;
}

/** Connects to the test broker, or rejects saying what the tests need. */
export async function testRabbit(): Promise<TestRabbit> {
  let connection: ChannelModel;
  try {
    connection = await connect(TEST_AMQP_URL, { clientProperties: { connection_name: 'junction tests' }, timeout: 5_000 });
  } catch (err) {
    throw new Error(
      `RabbitMQ at 127.0.0.1:5672 (guest/guest, or the broker AMQP_URL names) is needed by these tests and cannot be reached ` +
        `(${(err as Error).message}); start it with \`rabbitmq-server -detached\``,
    );
  }
  connection.on('error', () => undefined);
  const channel = await connection.createConfirmChannel();
  const queues = new Set<string>();
  const exchanges = new Set<string>();
  const readers: Channel[] = [];
  return {
    channel,
    async queue(name, options = {}) {
      queues.add(name);
      await channel.assertQueue(name, { durable: true, ...options });
    },
    removeLater(queue) {
      queues.add(queue);
    },
    async exchange(name, type = 'direct') {
      exchanges.add(name);
      await channel.assertExchange(name, type, { durable: true });
    },
    async publish(queue, bodies, properties = () => ({})) {
      for (let i = 0; i < bodies.length; i += 500) {
        for (let j = i; j < Math.min(i + 500, bodies.length); j++) {
          const body = bodies[j];
          channel.sendToQueue(queue, Buffer.isBuffer(body) ? body : Buffer.from(body), { persistent: true, ...properties(j) });
        }
        await channel.waitForConfirms();
      }
    },
    async depth(queue) {
      return (await channel.checkQueue(queue)).messageCount;
    },
    async read(queue) {
      const reader = await connection.createChannel();
      readers.push(reader);
      const messages: ConsumeMessage[] = [];
      const { consumerTag } = await reader.consume(queue, (msg) => {
        if (!msg) return;
        messages.push(msg);
        reader.ack(msg);
      });
      return { messages, stop: async () => void (await reader.cancel(consumerTag)) };
    },
    async cleanup() {
      for (const r of readers) await r.close().catch(() => undefined);
      for (const q of queues) await channel.deleteQueue(q).catch(() => undefined);
      for (const x of exchanges) await channel.deleteExchange(x).catch(() => undefined);
      await connection.close().catch(() => undefined);
    },
  };
}

/** Runs `rabbitmqctl` with `args`; resolves with its standard output. */
export function rabbitmqctl(args: readonly string[], timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('rabbitmqctl', args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`rabbitmqctl ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** The open connections whose client gave `connection_name`, by broker process id. */
export async function connectionsNamed(name: string): Promise<string[]> {
  const out = await rabbitmqctl(['-q', 'list_connections', 'pid', 'client_properties', '--no-table-headers']);
  const wanted = `{"connection_name","${name}"}`;
  return out
    .split('\n')
    .filter((line) => line.includes(wanted))
    .map((line) => line.split('\t')[0]);
}

/** Force-closes the connections named `name`, as an operator would (`rabbitmqctl close_connection`); returns how many. */
export async function closeConnectionsNamed(name: string, reason = 'test'): Promise<number> {
  const pids = await connectionsNamed(name);
  for (const pid of pids) await rabbitmqctl(['close_connection', pid, reason]);
  return pids.length;
}
