import { createServer, type Server, type Socket } from 'node:net';
import { freePort } from '@junction/testing';
import { TEST_AMQP_URL, TEST_MQTT_URL } from '../testing/brokers';
import { probeAmqp, probeBroker, probeMqtt } from './broker-probe';

describe('probeBroker', () => {
  it('gives the verdict and releases what the attempt opened, whichever way it ended', async () => {
    const released: string[] = [];
    const ok = await probeBroker(() => ({ attempt: Promise.resolve(), release: async () => released.push('ok') }), 1_000);
    const refused = await probeBroker(() => ({ attempt: Promise.reject(new Error('refused')), release: async () => released.push('refused') }), 1_000);
    expect(ok).toEqual({ reachable: true });
    expect(refused).toEqual({ reachable: false, reason: 'refused' });
    await new Promise((r) => setImmediate(r));
    expect(released.sort()).toEqual(['ok', 'refused']);
  });

  it('answers at the deadline and releases once the attempt ends', async () => {
    let finish!: () => void;
    const attempt = new Promise<void>((resolve) => (finish = resolve));
    let released = false;
    const probe = await probeBroker(() => ({ attempt, release: async () => (released = true) }), 50);
    expect(probe).toEqual({ reachable: false, reason: 'no answer within 50 ms' });
    expect(released).toBe(false);
    finish();
    await attempt;
    await new Promise((r) => setImmediate(r));
    expect(released).toBe(true);
  });

  it('turns an attempt that throws at once into a verdict', async () => {
    expect(await probeBroker(() => { throw new Error('bad url'); }, 50)).toEqual({ reachable: false, reason: 'bad url' });
  });
});

describe('probeAmqp and probeMqtt against the machine\'s brokers', () => {
  let silent: Server;
  const sockets = new Set<Socket>();
  let silentPort: number;
  beforeAll(async () => {
    // Takes connections and never answers: a broker that hangs.
    silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    sockets.forEach((s) => s.destroy());
    await new Promise((resolve) => silent.close(resolve));
  });

  it('finds RabbitMQ and the MQTT broker that run here', async () => {
    expect(await probeAmqp(TEST_AMQP_URL)).toEqual({ reachable: true });
    expect(await probeMqtt(TEST_MQTT_URL)).toEqual({ reachable: true });
  });

  it('says why when nothing listens', async () => {
    const port = await freePort();
    expect(await probeAmqp(`amqp://guest:guest@127.0.0.1:${port}`)).toEqual({ reachable: false, reason: expect.stringContaining('ECONNREFUSED') });
    expect(await probeMqtt(`mqtt://127.0.0.1:${port}`)).toEqual({ reachable: false, reason: expect.stringContaining('ECONNREFUSED') });
  });

  it('says why when RabbitMQ refuses the login', async () => {
    const url = new URL(TEST_AMQP_URL);
    url.password = 'not-the-password';
    const probe = await probeAmqp(url.toString());
    expect(probe).toEqual({ reachable: false, reason: expect.stringMatching(/ACCESS.REFUSED|403/) });
  });

  it('gives up on a server that never answers', async () => {
    expect(await probeAmqp(`amqp://guest:guest@127.0.0.1:${silentPort}`, 300)).toEqual({ reachable: false, reason: expect.any(String) });
    expect(await probeMqtt(`mqtt://127.0.0.1:${silentPort}`, 300)).toEqual({ reachable: false, reason: expect.any(String) });
  });
});
