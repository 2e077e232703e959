import { redactUrl } from '../broker-url';
import type { DeviceFeedCounts } from '../devices.mqtt';
import type { SystemCounts } from '../sandbox.recorder';
import type { WarehouseCounts, WarehouseNames } from '../warehouse.amqp';
import type { SystemName } from '../sandbox.http';
import type { SampleRequest, SoapOrderRequest } from './sample-orders';

/** Tally of what the demo sent of one kind and what the bus answered. */
export interface SentTally {
  sent: number;
  /** 2xx answers. */
  accepted: number;
  /** 4xx answers to requests that were wrong on purpose. */
  rejectedOnPurpose: number;
  /** Any other answer: an unexpected 4xx, a 5xx, no answer at all. */
  failed: number;
}

export const emptyTally = (): SentTally => ({ sent: 0, accepted: 0, rejectedOnPurpose: 0, failed: 0 });

/** What the bus answered one request, as the demo saw it. */
export type Outcome = { readonly status: number; readonly messageId?: string; readonly detail?: string } | { readonly error: string };

/** One console line per request: what was sent and what the bus answered. */
export function orderLine(request: SampleRequest, outcome: Outcome): string {
  const what = `${request.kind.padEnd(6)} ${request.summary}`;
  if ('error' in outcome) return `${what}  -> no answer: ${outcome.error}`;
  const status = `${outcome.status} ${STATUS_TEXT[outcome.status] ?? ''}`.trim();
  const id = outcome.messageId ? `  msg ${outcome.messageId}` : '';
  // An async route answers 202 before validating: the invalid order then shows up as a dead letter.
  const note = !request.invalidOnPurpose
    ? ''
    : outcome.status >= 400
      ? `  (invalid on purpose: ${request.invalidOnPurpose})`
      : `  (invalid on purpose: ${request.invalidOnPurpose}; look for it in the dead letters)`;
  const detail = outcome.detail && !note ? `  ${outcome.detail}` : '';
  return `${what}  -> ${status}${id}${note}${detail}`;
}

/**
 * What the bus answered one SOAP call, as the demo's legacy SOAP client saw it: the response's Status and MessageId,
 * a Fault's reason (with the HTTP status it came with), or no answer at all.
 */
export type SoapOutcome =
  | { readonly kind: 'response'; readonly status: string; readonly messageId?: string }
  | { readonly kind: 'fault'; readonly reason: string; readonly httpStatus?: number }
  | { readonly kind: 'error'; readonly error: string };

/** One console line per SOAP call: what was sent and what the bus answered. */
export function soapOrderLine(request: SoapOrderRequest, outcome: SoapOutcome): string {
  const what = `${request.kind.padEnd(6)} ${request.summary}`;
  switch (outcome.kind) {
    case 'response':
      return `${what}  -> ${outcome.status}${outcome.messageId ? `  msg ${outcome.messageId}` : ''}`;
    case 'fault':
      return `${what}  -> Fault${outcome.httpStatus ? ` (HTTP ${outcome.httpStatus})` : ''}: ${outcome.reason}`;
    case 'error':
      return `${what}  -> no answer: ${outcome.error}`;
  }
}

/** Counts a SOAP outcome: an ACCEPTED response is accepted, anything else (REJECTED, a Fault, no answer) failed. */
export function tallySoapOutcome(tally: SentTally, outcome: SoapOutcome): void {
  tally.sent++;
  if (outcome.kind === 'response' && outcome.status === 'ACCEPTED') tally.accepted++;
  else tally.failed++;
}

/** Counts an outcome into the tally of its kind. */
export function tallyOutcome(tally: SentTally, request: SampleRequest, outcome: Outcome): void {
  tally.sent++;
  if ('error' in outcome) tally.failed++;
  else if (outcome.status < 300) tally.accepted++;
  else if (request.invalidOnPurpose && outcome.status < 500) tally.rejectedOnPurpose++;
  else tally.failed++;
}

/**
 * The periodic summary: what the demo sent, what each simulated system received, and how many order events the CRM
 * took (when given). SOAP shows once it sent some.
 */
export function summaryLine(
  elapsedMs: number,
  tallies: Readonly<Record<'web' | 'legacy', SentTally> & { soap?: SentTally }>,
  counts: Readonly<Record<SystemName, SystemCounts>>,
  crmOrderEvents?: number,
): string {
  const kinds = tallies.soap?.sent ? (['web', 'legacy', 'soap'] as const) : (['web', 'legacy'] as const);
  const sent = kinds
    .map((k) => {
      const t = tallies[k] ?? emptyTally();
      const parts = [`${t.accepted} accepted`];
      if (t.rejectedOnPurpose) parts.push(`${t.rejectedOnPurpose} rejected on purpose`);
      if (t.failed) parts.push(`${t.failed} failed`);
      return `${k} ${t.sent} (${parts.join(', ')})`;
    })
    .join(', ');
  const received = (Object.keys(counts) as SystemName[])
    .map((s) => `${s} ${counts[s].received}${counts[s].failed ? ` (${counts[s].failed} answered with an error)` : ''}`)
    .join(', ');
  const events = crmOrderEvents === undefined ? '' : ` | CRM order events: ${crmOrderEvents}`;
  return `== ${Math.round(elapsedMs / 1000)} s | sent to the bus: ${sent} | sandbox received: ${received}${events}`;
}

/** The demo's line about Kafka: whether a broker answered, and so whether the ERP publishes order events. */
export function kafkaLine(brokers: readonly string[], reachable: boolean, topic: string): string {
  const at = brokers.join(',');
  return reachable
    ? `kafka    broker at ${at}: the ERP publishes order events to ${topic}, the bus routes them`
    : `kafka    no broker at ${at}: ERP order events are off (start one with npm run kafka:start, or set KAFKA_BROKERS)`;
}

/** The demo's line about RabbitMQ: whether a broker answered, and so whether the warehouse runs. */
export function rabbitmqLine(url: string, reachable: boolean, names: WarehouseNames): string {
  const at = redactUrl(url);
  return reachable
    ? `rabbitmq broker at ${at}: the warehouse takes pick requests from exchange ${names.pickExchange} and publishes its ` +
        `events to ${names.eventExchange}; the web shop releases accepted orders for picking`
    : `rabbitmq no broker at ${at}: the warehouse is off (start one with rabbitmq-server -detached or ` +
        'docker run -d -p 5672:5672 rabbitmq:3, or set AMQP_URL)';
}

/** The demo's line about MQTT: whether a broker answered, and so whether the device feed runs. */
export function mqttLine(url: string, reachable: boolean, topics: string): string {
  const at = redactUrl(url);
  return reachable
    ? `mqtt     broker at ${at}: simulated devices publish telemetry to ${topics}; a reading over its limit opens a CRM ` +
        'case and goes back to the device as an alert'
    : `mqtt     no broker at ${at}: the device feed is off (start one with mosquitto -d or ` +
        'docker run -d -p 1883:1883 eclipse-mosquitto:2 mosquitto -c /mosquitto-no-auth.conf, or set MQTT_URL)';
}

/**
 * The warehouse's flow, end to end: orders the web shop released for picking (and what the bus answered), pick
 * requests the warehouse took, the events it published, and the warehouse events the CRM received.
 */
export function warehouseSummaryLine(released: SentTally, warehouse: WarehouseCounts, crmEvents: number): string {
  const answers = [`${released.accepted} accepted`];
  if (released.failed) answers.push(`${released.failed} failed`);
  const refused = warehouse.picksRefused ? ` (${warehouse.picksRefused} refused)` : '';
  const events = [`${warehouse.shipped} shipped`, `${warehouse.short} short of stock`];
  if (warehouse.unroutable) events.push(`${warehouse.unroutable} with no queue bound`);
  if (warehouse.publishFailed) events.push(`${warehouse.publishFailed} not confirmed`);
  return (
    `== warehouse | released for picking: ${released.sent} (${answers.join(', ')}) | pick requests received: ` +
    `${warehouse.picksReceived}${refused} | events published: ${warehouse.shipped + warehouse.short} (${events.join(', ')}) | ` +
    `CRM warehouse events: ${crmEvents}`
  );
}

/**
 * The device feed's flow: readings the broker acknowledged, how many were over their limit, the alerts the bus sent
 * back to the devices, and the CRM cases it opened.
 */
export function devicesSummaryLine(devices: number, feed: DeviceFeedCounts, crmCases: number): string {
  const notes = [`${feed.overLimit} over their limit`];
  if (feed.skipped) notes.push(`${feed.skipped} turn${feed.skipped === 1 ? '' : 's'} skipped while not connected`);
  if (feed.failed) notes.push(`${feed.failed} not acknowledged`);
  return (
    `== devices | ${devices} devices, readings published: ${feed.published} (${notes.join(', ')}) | ` +
    `alerts back to the devices: ${feed.alertsReceived} | CRM cases: ${crmCases}`
  );
}

/** Where to look while the demo runs. */
export function whereToLook(busUrl: string, sandboxUrl: string, admin: DemoAdmin = { curlAuth: '' }): string[] {
  const a = admin.curlAuth;
  return [
    '',
    'Where to look:',
    `  dashboard        ${busUrl}/dashboard${admin.login ? `  (log in as ${admin.login})` : ''}`,
    `  bus              ${busUrl}`,
    `  messages         curl ${a}${busUrl}/admin/messages`,
    `  dead letters     curl ${a}${busUrl}/admin/dead-letters`,
    `  metrics          curl ${a}${busUrl}/metrics`,
    `  sandbox CRM      curl '${sandboxUrl}/_sandbox/received?system=crm'`,
    `  sandbox ERP      curl '${sandboxUrl}/_sandbox/received?system=erp'`,
    `  sandbox legacy   curl '${sandboxUrl}/_sandbox/received?system=legacy'`,
    `  ERP SOAP WSDL    curl '${sandboxUrl}/erp/soap?wsdl'`,
    `  bus SOAP WSDL    curl '${busUrl}/soap/orders?wsdl'`,
    `  sandbox totals   curl ${sandboxUrl}/_sandbox/stats`,
    `  Connectors       curl ${a}${busUrl}/admin/connectors`,
    '',
  ];
}

/** How the demo's admin is reached: the login to show, and the curl option that authenticates. */
export interface DemoAdmin {
  readonly login?: string;
  readonly curlAuth: string;
}

/** The demo's own admin login unless the environment brings admin credentials: admin / junction-demo. */
export const DEMO_ADMIN_USER = 'admin';
export const DEMO_ADMIN_PASSWORD = 'junction-demo';

export function demoAdmin(env: NodeJS.ProcessEnv): { env: Record<string, string>; admin: DemoAdmin } {
  if (env.ADMIN_USER && env.ADMIN_PASSWORD) {
    return { env: {}, admin: { login: `${env.ADMIN_USER} (your ADMIN_PASSWORD)`, curlAuth: `-u ${env.ADMIN_USER}:$ADMIN_PASSWORD ` } };
  }
  if (env.ADMIN_TOKEN) return { env: {}, admin: { login: 'your ADMIN_TOKEN', curlAuth: `-H "Authorization: Bearer $ADMIN_TOKEN" ` } };
  return {
    env: { ADMIN_USER: DEMO_ADMIN_USER, ADMIN_PASSWORD: DEMO_ADMIN_PASSWORD },
    admin: { login: `${DEMO_ADMIN_USER} / ${DEMO_ADMIN_PASSWORD}`, curlAuth: `-u ${DEMO_ADMIN_USER}:${DEMO_ADMIN_PASSWORD} ` },
  };
}

const LEVELS: Readonly<Record<number, string>> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const QUIET_FIELDS = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname']);

/**
 * One line the bus printed, made readable: a pino JSON line becomes `[bus] info  listening url=...`; anything else is
 * shown as it is.
 */
export function busLogLine(line: string): string {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return `[bus] ${line}`;
  }
  if (typeof entry !== 'object' || entry === null || typeof (entry as { msg?: unknown }).msg !== 'string') return `[bus] ${line}`;
  const { level, msg } = entry as { level?: unknown; msg: string };
  const fields = Object.entries(entry)
    .filter(([k]) => !QUIET_FIELDS.has(k))
    .map(([k, v]) => `${k}=${(typeof v === 'string' ? v : JSON.stringify(v)).slice(0, 300)}`);
  const name = (typeof level === 'number' ? LEVELS[level] : undefined) ?? String(level ?? 'log');
  return `[bus] ${name.padEnd(5)} ${[msg, ...fields].join(' ')}`;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};
