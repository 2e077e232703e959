import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Settings } from '@junction/config';
import { BusRuntime } from '@junction/engine';
import pino, { type Logger } from 'pino';
import { BusModule } from './bus.module';
import { NestPinoLogger } from './nest-logger';

export interface RunningBus {
  readonly app: NestFastifyApplication;
  readonly runtime: BusRuntime;
  readonly url: string;
  readonly log: Logger;
  /** Graceful stop: ingress closed, in-flight work finished (bounded), store closed, listener closed. */
  close(): Promise<void>;
}

/**
 * Builds and starts the bus: Fastify with raw bodies (ingress needs the exact bytes; admin parses its own JSON), the
 * runtime (store, routes, connectors, worker), the Nest admin module, then the listener.
 */
export async function startBus(settings: Settings, env: Record<string, string | undefined>): Promise<RunningBus> {
  const log = pino({ level: settings.LOG_LEVEL, base: { service: 'junction', instance: settings.INSTANCE_ID } });
  const adapter = new FastifyAdapter({
    bodyLimit: settings.BODY_LIMIT_BYTES,
    requestTimeout: settings.SYNC_TIMEOUT_MS + 10_000,
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
  });
  const fastify = adapter.getInstance();
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const runtime = new BusRuntime(settings, fastify, log, env);
  try {
    await runtime.start();
  } catch (err) {
    await runtime.stop().catch(() => undefined);
    throw err;
  }
  const app = await NestFactory.create<NestFastifyApplication>(BusModule.create(runtime, settings), adapter, {
    bodyParser: false,
    logger: new NestPinoLogger(log),
  });
  // A hybrid application: the Kafka ingress runs as a custom transport strategy beside the HTTP listener.
  app.connectMicroservice({ strategy: runtime.kafka }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.listen(settings.PORT, settings.HOST);
  const address = fastify.server.address();
  const port = typeof address === 'object' && address ? address.port : settings.PORT;
  const url = `http://${settings.HOST === '0.0.0.0' ? '127.0.0.1' : settings.HOST}:${port}`;
  log.info({ url }, 'listening');

  let closing: Promise<void> | undefined;
  return {
    app,
    runtime,
    url,
    log,
    close: () =>
      (closing ??= (async () => {
        await runtime.stop();
        await app.close();
      })()),
  };
}
