import type { ChannelModel } from 'amqplib';

/** Time allowed to reach the broker and finish the AMQP handshake. */
const CONNECT_TIMEOUT_MS = 10_000;

let amqplib: typeof import('amqplib') | undefined;

/**
 * Opens one connection to a broker: the only place that calls amqplib's `connect`. The connection carries
 * `connection_name` (shown by `rabbitmqctl list_connections name` and the management UI), so that an operator can tell
 * the bus's connections apart. amqplib emits `error` before `close` when a connection fails: an `error` listener is
 * attached here, since an unheard `error` event would end the process; owners act on `close`.
 * With `signal`, a connection that arrives after the attempt was given up is closed at once and the call rejects.
 * amqplib is loaded by the first connection rather than with this module: every bus process loads every connector,
 * and one whose routes use no AMQP need not hold the library.
 */
export async function openConnection(url: string, name: string, signal?: AbortSignal): Promise<ChannelModel> {
  signal?.throwIfAborted();
  amqplib ??= require('amqplib') as typeof import('amqplib');
  const connection = await amqplib.connect(url, { clientProperties: { connection_name: name }, timeout: CONNECT_TIMEOUT_MS });
  connection.on('error', () => undefined);
  if (signal?.aborted) {
    await connection.close().catch(() => undefined);
    signal.throwIfAborted();
  }
  return connection;
}

/** Resolves like `promise`, or rejects with `what` timed out after `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer from the broker within ${ms} ms`)), Math.max(0, ms));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
