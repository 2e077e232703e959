import type { SchemaObject } from '@nestjs/swagger';

/**
 * The admin API's response bodies as OpenAPI 3.0 schemas (components/schemas), written from what the controllers
 * return. Objects are closed (`additionalProperties: false`) where the API owns the shape, so that a field added to a
 * response without a word here fails the OpenAPI test; open where the shape is the caller's (a route definition, an
 * audit entry's detail, a connector's own detail).
 */

type Props = Record<string, SchemaObject>;

/** A closed object whose properties are all required except those listed in `optional`. */
function obj(properties: Props, optional: readonly string[] = []): SchemaObject {
  const required = Object.keys(properties).filter((k) => !optional.includes(k));
  return { type: 'object', properties, ...(required.length > 0 && { required }), additionalProperties: false };
}

export const ref = (name: keyof typeof SCHEMAS): SchemaObject => ({ $ref: `#/components/schemas/${name}` }) as SchemaObject;
const arr = (items: SchemaObject): SchemaObject => ({ type: 'array', items });
const nullable = (s: SchemaObject): SchemaObject => ({ ...s, nullable: true });
const str: SchemaObject = { type: 'string' };
const int: SchemaObject = { type: 'integer' };
const num: SchemaObject = { type: 'number' };
const bool: SchemaObject = { type: 'boolean' };
const enumOf = (...values: string[]): SchemaObject => ({ type: 'string', enum: values });
/** Epoch milliseconds. */
const time: SchemaObject = { type: 'integer', description: 'epoch milliseconds' };
const stringMap: SchemaObject = { type: 'object', additionalProperties: { type: 'string' } };
const anyObject: SchemaObject = { type: 'object', additionalProperties: true };

const MESSAGE_STATUS = enumOf('received', 'pending', 'delivered', 'filtered', 'dead', 'duplicate', 'held', 'aggregated');
const BODY_VIEW: Props = {
  contentType: str,
  encoding: { ...enumOf('utf8', 'base64'), description: 'utf8 for textual content types, else base64' },
  body: str,
};
const failure = obj({ code: str, message: str });

const messageSummary: Props = {
  id: str,
  routeId: str,
  correlationId: str,
  businessKey: nullable(str),
  sourceKind: str,
  sourceAddress: str,
  mode: enumOf('sync', 'async'),
  status: MESSAGE_STATUS,
  contentType: str,
  failure: nullable(failure),
  receivedAt: time,
  updatedAt: time,
};

const deadLetterSummary: Props = {
  id: str,
  messageId: str,
  deliveryId: { ...nullable(str), description: 'null when a step failed (the whole message is dead-lettered)' },
  routeId: str,
  targetId: nullable(str),
  reason: failure,
  contentType: str,
  createdAt: time,
  replayedAt: nullable(time),
  replayCount: int,
};

const figures = obj({
  inPerSec: num,
  outPerSec: num,
  errorRate: num,
  p50Ms: nullable(num),
  p95Ms: nullable(num),
  p99Ms: nullable(num),
  inFlight: int,
  pendingRetries: int,
  deadLetters: int,
  backlog: nullable(int),
  totals: obj({ received: int, completed: int, failed: int }),
});

const measure: SchemaObject = {
  type: 'object',
  properties: { kind: enumOf('received', 'target', 'filtered'), targetId: str },
  required: ['kind'],
  additionalProperties: false,
};

const attemptCounts = obj({ delivered: int, retry: int, dead: int });

export const SCHEMAS = {
  Problem: {
    type: 'object',
    description: 'RFC 9457 problem details (application/problem+json).',
    properties: {
      type: str,
      title: str,
      status: int,
      detail: str,
      code: str,
      messageId: str,
      errors: { type: 'array', items: {}, description: 'what failed: validation errors, or flat-file lines' },
      retryAfter: int,
      lines: arr(int),
    },
    required: ['type', 'title', 'status', 'detail', 'code'],
    additionalProperties: false,
  } as SchemaObject,
  StoreHealth: obj({ ok: bool, driver: str, latencyMs: num, error: str }, ['error']),
  ReloadReport: obj({ ok: bool, at: time, routes: int, problems: arr(str) }),
  Health: obj({
    status: enumOf('ok', 'unavailable'),
    live: bool,
    ready: bool,
    store: { $ref: '#/components/schemas/StoreHealth' } as SchemaObject,
    routes: int,
    lastReload: { $ref: '#/components/schemas/ReloadReport' } as SchemaObject,
    worker: { ...int, description: 'the process that answered, when the bus runs as several (WORKERS > 1)' },
  }, ['worker']),
  Readiness: obj({ ready: bool, store: { $ref: '#/components/schemas/StoreHealth' } as SchemaObject }),
  Liveness: obj({ live: { type: 'boolean', enum: [true] } }),
  LoginRequest: {
    type: 'object',
    description: '`{ username, password }` or `{ token }`.',
    properties: { username: str, password: str, token: str },
    additionalProperties: false,
  },
  Session: obj({ user: str, csrfToken: str, expiresAt: time }),
  Principal: obj({ user: str, via: enumOf('token', 'basic', 'session'), csrfToken: str }, ['csrfToken']),
  Route: obj({
    id: str,
    description: str,
    file: str,
    mode: enumOf('sync', 'async'),
    state: enumOf('running'),
    source: { type: 'object', properties: { kind: str }, required: ['kind'], additionalProperties: true },
    targets: arr(obj({ id: str, kind: str, description: str })),
    definition: { ...anyObject, description: 'The route as written in its file (placeholders kept).' },
  }),
  RouteGraph: obj({
    routeId: str,
    mode: enumOf('sync', 'async'),
    at: time,
    nodes: arr(
      obj(
        {
          id: str,
          kind: enumOf('source', 'idempotent', 'throttle', 'validate', 'map', 'setHeaders', 'removeHeaders', 'convert', 'setVars', 'filter', 'choice', 'split', 'enrich', 'wireTap', 'aggregate', 'target', 'filtered', 'reply'),
          label: str,
          path: { ...str, description: 'Where the node stands in the route definition (dotted).' },
          targetId: str,
          measure,
        },
        ['targetId', 'measure'],
      ),
    ),
    edges: arr(obj({ from: str, to: str, label: str, measure }, ['label', 'measure'])),
    counts: obj({
      received: int,
      rejected: int,
      completed: obj({ delivered: int, filtered: int, dead: int, duplicate: int }),
      targets: { type: 'object', additionalProperties: attemptCounts, description: 'Delivery attempts by target id and outcome.' },
    }),
  }),
  MessageSummary: obj(messageSummary),
  Hop: obj({ at: time, step: str, note: str }, ['note']),
  Attempt: obj({ number: int, startedAt: time, durationMs: num, ok: bool, statusCode: nullable(int), errorCode: nullable(str), error: nullable(str) }, ['statusCode', 'errorCode', 'error']),
  Delivery: obj({
    id: str,
    messageId: str,
    targetId: str,
    targetDescription: str,
    partIndex: nullable(int),
    wireTap: bool,
    status: enumOf('pending', 'delivered', 'dead'),
    headers: stringMap,
    ...BODY_VIEW,
    address: nullable(str),
    partId: nullable(str),
    thenId: nullable(str),
    attempts: arr({ $ref: '#/components/schemas/Attempt' } as SchemaObject),
    maxAttempts: int,
    nextAttemptAt: time,
    reply: nullable(str),
    lastError: nullable(str),
    createdAt: time,
    updatedAt: time,
  }),
  Part: obj(
    {
      id: str,
      parentId: str,
      index: int,
      status: enumOf('pending', 'delivered', 'dead'),
      deliveries: arr(str),
      parts: arr({ $ref: '#/components/schemas/Part' } as SchemaObject),
    },
    ['parts'],
  ),
  MessageDetail: obj(
    {
      ...messageSummary,
      sourceVars: nullable({
        type: 'object',
        properties: { params: stringMap, query: { type: 'object', additionalProperties: { oneOf: [str, arr(str)] } } },
        additionalProperties: false,
      }),
      headers: stringMap,
      ...BODY_VIEW,
      hops: arr({ $ref: '#/components/schemas/Hop' } as SchemaObject),
      deliveries: arr({ $ref: '#/components/schemas/Delivery' } as SchemaObject),
      deadLetters: arr({ $ref: '#/components/schemas/DeadLetterSummary' } as SchemaObject),
      parts: arr({ $ref: '#/components/schemas/Part' } as SchemaObject),
      parentId: str,
    },
    ['parts', 'parentId'],
  ),
  DeadLetterSummary: obj(deadLetterSummary),
  DeadLetterDetail: obj({ ...deadLetterSummary, headers: stringMap, ...BODY_VIEW }),
  Requeued: obj({ kind: { ...enumOf('delivery', 'message'), description: 'what went back to the outbox' }, id: str }),
  ReplayResult: obj({ id: str, requeued: { $ref: '#/components/schemas/Requeued' } as SchemaObject }),
  ReplayManyResult: obj({
    results: arr({
      oneOf: [obj({ id: str, requeued: { $ref: '#/components/schemas/Requeued' } as SchemaObject }), obj({ id: str, error: str })],
    }),
  }),
  ReplayEdit: {
    type: 'object',
    description: 'Optional edit of the message before it is replayed.',
    properties: { body: { description: 'text, or a JSON value sent as JSON' }, contentType: str, headers: stringMap },
    additionalProperties: false,
  },
  ReplayMany: obj({ ids: { ...arr(str), minItems: 1 } }),
  SourceStatus: obj(
    {
      routeId: str,
      state: enumOf('connected', 'connecting', 'reconnecting', 'stopped'),
      since: time,
      backlog: { ...int, description: 'Messages waiting at the source (consumer lag, queue depth)' },
      error: str,
      detail: anyObject,
    },
    ['backlog', 'error', 'detail'],
  ),
  Connector: obj({ kind: str, title: str, source: bool, target: bool, sources: arr({ $ref: '#/components/schemas/SourceStatus' } as SchemaObject) }),
  TargetQueue: obj({ routeId: str, targetId: str, kind: str, description: str, pending: { ...int, description: 'deliveries pending in the outbox' } }),
  AuditEntry: obj({ id: str, at: time, actor: str, action: str, target: nullable(str), outcome: enumOf('ok', 'refused', 'failed'), detail: anyObject, remote: nullable(str) }),
  Figures: figures,
  LiveSnapshot: obj({
    at: time,
    bus: { $ref: '#/components/schemas/Figures' } as SchemaObject,
    routes: { type: 'object', additionalProperties: { $ref: '#/components/schemas/Figures' } as SchemaObject },
    journal: nullable(obj({ bytes: int, usedBytes: int, rows: int })),
  }),
  History: obj({
    step: { type: 'integer', enum: [1000] },
    points: arr(obj({ at: time, inPerSec: num, outPerSec: num, errorRate: num, p50Ms: nullable(num), p95Ms: nullable(num), p99Ms: nullable(num) })),
  }),
  Resilience: obj({
    at: time,
    open: arr(obj({ routeId: str, targetId: str, state: enumOf('open', 'half-open'), since: time })),
    circuits: arr(
      obj(
        { routeId: str, targetId: str, state: enumOf('closed', 'open', 'half-open'), since: time, calls: int, failures: int, opened: int, probeAt: time },
        ['probeAt'],
      ),
    ),
    throttles: arr(obj({ routeId: str, targetId: nullable(str), perSecond: num, burst: num, waiting: int, throttled: int, refused: int, lastThrottledAt: nullable(time) })),
  }),
  Aggregations: obj({
    totals: obj({ groups: int, parts: int }),
    completer: obj({ completed: int, expired: int, refused: int }),
    groups: arr(
      obj({ routeId: str, step: str, key: str, parts: int, size: nullable(int), firstAt: time, lastAt: time, readyAt: time, expiresAt: time, leaseOwner: nullable(str) }),
    ),
  }),
} satisfies Record<string, SchemaObject>;
