import { readDemoEnv, readSandboxEnv } from './sandbox.env';

const defaults = { sandboxPort: 4010, busPort: 8080, failureRate: 0.05 };

describe('sandbox env', () => {
  it('defaults to port 4010 on 127.0.0.1 without failures', () => {
    expect(readSandboxEnv({})).toEqual({ port: 4010, host: '127.0.0.1', failureRate: 0 });
  });

  it('reads SANDBOX_PORT, SANDBOX_HOST and SANDBOX_FAILURE_RATE', () => {
    expect(readSandboxEnv({ SANDBOX_PORT: '0', SANDBOX_HOST: '0.0.0.0', SANDBOX_FAILURE_RATE: '0.25' })).toEqual({
      port: 0,
      host: '0.0.0.0',
      failureRate: 0.25,
    });
  });

  it('reads the ERP SOAP credentials from SANDBOX_ERP_USER and SANDBOX_ERP_PASSWORD, both or neither', () => {
    expect(readSandboxEnv({ SANDBOX_ERP_USER: 'erp', SANDBOX_ERP_PASSWORD: 's3cret' }).erpCredentials).toEqual({
      username: 'erp',
      password: 's3cret',
    });
    expect(readSandboxEnv({})).not.toHaveProperty('erpCredentials');
    expect(() => readSandboxEnv({ SANDBOX_ERP_USER: 'erp' })).toThrow('SANDBOX_ERP_PASSWORD must be set when SANDBOX_ERP_USER is');
    expect(() => readSandboxEnv({ SANDBOX_ERP_PASSWORD: 'x' })).toThrow('SANDBOX_ERP_USER must be set when SANDBOX_ERP_PASSWORD is');
  });

  it('publishes the ERP events to KAFKA_BROKERS only when it is set, on SANDBOX_ERP_EVENTS_TOPIC or erp.order-events', () => {
    expect(readSandboxEnv({ SANDBOX_ERP_EVENTS_TOPIC: 'ignored' })).not.toHaveProperty('kafka');
    expect(readSandboxEnv({ KAFKA_BROKERS: '127.0.0.1:9092' }).kafka).toEqual({ brokers: ['127.0.0.1:9092'], topic: 'erp.order-events' });
    expect(readSandboxEnv({ KAFKA_BROKERS: ' a:1, [::1]:2 ', SANDBOX_ERP_EVENTS_TOPIC: 'orders_v2' }).kafka).toEqual({
      brokers: ['a:1', '[::1]:2'],
      topic: 'orders_v2',
    });
  });

  it('runs the warehouse on AMQP_URL and the device feed on MQTT_URL, each only when set', () => {
    expect(readSandboxEnv({})).not.toHaveProperty('warehouse');
    expect(readSandboxEnv({})).not.toHaveProperty('devices');
    const env = readSandboxEnv({ AMQP_URL: ' amqp://ops:pw@rabbit:5672/wms ', MQTT_URL: 'mqtts://broker.local:8883' });
    expect(env.warehouse).toEqual({ url: 'amqp://ops:pw@rabbit:5672/wms' });
    expect(env.devices).toEqual({ url: 'mqtts://broker.local:8883' });
  });

  it.each([
    [{ AMQP_URL: 'http://rabbit:5672' }, /^AMQP_URL must be a URL starting with amqp:\/\/ or amqps:\/\/ and naming a host$/],
    [{ AMQP_URL: 'rabbit:5672' }, /AMQP_URL/],
    [{ MQTT_URL: '127.0.0.1:1883' }, /^MQTT_URL must be a URL starting with mqtt:\/\/ or mqtts:\/\/ or ws:\/\/ or wss:\/\/ and naming a host$/],
  ])('rejects %j naming the variable, not its value', (env, message) => {
    expect(() => readSandboxEnv(env)).toThrow(message);
  });

  it.each([
    [{ KAFKA_BROKERS: '127.0.0.1' }, /KAFKA_BROKERS must be host:port\[,host:port...\], got "127.0.0.1"/],
    [{ KAFKA_BROKERS: 'a:1,,b:2' }, /KAFKA_BROKERS/],
    [{ KAFKA_BROKERS: 'a:1', SANDBOX_ERP_EVENTS_TOPIC: 'erp events' }, /SANDBOX_ERP_EVENTS_TOPIC must be a Kafka topic name/],
    [{ KAFKA_BROKERS: 'a:1', SANDBOX_ERP_EVENTS_TOPIC: '..' }, /SANDBOX_ERP_EVENTS_TOPIC/],
    [{ SANDBOX_PORT: 'http' }, /SANDBOX_PORT must be an integer within 0..65535, got "http"/],
    [{ SANDBOX_PORT: '70000' }, /SANDBOX_PORT/],
    [{ SANDBOX_FAILURE_RATE: '5%' }, /SANDBOX_FAILURE_RATE must be a number within 0..1/],
    [{ SANDBOX_FAILURE_RATE: '1.5' }, /SANDBOX_FAILURE_RATE/],
  ])('rejects %j naming the variable', (env, message) => {
    expect(() => readSandboxEnv(env)).toThrow(message);
  });
});

describe('demo env', () => {
  it('defaults: sandbox 4010, bus 8080, 5% failures, no duration', () => {
    const env = readDemoEnv({}, defaults);
    expect(env).toMatchObject({ sandboxPort: 4010, busPort: 8080, failureRate: 0.05 });
    expect(env.durationMs).toBeUndefined();
    expect(Number.isInteger(env.seed)).toBe(true);
  });

  it('reads PORT, SANDBOX_PORT, SANDBOX_FAILURE_RATE, DEMO_DURATION_MS and DEMO_SEED', () => {
    const env = { PORT: '9000', SANDBOX_PORT: '4999', SANDBOX_FAILURE_RATE: '0', DEMO_DURATION_MS: '5000', DEMO_SEED: '42' };
    expect(readDemoEnv(env, defaults)).toEqual({
      sandboxPort: 4999,
      busPort: 9000,
      failureRate: 0,
      durationMs: 5000,
      seed: 42,
      erpCredentials: { username: 'erp', password: 'erp-secret' },
      erpEventsTopic: 'erp.order-events',
    });
  });

  it('takes KAFKA_BROKERS as the broker to look for, and SANDBOX_ERP_EVENTS_TOPIC as the topic of the ERP events', () => {
    expect(readDemoEnv({}, defaults)).not.toHaveProperty('kafkaBrokers');
    const env = readDemoEnv({ KAFKA_BROKERS: 'kafka-1:9092,kafka-2:9093', SANDBOX_ERP_EVENTS_TOPIC: 'erp.events-2' }, defaults);
    expect(env).toMatchObject({ kafkaBrokers: ['kafka-1:9092', 'kafka-2:9093'], erpEventsTopic: 'erp.events-2' });
    expect(() => readDemoEnv({ KAFKA_BROKERS: 'kafka-1' }, defaults)).toThrow(/KAFKA_BROKERS must be host:port/);
  });

  it('takes AMQP_URL and MQTT_URL as the brokers to look for', () => {
    expect(readDemoEnv({}, defaults)).not.toHaveProperty('amqpUrl');
    expect(readDemoEnv({}, defaults)).not.toHaveProperty('mqttUrl');
    const env = readDemoEnv({ AMQP_URL: 'amqp://guest:guest@10.0.0.5:5672', MQTT_URL: 'mqtt://10.0.0.5:1883' }, defaults);
    expect(env).toMatchObject({ amqpUrl: 'amqp://guest:guest@10.0.0.5:5672', mqttUrl: 'mqtt://10.0.0.5:1883' });
    expect(() => readDemoEnv({ MQTT_URL: 'tcp://x:1883' }, defaults)).toThrow(/MQTT_URL must be a URL/);
  });

  it('gives the ERP SOAP service the user erp / erp-secret unless SANDBOX_ERP_USER / SANDBOX_ERP_PASSWORD say otherwise', () => {
    expect(readDemoEnv({}, defaults).erpCredentials).toEqual({ username: 'erp', password: 'erp-secret' });
    expect(readDemoEnv({ SANDBOX_ERP_USER: 'ops', SANDBOX_ERP_PASSWORD: 'pw' }, defaults).erpCredentials).toEqual({
      username: 'ops',
      password: 'pw',
    });
  });

  it('takes the bus INGRESS_TOKEN so that its orders are let in', () => {
    expect(readDemoEnv({ INGRESS_TOKEN: 's3cret' }, defaults).ingressToken).toBe('s3cret');
    expect(readDemoEnv({}, defaults)).not.toHaveProperty('ingressToken');
  });

  it('rejects a DEMO_DURATION_MS that is not a positive integer', () => {
    expect(() => readDemoEnv({ DEMO_DURATION_MS: '0' }, defaults)).toThrow(/DEMO_DURATION_MS/);
    expect(() => readDemoEnv({ DEMO_DURATION_MS: '10s' }, defaults)).toThrow(/DEMO_DURATION_MS/);
  });
});
