'use strict';
/**
 * Mosquitto for S10 (the shape is in index.js), on the broker MQTT_URL names (else mqtt://127.0.0.1:1883), MQTT 5.
 *
 * MQTT has no queue to create: what holds QoS 1 messages for a consumer is its session. So a cell's destination is a
 * fresh topic and the bus route's session (its client id), created here with the subscription before the bus starts,
 * so that the warm-up published before the bus connects waits for it; `remove()` ends the session (a clean start
 * with the same client id) once the bus has stopped.
 *
 * Mosquitto keeps at most `max_queued_messages` (default 1000) per session beyond those in flight, and drops the rest
 * of a QoS 1 stream: a publisher much faster than its consumer loses messages at the broker. Hence `maxAhead`: the
 * measure publishes at most that many messages beyond those the backend has counted (a bound on the broker's queue,
 * since a message is delivered only after the bus took it from the broker).
 */
const mqtt = require('mqtt');

const BROKER_URL = process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const SHOWN = BROKER_URL.replace(/\/\/[^@/]*@/, '//');
/** Below Mosquitto's default max_queued_messages (1000), with a margin for the messages in flight to the bus. */
const MAX_AHEAD = 900;

/** A connected MQTT 5 client; rejects (no retry) when the broker does not answer. */
function connect(options) {
  return mqtt.connectAsync(BROKER_URL, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 3_000, ...options }, false);
}

async function problem() {
  try {
    const client = await connect({ clean: true });
    await client.endAsync();
    return undefined;
  } catch (err) {
    return `no MQTT broker answers at ${SHOWN} (MQTT_URL): ${err.message}`;
  }
}

/** Removes a session: a clean start with its client id and no expiry, then a disconnect. */
async function endSession(clientId) {
  const client = await connect({ clientId, clean: true, properties: { sessionExpiryInterval: 0 } });
  await client.endAsync();
}

/** A topic of the cell's own and the session of the route (QoS 1 subscription, kept for an hour at most). */
async function open({ id }) {
  const run = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const topic = `bench/${id.toLowerCase()}/${run}`;
  const clientId = `bench-${id.toLowerCase()}-${run}`;
  const session = await connect({ clientId, clean: false, properties: { sessionExpiryInterval: 3_600 } });
  try {
    await session.subscribeAsync(topic, { qos: 1 });
  } finally {
    await session.endAsync();
  }
  let removed;
  // A session left behind expires within the hour; the run's figures do not depend on it.
  const remove = () => (removed ??= endSession(clientId).catch(() => undefined));
  return { name: `topic ${topic}, session ${clientId}`, env: { BENCH_MQTT_URL: BROKER_URL, BENCH_MQTT_TOPIC: topic, BENCH_MQTT_CLIENT_ID: clientId }, remove, topic };
}

async function publisher(destination) {
  const client = await connect({ clean: true });
  const options = { qos: 1, properties: { contentType: 'application/json' } };
  return {
    /** QoS 1 PUBLISHes, all handed to the client at once; resolves once the broker acknowledged each (PUBACK). */
    async publish(body, count) {
      const sent = [];
      for (let i = 0; i < count; i++) sent.push(client.publishAsync(destination.topic, body, options));
      await Promise.all(sent);
    },
    close: () => client.endAsync(),
  };
}

module.exports = { name: 'Mosquitto', busEnv: { MQTT_URL: BROKER_URL }, maxAhead: MAX_AHEAD, problem, open, publisher };
