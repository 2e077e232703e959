import { isIP } from 'node:net';
import { ConfigError, parseDuration } from '@junction/core';
import { z } from 'zod';

/**
 * Every setting of the bus, read from environment variables, in one schema that drives validation, defaults and the
 * README table (`SETTINGS_DOC`). `loadSettings` is the only reader of `process.env`: everything else receives the
 * parsed `Settings`. Messages never quote a value (DATABASE_URL and the tokens are secrets).
 */

function integer(min: number, max: number) {
  const message = `expected an integer from ${min} to ${max}`;
  return z.string().transform((s, ctx) => {
    const n = /^[0-9]+$/.test(s) ? Number(s) : NaN;
    if (!(n >= min && n <= max)) {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return n;
  });
}

/** A duration such as `7d`, `12h` or `90s`, at least `minMs`; kept as written (the README shows it so), read with
 *  `parseDuration`. */
function duration(minMs: number) {
  return z.string().refine((s) => (parseDuration(s) ?? -1) >= minMs, {
    error: `expected a duration such as 90s, 12h or 7d (at least ${minMs / 1000}s)`,
  });
}

const flag = z.string().transform((s, ctx) => {
  const v = s.toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  ctx.addIssue({ code: 'custom', message: 'expected true, false, 1 or 0' });
  return z.NEVER;
});

const databaseUrl = z.string().refine(
  (v) => v === 'sqlite::memory:' || /^sqlite:.+/.test(v) || (/^postgres(ql)?:\/\/./.test(v) && URL.canParse(v)),
  { error: 'expected sqlite:<file>, sqlite::memory: or postgres://user:password@host:5432/database' },
);

const otlpUrl = z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' });

/** RFC 6750 `b64token`: what can follow `Bearer ` in an Authorization header. */
const bearerToken = z
  .string()
  .regex(/^[A-Za-z0-9\-._~+/]+=*$/, { error: 'expected a token of letters, digits and - . _ ~ + / (= at the end)' });

/** An IPv4 or IPv6 address, optionally with a /prefix; or proxy-addr's names for ranges. */
function isProxyAddress(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

/** TRUST_PROXY: false, true, or the trusted proxies as a list of addresses and CIDRs. */
const trustProxy = z.string().transform((s, ctx): boolean | string[] => {
  const v = s.toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  const entries = s.split(',').map((e) => e.trim());
  if (entries.every(isProxyAddress)) return entries;
  ctx.addIssue({ code: 'custom', message: 'expected true, false, or IP addresses and CIDRs (e.g. 10.0.0.0/8,127.0.0.1), comma-separated' });
  return z.NEVER;
});

export const JOURNAL_SUCCESS_WRITES = ['after-reply', 'before-reply'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const SettingsSchema = z.strictObject({
  PORT: integer(0, 65535).default(8080).describe('TCP port of the HTTP server (ingress, admin API, dashboard); 0 picks a free one.'),
  HOST: z
    .string()
    .regex(/^\S+$/, { error: 'expected a host name or IP address' })
    .default('0.0.0.0')
    .describe('Address the HTTP server binds to.'),
  ROUTES_DIR: z.string().default('./routes').describe('Folder of the route files, read with its subfolders.'),
  DATABASE_URL: databaseUrl
    .default('sqlite:./data/junction.db')
    .describe('Message store: `sqlite:<file>`, `sqlite::memory:`, or `postgres://` / `postgresql://` URL (`?schema=name` for a schema of its own).'),
  LOG_LEVEL: z
    .enum(LOG_LEVELS, { error: `expected one of: ${LOG_LEVELS.join(', ')}` })
    .default('info')
    .describe(`Log level: ${LOG_LEVELS.join(', ')}.`),
  BODY_LIMIT_BYTES: integer(1, 1_073_741_824).default(10_485_760).describe('Largest message body accepted, in bytes.'),
  WATCH_ROUTES: flag.default(true).describe('Reload the routes when a route file changes (`true`/`false`/`1`/`0`).'),
  ADMIN_TOKEN: bearerToken
    .optional()
    .describe('Admin bearer token: the admin API, /metrics and the dashboard accept `Authorization: Bearer <token>` (and a login with it).'),
  ADMIN_USER: z
    .string()
    .regex(/^[A-Za-z0-9._@-]{1,100}$/, { error: 'expected letters, digits, . _ @ - (at most 100)' })
    .optional()
    .describe('Admin user name for the dashboard login and HTTP Basic; set with ADMIN_PASSWORD. Without any admin credential the admin API and dashboard stay locked.'),
  ADMIN_PASSWORD: z
    .string()
    .min(8, { error: 'expected at least 8 characters' })
    .optional()
    .describe('Password of ADMIN_USER.'),
  ADMIN_PORT: integer(0, 65535)
    .optional()
    .describe('When set, the admin API, /metrics and the dashboard listen on this port only (0 picks a free one), off the ingress port.'),
  ADMIN_SESSION_TTL_MS: integer(60_000, 604_800_000)
    .default(28_800_000)
    .describe('How long a dashboard login lasts without use, in ms.'),
  INGRESS_TOKEN: bearerToken
    .optional()
    .describe('When set, ingress endpoints require `Authorization: Bearer <token>`; unset: ingress is open.'),
  WSDL_PUBLIC: flag
    .default(false)
    .describe('With INGRESS_TOKEN set, `true` serves the WSDLs and schemas of SOAP services (`?wsdl`, `?xsd=<n>`) without the token; by default they need it like the calls.'),
  TRUST_PROXY: trustProxy
    .default(false)
    .describe('Whether to believe X-Forwarded-For, -Host and -Proto (caller address for login throttling and the audit log, origin checks, WSDL addresses): `false`, `true` (from anyone: only when nothing reaches the bus but the proxy), or the proxies\' addresses or CIDRs, comma-separated.'),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
    .transform((u) => u.replace(/\/+$/, ''))
    .optional()
    .describe('URL at which callers reach the bus (behind a proxy), written into published WSDLs; else the address the caller used.'),
  INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, { error: 'expected letters, digits, . _ - (at most 100)' })
    .optional()
    .describe('Name of this instance in leases and logs; default: chosen at start.'),
  WORKERS: integer(1, 256)
    .optional()
    .describe('Processes that run the bus, sharing its ports and its store (1: a single process); default: the number of cores (`os.availableParallelism()`). A `sqlite::memory:` store runs one.'),
  WORKER_CONCURRENCY: integer(1, 10_000)
    .default(128)
    .describe('Outbox work (routings and deliveries) in flight per instance; one target takes at most its fair share of it, or its `bulkhead.maxInFlight`.'),
  OUTBOX_BATCH: integer(1, 10_000).default(100).describe('Deliveries claimed from the store per poll.'),
  OUTBOX_POLL_MS: integer(1, 60_000).default(50).describe('Pause between polls of the store when it had nothing to do, in ms.'),
  LEASE_MS: integer(1_000, 86_400_000)
    .default(30_000)
    .describe('How long a claimed delivery stays with an instance before another may take it over, in ms.'),
  POISON_MAX_CLAIMS: integer(1, 1000)
    .default(5)
    .describe('Times outbox work (routing a message, a delivery) may be claimed without an outcome; the next claim dead-letters it.'),
  SYNC_TIMEOUT_MS: integer(1, 600_000).default(30_000).describe('Time allowed for a whole sync exchange, in ms.'),
  SHUTDOWN_TIMEOUT_MS: integer(0, 600_000).default(10_000).describe('Time allowed for in-flight work on shutdown, in ms.'),
  JOURNAL_SUCCESSES: z
    .enum(JOURNAL_SUCCESS_WRITES, { error: `expected one of: ${JOURNAL_SUCCESS_WRITES.join(', ')}` })
    .default('after-reply')
    .describe(
      "When a sync exchange that succeeded is journaled: `after-reply` (its record is committed right after the caller's reply is written; a crash in between loses that record, never a message) or `before-reply` (the reply waits for the commit). Failures, dead letters and wire-tap copies are always committed before the reply.",
    ),
  JOURNAL_RETENTION: duration(1000)
    .default('7d')
    .describe('How long finished messages stay in the journal (e.g. `12h`, `7d`); a route may set its own `retention.age`. Messages still being delivered are kept.'),
  DEAD_LETTER_RETENTION: duration(1000)
    .default('30d')
    .describe('How long a message with a dead letter not replayed is kept, from the dead letter on, when that is longer than its retention.'),
  JOURNAL_MAX_BYTES: integer(1_048_576, Number.MAX_SAFE_INTEGER)
    .optional()
    .describe('When set, the oldest finished messages are purged ahead of their age while the journal takes more than this many bytes (dead letters not replayed stay).'),
  XML_MAX_DEPTH: integer(1, 10_000).default(100).describe('Deepest element nesting accepted in an XML body.'),
  XML_MAX_ATTRIBUTES: integer(1, 100_000).default(256).describe('Most attributes accepted on one XML element.'),
  JSON_MAX_DEPTH: integer(1, 1_000).default(100).describe('Deepest nesting of arrays and objects accepted in a JSON body.'),
  XML_WORKERS: integer(0, 64)
    .default(2)
    .describe('Worker threads that read large XML bodies off the event loop; 0 reads every body on it.'),
  XML_WORKER_THRESHOLD_BYTES: integer(1, 1_073_741_824)
    .default(32_768)
    .describe('XML bodies of at least this many bytes are read by a worker thread (a 32 KiB document is about 6 ms of parsing); smaller ones on the event loop, where they cost less than the hop.'),
  XML_WORKER_BACKLOG: integer(0, 10_000)
    .default(16)
    .describe('Large XML bodies that may wait for a worker thread, together of at most 4 MiB a place; beyond that, HTTP and SOAP callers get 503 with Retry-After (from the headers alone when Content-Length tells; nothing journaled), while broker consumers wait, bounded by their own prefetch.'),
  XML_WORKER_HEAP_MB: integer(64, 65_536)
    .default(512)
    .describe('Heap of one XML worker thread, in MB: a body whose reading needs more is refused (XML_LIMIT), so one message cannot grow the bus beyond it. Reading takes up to about 40 bytes per byte of body.'),
  XML_WORKER_NICE: integer(0, 19)
    .default(0)
    .describe(
      "Nice value of the XML worker threads (Linux; 0-19). Above the event loop's 0, the event loop (health checks, small requests) runs before the parsing it handed off when the cores are busy, and more large bodies are refused: on a loaded machine 10 cut the event loop's worst delay by about a third and took up to 3.6 times fewer 100 KB bodies. 0 leaves them equal.",
    ),
  KAFKA_BROKERS: z
    .string()
    .regex(/^[A-Za-z0-9.\-\[\]:]+:\d+(,[A-Za-z0-9.\-\[\]:]+:\d+)*$/, { error: 'expected host:port[,host:port...]' })
    .transform((v) => v.split(','))
    .optional()
    .describe('Kafka brokers (host:port, comma-separated) for Kafka sources and targets that name none of their own.'),
  KAFKA_CLIENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, { error: 'expected letters, digits, . _ - (at most 100)' })
    .default('junction')
    .describe('Client id the bus gives Kafka.'),
  MQTT_URL: z
    .url({ protocol: /^(mqtts?|wss?)$/, error: 'expected an mqtt://, mqtts://, ws:// or wss:// URL' })
    .default('mqtt://127.0.0.1:1883')
    .describe('MQTT broker for MQTT sources and targets that name no url of their own (mqtt://, mqtts://, ws://, wss://; may carry user:password).'),
  AMQP_URL: z
    .string()
    .refine((v) => /^amqps?:\/\/[^/]/i.test(v) && URL.canParse(v), { error: 'expected amqp://user:password@host:5672/vhost or amqps://...' })
    .default('amqp://guest:guest@127.0.0.1:5672')
    .describe('RabbitMQ (AMQP 0-9-1) broker for amqp sources and targets that name no url of their own: `amqp://user:password@host:5672/vhost` or `amqps://`; logs and the admin API show it without credentials.'),
  OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl
    .optional()
    .describe('OpenTelemetry collector (OTLP over HTTP, protobuf), e.g. `http://collector:4318`: the bus records its spans and exports them to `<url>/v1/traces`. Unset (and OTEL_EXPORTER_OTLP_TRACES_ENDPOINT unset), spans are not recorded; W3C trace context is still propagated.'),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpUrl
    .optional()
    .describe('Full URL spans are exported to (OTLP/HTTP protobuf), taken as it is; wins over OTEL_EXPORTER_OTLP_ENDPOINT.'),
  OTEL_SERVICE_NAME: z
    .string()
    .regex(/^\S.{0,99}$/, { error: 'expected a name (at most 100 characters)' })
    .default('junction')
    .describe('`service.name` of the exported spans.'),
  OTEL_BSP_SCHEDULE_DELAY: integer(1, 3_600_000)
    .default(5000)
    .describe('Milliseconds between two exports of the finished spans (they are also exported when 512 are waiting, and at shutdown).'),
});

export type Settings = z.output<typeof SettingsSchema>;
export type SettingName = keyof typeof SettingsSchema.shape;
export const SETTING_NAMES = Object.keys(SettingsSchema.shape) as SettingName[];

/**
 * Parses the settings from `env` (the process environment by default). Only the variables of the schema are read;
 * an empty or blank variable counts as unset, and values are trimmed. Throws `ConfigError` naming each bad variable
 * and what it expects, e.g. `PORT: expected an integer from 0 to 65535`.
 */
export function loadSettings(env: Readonly<Record<string, string | undefined>> = process.env): Settings {
  const input: Record<string, string | undefined> = {};
  for (const name of SETTING_NAMES) {
    const v = env[name]?.trim();
    if (v) input[name] = v;
  }
  const parsed = SettingsSchema.safeParse(input, { error: () => 'invalid value' });
  const problems = parsed.success ? crossChecks(parsed.data) : parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
  if (parsed.success && problems.length === 0) return parsed.data;
  throw new ConfigError(problems.join('; '), problems);
}

/** Rules that tie two settings together. */
function crossChecks(s: Settings): string[] {
  const problems: string[] = [];
  if ((s.ADMIN_USER === undefined) !== (s.ADMIN_PASSWORD === undefined)) {
    problems.push(`${s.ADMIN_USER === undefined ? 'ADMIN_USER' : 'ADMIN_PASSWORD'}: expected with ${s.ADMIN_USER === undefined ? 'ADMIN_PASSWORD' : 'ADMIN_USER'}`);
  }
  if (s.ADMIN_PORT !== undefined && s.ADMIN_PORT !== 0 && s.ADMIN_PORT === s.PORT) {
    problems.push('ADMIN_PORT: expected a port other than PORT');
  }
  return problems;
}
