'use strict';
/**
 * What tracing costs one message, in-process, on the built bus's own trace functions (dist/libs/core): the work the
 * engine does for an async message with one target, in the order it does it (ingress span and its traceparent into
 * the headers, the accept commit, the route run and its traceparent for the delivery row, the routing commit, the
 * delivery span from the stored context and the outgoing headers of the call), in three variants:
 *
 * - `hand-written`: the trace context code the bus had before OpenTelemetry (copied below), the reference;
 * - `otel off`: the OpenTelemetry API with no exporter configured (the default): non-recording spans;
 * - `otel on`: a NodeTracerProvider with the batch processor and the OTLP/HTTP protobuf exporter, exporting to a
 *   collector stand-in on loopback that reads and drops the requests (in this process: its cost is counted too).
 *
 * Variants alternate over several rounds; the figure is the median round, in ns of CPU time per message (the
 * process's user + system time, so that other processes on the machine do not count).
 *
 *   npm run build && node bench/trace-overhead.js [--messages 200000] [--rounds 7]
 */
const http = require('node:http');
const { randomFillSync } = require('node:crypto');
const path = require('node:path');

const DIST_ROOT = path.join(__dirname, '..', 'dist', 'libs');
const core = require(path.join(DIST_ROOT, 'core', 'src', 'trace-context.js'));
const { SpanKind } = require('@opentelemetry/api');

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

// ---- The hand-written trace context the bus had before (libs/core/src/trace-context.ts), unchanged. ----
const TRACEPARENT = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
function parseTraceparent(value) {
  if (!value) return undefined;
  const m = TRACEPARENT.exec(value.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, flags };
}
const formatTraceparent = (t) => `00-${t.traceId}-${t.spanId}-${t.flags}`;
function ingressTrace(headers) {
  const caller = parseTraceparent(headers['traceparent']);
  return caller ? { traceId: caller.traceId, spanId: newSpanId(), flags: caller.flags } : { traceId: randomHex(16), spanId: newSpanId(), flags: '01' };
}
function childTraceparent(messageTraceparent) {
  const parent = parseTraceparent(messageTraceparent);
  return formatTraceparent(parent ? { traceId: parent.traceId, spanId: newSpanId(), flags: parent.flags } : ingressTrace({}));
}
function newSpanId() {
  let id = randomHex(8);
  while (id === ZERO_SPAN) id = randomHex(8);
  return id;
}
const pool = Buffer.alloc(4096);
let used = pool.length;
function randomHex(bytes) {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const hex = pool.toString('hex', used, used + bytes);
  used += bytes;
  return hex;
}
function outgoingTraceHeadersBefore(message) {
  return { 'x-message-id': message.id, 'x-correlation-id': message.correlationId, traceparent: childTraceparent(message.headers['traceparent']) };
}

// ---- One message's tracing work, each way. ----
const CALLER = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const incoming = (i) => ({ 'content-type': 'application/json', 'x-request-id': `r-${i}`, ...(i % 2 === 0 && { traceparent: CALLER }) });
const commit = async () => undefined;

/** The engine's attempt as it was before (libs/engine/src/deliverer.ts), for the same work around the call. */
async function attemptBefore(target, message, number) {
  const startedAt = Date.now();
  try {
    const reply = await target.endpoint.send(message);
    return { reply, record: { number, startedAt, durationMs: Date.now() - startedAt, ok: true, statusCode: reply.status } };
  } catch (err) {
    return { error: err, record: { number, startedAt, durationMs: Date.now() - startedAt, ok: false } };
  }
}
const targetBefore = {
  id: 't',
  kind: 'http',
  endpoint: { send: async (message) => ((targetBefore.sent = outgoingTraceHeadersBefore(message).traceparent), { status: 200 }) },
};

async function handWritten(i) {
  const headers = { ...incoming(i), traceparent: formatTraceparent(ingressTrace(incoming(i))) };
  await commit();
  const delivery = { id: `m-${i}`, correlationId: `c-${i}`, headers: { ...headers } };
  await commit();
  const result = await attemptBefore(targetBefore, delivery, 1);
  if (!result.reply) throw result.error;
  return targetBefore.sent;
}

// The engine's own pieces: one attempt at a target (its deliver span), a store commit (its span).
const { attempt } = require(path.join(DIST_ROOT, 'engine', 'src', 'deliverer.js'));
const { storeCommit } = require(path.join(DIST_ROOT, 'engine', 'src', 'store-commit.js'));
const REPLY = { status: 200, headers: {}, body: undefined };
/** A target whose call only builds its outgoing headers, as every connector does. */
const target = {
  id: 't',
  kind: 'http',
  retry: { attempts: 1 },
  endpoint: { send: async (message) => ((target.sent = core.outgoingTraceHeaders(message).traceparent), REPLY) },
};

async function otel(i) {
  const id = `m-${i}`;
  // Exchange.take: the ingress span, its context into the headers, the accept commit.
  const attrs = () => ({ 'junction.route': 'r', 'junction.source.kind': 'http', 'junction.message_id': id });
  const ingress = core.startSpan('ingress', SpanKind.SERVER, core.extractTrace(incoming(i)), attrs);
  const ingressCtx = core.contextWith(ingress);
  const headers = core.injectTrace(ingressCtx, { ...incoming(i) });
  await storeCommit(ingressCtx, 'accept', commit);
  core.endSpan(ingress);
  // OutboxWorker.routeOnce: the route span from the journaled context, its traceparent on the delivery row.
  const route = core.startInnerSpan('route r', core.extractTrace(headers), attrs);
  const routeTrace = core.traceparentOf(route);
  const delivery = { id, correlationId: `c-${i}`, headers: routeTrace ? { ...headers, traceparent: routeTrace } : { ...headers } };
  await storeCommit(core.contextWith(route), 'routing', commit);
  core.endSpan(route);
  // DeliveryRunner: one attempt.
  const result = await attempt(target, delivery, 1, undefined, undefined, { route: 'r' });
  if (!result.reply) throw result.error;
  return target.sent;
}

/** CPU time (user + system) of the process per message, in ns: on a shared machine, wall time would count the others. */
async function timeRun(work, messages) {
  const started = process.cpuUsage();
  let check = 0;
  for (let i = 0; i < messages; i++) check += (await work(i)).length;
  const used = process.cpuUsage(started);
  if (check !== messages * 55) throw new Error('a traceparent was not 55 characters');
  return ((used.user + used.system) * 1000) / messages;
}

async function collectorStandIn() {
  let requests = 0;
  let bytes = 0;
  const server = http.createServer((req, res) => {
    req.on('data', (c) => (bytes += c.length));
    req.on('end', () => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, counts: () => ({ requests, bytes }), close: () => new Promise((r) => server.close(r)) };
}

async function main() {
  const messages = option('messages', 200_000);
  const rounds = option('rounds', 7);
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
  const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
  const { resourceFromAttributes } = require('@opentelemetry/resources');
  const collector = await collectorStandIn();
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'junction-bench' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${collector.url}/v1/traces` }), { scheduledDelayMillis: 200, maxQueueSize: 65_536, maxExportBatchSize: 4096 })],
  });
  const tracer = provider.getTracer('junction');
  const variants = {
    'hand-written': () => handWritten,
    'otel off': () => (core.useTracer(undefined), otel),
    'otel on': () => (core.useTracer(tracer), otel),
  };
  // Warm-up: every path compiled before it is measured.
  for (const pick of Object.values(variants)) await timeRun(pick(), Math.min(messages, 20_000));
  await provider.forceFlush();
  const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, pick] of Object.entries(variants)) {
      samples[name].push(await timeRun(pick(), messages));
      if (name === 'otel on') await provider.forceFlush();
    }
  }
  core.useTracer(undefined);
  await provider.shutdown();
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base = median(samples['hand-written']);
  console.log(`| variant | CPU ns per message (median of ${rounds} rounds of ${messages}) | vs hand-written |`);
  console.log('|---|---|---|');
  for (const [name, xs] of Object.entries(samples)) {
    const m = median(xs);
    console.log(`| ${name} | ${m.toFixed(0)} | ${name === 'hand-written' ? '' : `${m - base >= 0 ? '+' : ''}${(m - base).toFixed(0)} ns`} |`);
  }
  const { requests, bytes } = collector.counts();
  console.log(`collector stand-in: ${requests} OTLP requests, ${(bytes / 1e6).toFixed(1)} MB`);
  await collector.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
