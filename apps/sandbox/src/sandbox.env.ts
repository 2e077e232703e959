import type { DeviceFeedConfig } from './devices.mqtt';
import type { ErpEventsKafkaConfig } from './erp-events.kafka';
import type { WarehouseAmqpConfig } from './warehouse.amqp';
import type { UsernameCredentials } from './sandbox.wssecurity';

/**
 * The sandbox's and the demo's environment, read once by their entry points (main.ts, demo.ts); nothing else in the
 * sandbox reads `process.env`. A malformed value is an error naming the variable, never a silent default.
 */

export interface SandboxEnv {
  /** SANDBOX_PORT (default 4010; 0 picks a free port). */
  readonly port: number;
  /** SANDBOX_HOST (default 127.0.0.1). */
  readonly host: string;
  /** SANDBOX_FAILURE_RATE, 0..1 (default 0 for the sandbox alone). */
  readonly failureRate: number;
  /**
   * SANDBOX_ERP_USER and SANDBOX_ERP_PASSWORD: the WS-Security UsernameToken the ERP's SOAP service requires. Both or
   * neither (default: neither, and the SOAP service is open).
   */
  readonly erpCredentials?: UsernameCredentials;
  /**
   * KAFKA_BROKERS (`host:port[,host:port...]`) and SANDBOX_ERP_EVENTS_TOPIC (default `erp.order-events`): where the ERP
   * publishes its order events. Absent when KAFKA_BROKERS is not set, and the ERP publishes none.
   */
  readonly kafka?: ErpEventsKafkaConfig;
  /** AMQP_URL: the RabbitMQ the warehouse runs on. Absent when AMQP_URL is not set, and there is no warehouse. */
  readonly warehouse?: WarehouseAmqpConfig;
  /** MQTT_URL: the MQTT broker the device feed publishes to. Absent when MQTT_URL is not set, and there is no feed. */
  readonly devices?: DeviceFeedConfig;
}

export interface DemoEnv {
  /** SANDBOX_PORT (default 4010). */
  readonly sandboxPort: number;
  /** PORT, the bus's port (default 8080). */
  readonly busPort: number;
  /** SANDBOX_FAILURE_RATE, 0..1 (default 0.05, so that retries and dead letters show). */
  readonly failureRate: number;
  /** DEMO_DURATION_MS: stop by itself after this long (default: run until Ctrl-C). */
  readonly durationMs?: number;
  /** DEMO_SEED: seed of the sample orders (default: the time of day). */
  readonly seed: number;
  /** INGRESS_TOKEN, the bus's own setting: when set, the demo sends it as a bearer token with every order. */
  readonly ingressToken?: string;
  /** SANDBOX_ERP_USER and SANDBOX_ERP_PASSWORD (default erp / erp-secret): the ERP SOAP service's WS-Security user. */
  readonly erpCredentials: UsernameCredentials;
  /** KAFKA_BROKERS: the broker the demo checks for at start (default: none given, and it checks 127.0.0.1:9092). */
  readonly kafkaBrokers?: string[];
  /** SANDBOX_ERP_EVENTS_TOPIC (default `erp.order-events`): where the ERP publishes its order events. */
  readonly erpEventsTopic: string;
  /** AMQP_URL: the RabbitMQ the demo checks for at start (default: none given, and it checks the local one). */
  readonly amqpUrl?: string;
  /** MQTT_URL: the MQTT broker the demo checks for at start (default: none given, and it checks the local one). */
  readonly mqttUrl?: string;
  /**
   * LEGACY_WAREHOUSE_DIR: the legacy warehouse's folder, passed on to the bus (routes/legacy-warehouse.yaml reads the
   * same variable); default: none given, and the demo uses ./data/legacy-warehouse.
   */
  readonly legacyWarehouseDir?: string;
}

/** The topic of the ERP's order events when SANDBOX_ERP_EVENTS_TOPIC is not set. */
export const DEFAULT_ERP_EVENTS_TOPIC = 'erp.order-events';

/** The ERP SOAP service's WS-Security user in the demo when SANDBOX_ERP_USER / SANDBOX_ERP_PASSWORD are not set. */
export const DEMO_ERP_CREDENTIALS: UsernameCredentials = { username: 'erp', password: 'erp-secret' };

export function readSandboxEnv(env: NodeJS.ProcessEnv): SandboxEnv {
  return {
    port: intVar(env, 'SANDBOX_PORT', 4010, 0, 65535),
    host: env.SANDBOX_HOST?.trim() || '127.0.0.1',
    failureRate: rateVar(env, 'SANDBOX_FAILURE_RATE', 0),
    ...erpCredentialsVar(env),
    ...kafkaVar(env),
    ...brokerSystemsVar(env),
  };
}

/** `{ warehouse }` from AMQP_URL and `{ devices }` from MQTT_URL, each only when its variable is set. */
function brokerSystemsVar(env: NodeJS.ProcessEnv): { warehouse?: WarehouseAmqpConfig; devices?: DeviceFeedConfig } {
  const amqp = amqpUrlVar(env);
  const mqtt = mqttUrlVar(env);
  return {
    ...optional('warehouse', amqp === undefined ? undefined : { url: amqp }),
    ...optional('devices', mqtt === undefined ? undefined : { url: mqtt }),
  };
}

export function readDemoEnv(
  env: NodeJS.ProcessEnv,
  defaults: { sandboxPort: number; busPort: number; failureRate: number },
): DemoEnv {
  const duration = env.DEMO_DURATION_MS?.trim() ? intVar(env, 'DEMO_DURATION_MS', 0, 1, 7 * 86_400_000) : undefined;
  return {
    sandboxPort: intVar(env, 'SANDBOX_PORT', defaults.sandboxPort, 0, 65535),
    busPort: intVar(env, 'PORT', defaults.busPort, 0, 65535),
    failureRate: rateVar(env, 'SANDBOX_FAILURE_RATE', defaults.failureRate),
    ...(duration === undefined ? {} : { durationMs: duration }),
    seed: intVar(env, 'DEMO_SEED', Date.now() % 1_000_000, 0, 2 ** 32 - 1),
    ...(env.INGRESS_TOKEN ? { ingressToken: env.INGRESS_TOKEN } : {}),
    erpCredentials: {
      username: env.SANDBOX_ERP_USER?.trim() || DEMO_ERP_CREDENTIALS.username,
      password: env.SANDBOX_ERP_PASSWORD || DEMO_ERP_CREDENTIALS.password,
    },
    ...optional('kafkaBrokers', brokersVar(env)),
    erpEventsTopic: topicVar(env),
    ...optional('amqpUrl', amqpUrlVar(env)),
    ...optional('mqttUrl', mqttUrlVar(env)),
    ...optional('legacyWarehouseDir', env.LEGACY_WAREHOUSE_DIR?.trim() || undefined),
  };
}

/** AMQP_URL (the variable the sample routes read too), or undefined when not set. */
function amqpUrlVar(env: NodeJS.ProcessEnv): string | undefined {
  return urlVar(env, 'AMQP_URL', ['amqp:', 'amqps:']);
}

/** MQTT_URL (the variable the sample routes read too), or undefined when not set. */
function mqttUrlVar(env: NodeJS.ProcessEnv): string | undefined {
  return urlVar(env, 'MQTT_URL', ['mqtt:', 'mqtts:', 'ws:', 'wss:']);
}

function urlVar(env: NodeJS.ProcessEnv, name: string, schemes: readonly string[]): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  // The value itself is not repeated: it may hold a password.
  if (!url || !schemes.includes(url.protocol) || !url.hostname) {
    throw new Error(`${name} must be a URL starting with ${schemes.map((s) => `${s}//`).join(' or ')} and naming a host`);
  }
  return raw;
}

/** `{ kafka }` from KAFKA_BROKERS and SANDBOX_ERP_EVENTS_TOPIC, or nothing when KAFKA_BROKERS is not set. */
function kafkaVar(env: NodeJS.ProcessEnv): { kafka?: ErpEventsKafkaConfig } {
  const brokers = brokersVar(env);
  return optional('kafka', brokers && { brokers, topic: topicVar(env) });
}

/** KAFKA_BROKERS as a list (the bus reads the same variable, in the same form), or undefined when not set. */
function brokersVar(env: NodeJS.ProcessEnv): string[] | undefined {
  const raw = env.KAFKA_BROKERS?.trim();
  if (!raw) return undefined;
  const brokers = raw.split(',').map((b) => b.trim());
  if (!brokers.every((b) => /^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/.test(b))) {
    throw new Error(`KAFKA_BROKERS must be host:port[,host:port...], got "${raw}"`);
  }
  return brokers;
}

/** `{ [key]: value }`, or `{}` when value is undefined (so that the key is absent, not undefined). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function topicVar(env: NodeJS.ProcessEnv): string {
  const topic = env.SANDBOX_ERP_EVENTS_TOPIC?.trim();
  if (!topic) return DEFAULT_ERP_EVENTS_TOPIC;
  // Kafka's own rule for topic names.
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(topic) || topic === '.' || topic === '..') {
    throw new Error(`SANDBOX_ERP_EVENTS_TOPIC must be a Kafka topic name (letters, digits, . _ -), got "${topic}"`);
  }
  return topic;
}

function erpCredentialsVar(env: NodeJS.ProcessEnv): { erpCredentials?: UsernameCredentials } {
  const username = env.SANDBOX_ERP_USER?.trim();
  const password = env.SANDBOX_ERP_PASSWORD;
  if (!username && !password) return {};
  if (!username) throw new Error('SANDBOX_ERP_USER must be set when SANDBOX_ERP_PASSWORD is');
  if (!password) throw new Error('SANDBOX_ERP_PASSWORD must be set when SANDBOX_ERP_USER is');
  return { erpCredentials: { username, password } };
}

function intVar(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer within ${min}..${max}, got "${raw}"`);
  }
  return value;
}

function rateVar(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!(value >= 0 && value <= 1)) throw new Error(`${name} must be a number within 0..1, got "${raw}"`);
  return value;
}
