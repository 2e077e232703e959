'use strict';
/**
 * The scenario matrix. Each scenario names the bus it needs (`bus`: which routes and which store) and how it is
 * driven: `http` (sync request-reply, compared with the raw proxy), `async` (S7: N posts answered 202, delivered/s at
 * the backend) or `broker` (S8-S10: N messages published to a broker, delivered/s at the backend; `broker` names the
 * module in lib/brokers, `parallelism` the route's: the topic's partitions, the AMQP prefetch, one MQTT session).
 * The route files are in bench/routes.
 */
const { SIZES } = require('./payloads');

const SCENARIOS = [
  { id: 'S1', kind: 'http', bus: 'sync', path: '/s1', format: 'xml', title: 'passthrough HTTP -> HTTP' },
  { id: 'S1-quiet', kind: 'http', bus: 'sync', path: '/s1-quiet', format: 'xml', title: 'S1 journaling only failures (journal: failures)' },
  { id: 'S1-json', kind: 'http', bus: 'sync', path: '/s1', format: 'json', title: 'S1 with the JSON twin' },
  { id: 'S2', kind: 'http', bus: 'sync', path: '/s2', format: 'xml', headers: { 'x-route': 'echo' }, title: 'route on an HTTP header' },
  { id: 'S2-json', kind: 'http', bus: 'sync', path: '/s2', format: 'json', headers: { 'x-route': 'echo' }, title: 'S2 with the JSON twin' },
  { id: 'S3', kind: 'http', bus: 'sync', path: '/s3', format: 'xml', soapHeader: true, title: 'route on a SOAP header block' },
  { id: 'S4', kind: 'http', bus: 'sync', path: '/s4', format: 'xml', title: "route on the body (first order's symbol)" },
  { id: 'S4-json', kind: 'http', bus: 'sync', path: '/s4-json', format: 'json', title: 'S4 with the JSON twin' },
  { id: 'S5', kind: 'http', bus: 'sync', path: '/s5', format: 'xml', title: 'XML -> JSON request, JSON -> XML reply' },
  // SOAP 1.1: text/xml with a SOAPAction naming the operation, as a WSDL client sends it.
  { id: 'S6', kind: 'http', bus: 'sync', path: '/s6', format: 'xml', headers: { soapaction: '"urn:buyStocks"' }, title: 'SOAP ingress -> S4 -> REST target' },
  { id: 'S7-sqlite', kind: 'async', bus: 'async-sqlite', path: '/s7', format: 'json', title: 'async (202) HTTP -> REST on SQLite, delivered/s' },
  { id: 'S7-pg', kind: 'async', bus: 'async-pg', path: '/s7', format: 'json', title: 'async (202) HTTP -> REST on PostgreSQL, delivered/s' },
  // The Aggregator: S7's posts held in 16 groups (by the last digit of the message id) of 10; parts delivered/s.
  { id: 'S11-agg', kind: 'async', bus: 'async-sqlite', path: '/s11', format: 'json', countParts: true, title: 'Aggregator: async parts aggregated by 10 on SQLite, parts/s' },
  // S8's route mode follows --kafka-mode; S9 and S10 are async (stored in the outbox before the broker's ack).
  { id: 'S8', kind: 'broker', broker: 'kafka', bus: 'kafka', parallelism: 3, mode: (o) => o.kafkaMode, format: 'json', title: 'Kafka -> route -> HTTP, delivered/s' },
  { id: 'S9', kind: 'broker', broker: 'amqp', bus: 'amqp', parallelism: 100, format: 'json', title: 'AMQP (RabbitMQ) -> route -> HTTP, delivered/s' },
  { id: 'S10', kind: 'broker', broker: 'mqtt', bus: 'mqtt', parallelism: 1, format: 'json', title: 'MQTT (Mosquitto) -> route -> HTTP, delivered/s' },
  // S11: rows inserted into a table that the bus polls after a cursor; the parallelism is the rows read per poll.
  { id: 'S11-pg', kind: 'broker', broker: 'sql-pg', bus: 'sql-pg', parallelism: 500, format: 'json', title: 'SQL source (PostgreSQL, cursor) -> route -> HTTP, delivered/s' },
  { id: 'S11-mariadb', kind: 'broker', broker: 'sql-mariadb', bus: 'sql-mariadb', parallelism: 500, format: 'json', title: 'SQL source (MariaDB, cursor) -> route -> HTTP, delivered/s' },
  // S12-csv: one CSV file of 100,000 records (about 50 B each: the 500B size) split into one message per record; the
  // file is the batch, whatever --messages says, and its run gets at least `minLimitS`. Records/s from the first
  // delivery to the last (the file arrives whole); parallelism 1: one file.
  { id: 'S12-csv', kind: 'broker', broker: 'file', bus: 'file', parallelism: 1, sizes: ['500B'], messages: 100_000, minLimitS: 300, format: 'json', title: 'CSV file of 100,000 records -> one message per record -> HTTP, records/s' },
];

/** The buses: which route folder (under bench/routes) and which store. */
const BUSES = {
  sync: { routes: 'http', store: 'sqlite' },
  'async-sqlite': { routes: 'http', store: 'sqlite' },
  'async-pg': { routes: 'http', store: 'pg' },
  kafka: { routes: 'kafka', store: 'sqlite' },
  amqp: { routes: 'amqp', store: 'sqlite' },
  mqtt: { routes: 'mqtt', store: 'sqlite' },
  'sql-pg': { routes: 'sql', store: 'sqlite' },
  'sql-mariadb': { routes: 'sql', store: 'sqlite' },
  file: { routes: 'file', store: 'sqlite' },
};

const CONCURRENCY = [10, 100, 500];

/**
 * Messages per S7-S10 run: enough for a few seconds at the targets' rates, fewer for large bodies so that a run stays
 * bounded in time and disk (30,000 x 100 KB would be 3 GB of journal).
 */
function messagesFor(size, base) {
  const scale = { '500B': 1, '1KB': 1, '10KB': 1 / 3, '100KB': 1 / 30 }[size];
  return Math.max(200, Math.round(base * scale));
}

/** Every cell of the full matrix: each scenario at each size (or at its own `sizes`), HTTP and S7 at each concurrency, brokers at theirs. */
function fullMatrix() {
  const cells = [];
  for (const s of SCENARIOS) {
    for (const size of s.sizes ?? Object.keys(SIZES)) {
      if (s.kind === 'broker') cells.push({ scenario: s, size, concurrency: s.parallelism });
      else for (const c of CONCURRENCY) cells.push({ scenario: s, size, concurrency: c });
    }
  }
  return cells;
}

/**
 * The quick subset: one cell for every target. S1 at 1 KB at c=10 (latency added), c=100 (ratio) and c=500 (peak
 * RSS), and S1-quiet (the same proxy journaling only failures) at c=10 and c=100; S2-S6 at 1 KB, c=100; S1 at
 * 100 KB (no crash, no stall of another route); S7 on both stores; S8, S9 and S10; S11; S12-csv (its 100,000 records).
 */
function quickMatrix() {
  const byId = Object.fromEntries(SCENARIOS.map((s) => [s.id, s]));
  const cell = (id, size, concurrency = byId[id].parallelism) => ({ scenario: byId[id], size, concurrency });
  return [
    cell('S1', '1KB', 10),
    cell('S1', '1KB', 100),
    cell('S1', '1KB', 500),
    cell('S1-quiet', '1KB', 10),
    cell('S1-quiet', '1KB', 100),
    cell('S2', '1KB', 100),
    cell('S3', '1KB', 100),
    cell('S4', '1KB', 100),
    cell('S5', '1KB', 100),
    cell('S6', '1KB', 100),
    cell('S1', '100KB', 100),
    cell('S7-sqlite', '1KB', 100),
    cell('S7-pg', '1KB', 100),
    cell('S11-agg', '1KB', 100),
    cell('S8', '1KB'),
    cell('S9', '1KB'),
    cell('S10', '1KB'),
    cell('S11-pg', '1KB'),
    cell('S11-mariadb', '1KB'),
    cell('S12-csv', '500B'),
  ];
}

/**
 * `S1` names exactly S1; a name that is no scenario id selects the scenarios it prefixes (`S7`: S7-sqlite and
 * S7-pg). Unknown names are an error rather than an empty run.
 */
function selectScenarios(names) {
  const ids = new Set();
  for (const name of names) {
    const exact = SCENARIOS.find((s) => s.id.toLowerCase() === name.toLowerCase());
    const matches = exact ? [exact] : SCENARIOS.filter((s) => s.id.toLowerCase().startsWith(`${name.toLowerCase()}-`));
    if (matches.length === 0) throw new Error(`unknown scenario ${name} (known: ${SCENARIOS.map((s) => s.id).join(', ')})`);
    for (const s of matches) ids.add(s.id);
  }
  return ids;
}

/** The cells to run: the quick or full matrix, narrowed by --scenarios, --sizes and --concurrency. */
function matrix(options) {
  let cells = options.quick ? quickMatrix() : fullMatrix();
  if (options.scenarios) {
    const ids = selectScenarios(options.scenarios);
    cells = cells.filter((c) => ids.has(c.scenario.id));
  }
  if (options.sizes) cells = cells.filter((c) => options.sizes.includes(c.size));
  if (options.concurrency) cells = cells.filter((c) => c.scenario.kind === 'broker' || options.concurrency.includes(c.concurrency));
  return cells;
}

module.exports = { SCENARIOS, BUSES, CONCURRENCY, matrix, messagesFor };
