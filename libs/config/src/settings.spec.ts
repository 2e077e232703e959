import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@junction/core';
import { SETTINGS_DOC, settingsMarkdownTable } from './settings-doc';
import { loadSettings, SETTING_NAMES } from './settings.schema';

/** The ConfigError thrown for `env`, or a failure if none is. */
function rejection(env: Record<string, string>): ConfigError {
  try {
    loadSettings(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('loadSettings', () => {
  it('gives every default for an empty environment', () => {
    expect(loadSettings({})).toStrictEqual({
      PORT: 8080,
      HOST: '0.0.0.0',
      ROUTES_DIR: './routes',
      DATABASE_URL: 'sqlite:./data/junction.db',
      LOG_LEVEL: 'info',
      BODY_LIMIT_BYTES: 10485760,
      WATCH_ROUTES: true,
      ADMIN_SESSION_TTL_MS: 28800000,
      WSDL_PUBLIC: false,
      TRUST_PROXY: false,
      WORKER_CONCURRENCY: 128,
      OUTBOX_BATCH: 100,
      OUTBOX_POLL_MS: 50,
      LEASE_MS: 30000,
      POISON_MAX_CLAIMS: 5,
      SYNC_TIMEOUT_MS: 30000,
      SHUTDOWN_TIMEOUT_MS: 10000,
      JOURNAL_SUCCESSES: 'after-reply',
      JOURNAL_RETENTION: '7d',
      DEAD_LETTER_RETENTION: '30d',
      XML_MAX_DEPTH: 100,
      XML_MAX_ATTRIBUTES: 256,
      JSON_MAX_DEPTH: 100,
      XML_WORKERS: 2,
      XML_WORKER_THRESHOLD_BYTES: 32768,
      XML_WORKER_BACKLOG: 16,
      XML_WORKER_HEAP_MB: 512,
      XML_WORKER_NICE: 0,
      KAFKA_CLIENT_ID: 'junction',
      MQTT_URL: 'mqtt://127.0.0.1:1883',
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
      OTEL_SERVICE_NAME: 'junction',
      OTEL_BSP_SCHEDULE_DELAY: 5000,
    });
  });

  it('reads KAFKA_BROKERS as a list and names a malformed one', () => {
    expect(loadSettings({ KAFKA_BROKERS: '127.0.0.1:9092,kafka-2:9093' }).KAFKA_BROKERS).toEqual(['127.0.0.1:9092', 'kafka-2:9093']);
    expect(() => loadSettings({ KAFKA_BROKERS: 'kafka' })).toThrow(/^KAFKA_BROKERS: expected host:port\[,host:port\.\.\.\]/);
  });

  it('takes an amqp:// or amqps:// AMQP_URL and names a malformed one without quoting it', () => {
    expect(loadSettings({ AMQP_URL: 'amqps://bus:pw@rabbit.example.com/prod' }).AMQP_URL).toBe('amqps://bus:pw@rabbit.example.com/prod');
    for (const bad of ['http://bus:Sup3rSecret@rabbit', 'amqp://', 'rabbit:5672']) {
      const err = rejection({ AMQP_URL: bad });
      expect(err.message).toBe('AMQP_URL: expected amqp://user:password@host:5672/vhost or amqps://...');
      expect(err.message).not.toContain('Sup3rSecret');
    }
  });

  it('parses every setting given', () => {
    const s = loadSettings({
      PORT: '9000',
      HOST: '127.0.0.1',
      ROUTES_DIR: '/etc/junction/routes',
      DATABASE_URL: 'postgres://bus:pw@db:5432/junction',
      LOG_LEVEL: 'debug',
      BODY_LIMIT_BYTES: '1024',
      WATCH_ROUTES: 'false',
      ADMIN_TOKEN: 'admin-token_1',
      INGRESS_TOKEN: 'aW5ncmVzcw==',
      PUBLIC_URL: 'https://bus.example.com/',
      INSTANCE_ID: 'bus-1',
      WORKER_CONCURRENCY: '4',
      OUTBOX_BATCH: '10',
      OUTBOX_POLL_MS: '5',
      LEASE_MS: '60000',
      SYNC_TIMEOUT_MS: '1000',
      SHUTDOWN_TIMEOUT_MS: '0',
      XML_MAX_DEPTH: '20',
      XML_MAX_ATTRIBUTES: '16',
      JOURNAL_RETENTION: '36h',
      DEAD_LETTER_RETENTION: '90d',
      JOURNAL_MAX_BYTES: '5368709120',
      JSON_MAX_DEPTH: '20',
    });
    expect(s).toMatchObject({ JOURNAL_RETENTION: '36h', DEAD_LETTER_RETENTION: '90d', JOURNAL_MAX_BYTES: 5368709120 });
    expect(s).toMatchObject({ PORT: 9000, DATABASE_URL: 'postgres://bus:pw@db:5432/junction', WATCH_ROUTES: false, SHUTDOWN_TIMEOUT_MS: 0 });
    expect(s.ADMIN_TOKEN).toBe('admin-token_1');
    expect(s.INGRESS_TOKEN).toBe('aW5ncmVzcw==');
    expect(s.PUBLIC_URL).toBe('https://bus.example.com');
    expect(s.INSTANCE_ID).toBe('bus-1');
    expect(s.JSON_MAX_DEPTH).toBe(20);
  });

  it.each([
    ['false', false],
    ['TRUE', true],
    ['127.0.0.1', ['127.0.0.1']],
    ['10.0.0.0/8, 192.168.1.7,::1,fd00::/8,loopback', ['10.0.0.0/8', '192.168.1.7', '::1', 'fd00::/8', 'loopback']],
  ])('reads TRUST_PROXY=%s as %j', (value, expected) => {
    expect(loadSettings({ TRUST_PROXY: value }).TRUST_PROXY).toEqual(expected);
  });

  it('reads WSDL_PUBLIC as a flag', () => {
    expect(loadSettings({ WSDL_PUBLIC: 'true' }).WSDL_PUBLIC).toBe(true);
  });

  it('accepts PORT=0: the system picks a free port (tests, several buses on one host)', () => {
    expect(loadSettings({ PORT: '0' }).PORT).toBe(0);
  });

  it.each(['sqlite:./data/junction.db', 'sqlite::memory:', 'sqlite:/var/lib/junction.db', 'postgres://h/db', 'postgresql://u:p@h:5432/db'])(
    'accepts DATABASE_URL %s',
    (url) => {
      expect(loadSettings({ DATABASE_URL: url }).DATABASE_URL).toBe(url);
    },
  );

  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['false', false],
    ['0', false],
  ])('reads WATCH_ROUTES=%s as %s', (value, expected) => {
    expect(loadSettings({ WATCH_ROUTES: value }).WATCH_ROUTES).toBe(expected);
  });

  it('takes an empty or blank variable as unset, and trims values', () => {
    const s = loadSettings({ PORT: '', ADMIN_TOKEN: '  ', LOG_LEVEL: ' warn\n' });
    expect(s.PORT).toBe(8080);
    expect(s.ADMIN_TOKEN).toBeUndefined();
    expect(s.LOG_LEVEL).toBe('warn');
  });

  it.each([
    [{ ADMIN_USER: 'admin' }, 'ADMIN_PASSWORD: expected with ADMIN_USER'],
    [{ ADMIN_PASSWORD: 'long enough' }, 'ADMIN_USER: expected with ADMIN_PASSWORD'],
    [{ ADMIN_USER: 'admin', ADMIN_PASSWORD: 'short' }, 'ADMIN_PASSWORD: expected at least 8 characters'],
    [{ PORT: '9000', ADMIN_PORT: '9000' }, 'ADMIN_PORT: expected a port other than PORT'],
  ])('rejects admin settings that do not go together: %j', (env, message) => {
    expect(rejection(env).message).toBe(message);
  });

  it('takes admin credentials and a separate admin port together', () => {
    const s = loadSettings({ ADMIN_USER: 'ops@example', ADMIN_PASSWORD: 'correct horse', ADMIN_PORT: '9090' });
    expect(s).toMatchObject({ ADMIN_USER: 'ops@example', ADMIN_PASSWORD: 'correct horse', ADMIN_PORT: 9090, ADMIN_SESSION_TTL_MS: 28_800_000 });
  });

  it('reads only its own variables', () => {
    expect(loadSettings({ PATH: '/usr/bin', HOME: '/root', NODE_ENV: 'production', port: '1' })).toStrictEqual(loadSettings({}));
  });

  it.each([
    ['PORT', '65536', 'PORT: expected an integer from 0 to 65535'],
    ['PORT', 'http', 'PORT: expected an integer from 0 to 65535'],
    ['PORT', '80.5', 'PORT: expected an integer from 0 to 65535'],
    ['PORT', '-1', 'PORT: expected an integer from 0 to 65535'],
    ['HOST', 'my host', 'HOST: expected a host name or IP address'],
    ['DATABASE_URL', 'mysql://u:secretpw@h/db', 'DATABASE_URL: expected sqlite:<file>, sqlite::memory: or postgres://user:password@host:5432/database'],
    ['DATABASE_URL', 'sqlite:', 'DATABASE_URL: expected sqlite:<file>, sqlite::memory: or postgres://user:password@host:5432/database'],
    ['LOG_LEVEL', 'verbose', 'LOG_LEVEL: expected one of: fatal, error, warn, info, debug, trace, silent'],
    ['BODY_LIMIT_BYTES', '-1', 'BODY_LIMIT_BYTES: expected an integer from 1 to 1073741824'],
    ['WATCH_ROUTES', 'yes', 'WATCH_ROUTES: expected true, false, 1 or 0'],
    ['ADMIN_TOKEN', 'has space', 'ADMIN_TOKEN: expected a token of letters, digits and - . _ ~ + / (= at the end)'],
    ['INGRESS_TOKEN', 'tok"en', 'INGRESS_TOKEN: expected a token of letters, digits and - . _ ~ + / (= at the end)'],
    ['PUBLIC_URL', 'bus.example.com', 'PUBLIC_URL: expected an http:// or https:// URL'],
    ['PUBLIC_URL', 'ftp://bus.example.com', 'PUBLIC_URL: expected an http:// or https:// URL'],
    ['INSTANCE_ID', '-bus', 'INSTANCE_ID: expected letters, digits, . _ - (at most 100)'],
    ['WORKER_CONCURRENCY', '0', 'WORKER_CONCURRENCY: expected an integer from 1 to 10000'],
    ['OUTBOX_BATCH', '100000', 'OUTBOX_BATCH: expected an integer from 1 to 10000'],
    ['OUTBOX_POLL_MS', '0', 'OUTBOX_POLL_MS: expected an integer from 1 to 60000'],
    ['LEASE_MS', '999', 'LEASE_MS: expected an integer from 1000 to 86400000'],
    ['SYNC_TIMEOUT_MS', '600001', 'SYNC_TIMEOUT_MS: expected an integer from 1 to 600000'],
    ['SHUTDOWN_TIMEOUT_MS', 'soon', 'SHUTDOWN_TIMEOUT_MS: expected an integer from 0 to 600000'],
    ['JOURNAL_RETENTION', '7 days', 'JOURNAL_RETENTION: expected a duration such as 90s, 12h or 7d (at least 1s)'],
    ['DEAD_LETTER_RETENTION', '500ms', 'DEAD_LETTER_RETENTION: expected a duration such as 90s, 12h or 7d (at least 1s)'],
    ['JOURNAL_MAX_BYTES', '1000', 'JOURNAL_MAX_BYTES: expected an integer from 1048576 to 9007199254740991'],
    ['XML_MAX_DEPTH', '0', 'XML_MAX_DEPTH: expected an integer from 1 to 10000'],
    ['XML_MAX_ATTRIBUTES', '1e3', 'XML_MAX_ATTRIBUTES: expected an integer from 1 to 100000'],
    ['JSON_MAX_DEPTH', '1001', 'JSON_MAX_DEPTH: expected an integer from 1 to 1000'],
    ['XML_WORKERS', '65', 'XML_WORKERS: expected an integer from 0 to 64'],
    ['XML_WORKER_HEAP_MB', '16', 'XML_WORKER_HEAP_MB: expected an integer from 64 to 65536'],
    ['XML_WORKER_NICE', '20', 'XML_WORKER_NICE: expected an integer from 0 to 19'],
    ['ADMIN_USER', 'ad min', 'ADMIN_USER: expected letters, digits, . _ @ - (at most 100)'],
    ['ADMIN_PORT', '70000', 'ADMIN_PORT: expected an integer from 0 to 65535'],
    ['ADMIN_SESSION_TTL_MS', '1000', 'ADMIN_SESSION_TTL_MS: expected an integer from 60000 to 604800000'],
    ['TRUST_PROXY', 'yes', 'TRUST_PROXY: expected true, false, or IP addresses and CIDRs (e.g. 10.0.0.0/8,127.0.0.1), comma-separated'],
    ['TRUST_PROXY', '10.0.0.0/33', 'TRUST_PROXY: expected true, false, or IP addresses and CIDRs (e.g. 10.0.0.0/8,127.0.0.1), comma-separated'],
    ['TRUST_PROXY', 'proxy.internal', 'TRUST_PROXY: expected true, false, or IP addresses and CIDRs (e.g. 10.0.0.0/8,127.0.0.1), comma-separated'],
    ['WSDL_PUBLIC', 'open', 'WSDL_PUBLIC: expected true, false, 1 or 0'],
    ['MQTT_URL', 'http://broker:1883', 'MQTT_URL: expected an mqtt://, mqtts://, ws:// or wss:// URL'],
  ])('rejects %s=%j naming the variable and what it expects', (name, value, message) => {
    const err = rejection({ [name]: value });
    expect(err.message).toBe(message);
    expect(err.problems).toEqual([message]);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.retriable).toBe(false);
  });

  it('reports every bad setting at once and never echoes a value', () => {
    const err = rejection({ PORT: 'x', DATABASE_URL: 'mysql://admin:Sup3rSecret@db/x', ADMIN_TOKEN: 'bad token Sup3rSecret' });
    expect(err.problems.map((p) => p.split(':')[0])).toEqual(['PORT', 'DATABASE_URL', 'ADMIN_TOKEN']);
    expect(err.message).toBe(err.problems.join('; '));
    expect(err.message).not.toContain('Sup3rSecret');
  });
});

describe('SETTINGS_DOC', () => {
  it('lists every setting in schema order with its default and a description', () => {
    expect(SETTINGS_DOC.map((s) => s.name)).toEqual(SETTING_NAMES);
    expect(SETTINGS_DOC.find((s) => s.name === 'PORT')).toEqual({
      name: 'PORT',
      default: '8080',
      description: 'TCP port of the HTTP server (ingress, admin API, dashboard); 0 picks a free one.',
    });
    expect(SETTINGS_DOC.find((s) => s.name === 'WATCH_ROUTES')?.default).toBe('true');
    expect(SETTINGS_DOC.find((s) => s.name === 'ADMIN_TOKEN')?.default).toBeUndefined();
    for (const s of SETTINGS_DOC) expect(s.description.length).toBeGreaterThan(10);
  });

  it('agrees with the defaults loadSettings applies', () => {
    const defaults = loadSettings({});
    for (const s of SETTINGS_DOC) {
      const value = defaults[s.name];
      expect(s.default).toBe(value === undefined ? undefined : String(value));
    }
  });

  it('is the table the README shows, row for row', () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    expect(readme).toContain(settingsMarkdownTable().trimEnd());
  });

  it('renders a Markdown table with one row per setting', () => {
    const table = settingsMarkdownTable().trimEnd().split('\n');
    expect(table.slice(0, 2)).toEqual(['| Variable | Default | Meaning |', '|---|---|---|']);
    expect(table).toHaveLength(2 + SETTING_NAMES.length);
    expect(table).toContain('| `PORT` | `8080` | TCP port of the HTTP server (ingress, admin API, dashboard); 0 picks a free one. |');
    expect(table.find((row) => row.startsWith('| `ADMIN_TOKEN` | (unset) |'))).toBeDefined();
  });
});
