'use strict';
/**
 * The brokers of the broker scenarios (S8 Kafka, S9 RabbitMQ, S10 Mosquitto, S11 SQL tables polled by the bus, S12 a
 * folder of CSV files), one file each, all with the same shape
 * so that one runner (run.js) and one measure (measure.js `measureBroker`) serve them all:
 *
 * - `name`: the broker as the report names it.
 * - `busEnv`: settings the bus gets (the broker's address), besides the route's own placeholders.
 * - `problem()`: undefined when the broker answers, else why not, without credentials; the scenario is then skipped.
 * - `open({ id, parallelism })`: a fresh destination for one cell (a topic, a queue, a session), resolved once it
 *   exists, so that what is published before the bus subscribes waits for it. Gives `{ name, env, remove() }`: `env`
 *   fills the route file's placeholders; `remove()` deletes it (called once the cell's bus stopped, and again at
 *   the end of the run, so it must be idempotent and never throw).
 * - `publisher(destination)`: a connected publisher; `publish(body, count, from)` sends `count` copies (numbered from
 *   `from`) and resolves once the broker acknowledged every one of them (acks, confirms, PUBACKs); `close()`.
 * - `maxAhead` (optional): the most messages that may be published and not yet delivered at the backend, for a broker
 *   that drops what a slow consumer has not taken (Mosquitto); the measure then publishes within that window.
 * - `rateFrom` (optional): 'firstDelivery' for a source whose batch arrives whole (a file): delivered/s then runs from
 *   the first delivery to the last, and the rate from the end of the publish is given beside it (`fromPublishedRps`).
 */
const kafka = require('./kafka');
const amqp = require('./amqp');
const mqtt = require('./mqtt');
const sql = require('./sql');
const file = require('./file');

/** By the `broker` a scenario names (lib/scenarios.js). */
module.exports = { kafka, amqp, mqtt, 'sql-pg': sql.postgres, 'sql-mariadb': sql.mariadb, file };
