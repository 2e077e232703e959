import type { IClientOptions, MqttClient } from 'mqtt';
import type { MqttConnectionDef } from './mqtt.config';

let mqtt: typeof import('mqtt') | undefined;

/**
 * A new mqtt.js client (see mqtt.js's `connect`). mqtt.js is loaded by the first client rather than with this module:
 * every bus process loads every connector, and one whose routes use no MQTT need not hold the library.
 */
export function connectClient(url: string, options: IClientOptions): MqttClient {
  mqtt ??= require('mqtt') as typeof import('mqtt');
  return mqtt.connect(url, options);
}

/** Pause between mqtt.js's own reconnection attempts once a client has been connected. */
export const RECONNECT_MS = 1_000;
/** Time allowed for the TCP/TLS/WebSocket connection and the CONNACK. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** Where and how a client connects: the broker's URL as given, as shown, and the mqtt.js options. */
export interface MqttConnection {
  /** The URL passed to mqtt.js; may carry credentials, so it is never logged or shown. */
  readonly url: string;
  /** The URL without credentials, for logs, status and ingress keys. */
  readonly shown: string;
  /** Secrets to strip from any text that leaves the connector (error messages). */
  readonly secrets: readonly string[];
  readonly options: IClientOptions;
}

/**
 * The connection of a source or target: its own URL or the MQTT_URL setting, credentials from the `username` and
 * `password` fields else from the URL (mqtt.js reads them from there), and the protocol version.
 */
export function mqttConnection(def: MqttConnectionDef, defaultUrl: string): MqttConnection {
  const url = def.url ?? defaultUrl;
  const parsed = new URL(url);
  const secrets = [def.password, safeDecode(parsed.password), parsed.password].filter((s): s is string => !!s && s.length > 0);
  return {
    url,
    shown: shownUrl(url),
    secrets,
    options: {
      protocolVersion: def.protocolVersion,
      ...(def.username !== undefined ? { username: def.username } : {}),
      ...(def.password !== undefined ? { password: def.password } : {}),
      connectTimeout: CONNECT_TIMEOUT_MS,
      reconnectPeriod: RECONNECT_MS,
    },
  };
}

/** A broker URL without user name and password: `mqtt://user:secret@host:1883` -> `mqtt://host:1883`. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    // URL keeps a lone `/` path on special schemes only; the others show as written.
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}

/** `text` with every secret and every `user:password@` of a URL in it removed, for logs and the status. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1');
  for (const s of secrets) out = out.split(s).join('***');
  return out;
}

/**
 * Ends a client: politely when connected (a DISCONNECT, after which an MQTT 5 session keeps its expiry and the
 * broker publishes no will), else at once; a polite end that hangs for `graceMs` drops the socket. Never throws.
 */
export async function endClient(client: MqttClient, graceMs = 2_000): Promise<void> {
  if (!client.connected) {
    client.end(true);
    return;
  }
  const polite = client.endAsync(false).then(
    () => true,
    () => true,
  );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)));
  const done = await Promise.race([polite, late]);
  clearTimeout(timer);
  // `end` cannot be forced once a polite one is under way: the socket itself goes.
  if (!done) client.stream?.destroy();
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
