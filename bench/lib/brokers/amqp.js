'use strict';
/**
 * RabbitMQ for S9 (the shape is in index.js): a fresh durable queue per cell on the broker AMQP_URL names (else
 * amqp://guest:guest@127.0.0.1:5672), deleted afterwards; a publisher of persistent messages with publisher
 * confirms, to the default exchange (which routes by queue name). The route consumes the queue with the cell's
 * parallelism as its prefetch.
 */
const amqplib = require('amqplib');

const BROKER_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
/** The URL as messages show it: without user and password. */
const SHOWN = BROKER_URL.replace(/\/\/[^@/]*@/, '//');

async function connect() {
  const connection = await amqplib.connect(BROKER_URL, { timeout: 3_000 });
  // A connection error surfaces on the operation that failed; without a listener it would also crash the harness.
  connection.on('error', () => undefined);
  return connection;
}

/** Runs `fn` on a channel of a connection of its own, closed afterwards whatever happens. */
async function withChannel(fn) {
  const connection = await connect();
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    return await fn(channel);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

async function problem() {
  try {
    await withChannel(async () => undefined);
    return undefined;
  } catch (err) {
    return `no RabbitMQ answers at ${SHOWN} (AMQP_URL): ${err.message}`;
  }
}

/** A durable classic queue the route consumes (`declare: false`: the queue must exist), named for the cell. */
async function open({ id, parallelism }) {
  const queue = `bench-${id.toLowerCase()}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  await withChannel((ch) => ch.assertQueue(queue, { durable: true, autoDelete: false }));
  let removed;
  const remove = () =>
    (removed ??= withChannel((ch) => ch.deleteQueue(queue)).then(
      () => undefined,
      // A queue left behind is harmless on a development broker; the run's figures do not depend on it.
      () => undefined,
    ));
  return { name: `queue ${queue}`, env: { BENCH_AMQP_URL: BROKER_URL, BENCH_QUEUE: queue, BENCH_PREFETCH: String(parallelism) }, remove, queue };
}

async function publisher(destination) {
  const connection = await connect();
  const channel = await connection.createConfirmChannel();
  channel.on('error', () => undefined);
  return {
    /**
     * Persistent messages as fast as the channel's buffer takes them (waiting for `drain` when it is full); resolves
     * once the broker confirmed every one, which for a durable queue means written to disk.
     */
    async publish(body, count, from = 0) {
      for (let i = 0; i < count; i++) {
        const ok = channel.sendToQueue(destination.queue, body, {
          persistent: true,
          contentType: 'application/json',
          messageId: `bench-${from + i}`,
        });
        if (!ok) await new Promise((resolve) => channel.once('drain', resolve));
      }
      await channel.waitForConfirms();
    },
    close: () => connection.close(),
  };
}

module.exports = { name: 'RabbitMQ', busEnv: { AMQP_URL: BROKER_URL }, problem, open, publisher };
