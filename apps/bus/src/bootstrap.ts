import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeAdminApi, mountHealth, type BusPeers } from '@junction/admin';
import type { Settings } from '@junction/config';
import { BusRuntime } from '@junction/engine';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { BusModule } from './bus.module';
import { CONNECTORS } from './connectors';
import { busLogger } from './bus-logger';
import { NestPinoLogger } from './nest-logger';
import { startTracing } from './tracing';

/**
 * The ingress listener's accept queue (listen()'s backlog; Linux caps it at net.core.somaxconn). Node takes one
 * connection from the queue per turn of the event loop (libuv since Node 20), so a process busy with its traffic
 * leaves a burst of new connections waiting there for seconds; past Node's default of 511 the kernel drops the
 * handshakes beyond it, and those clients retry after 1 s and 3 s. Seen with one process at c=500 (wrk opening 500
 * connections at once while the previous run's last ones were still queued): 22 handshakes dropped.
 */
const INGRESS_BACKLOG = 4096;

export interface RunningBus {
  readonly app: NestFastifyApplication;
  readonly runtime: BusRuntime;
  /** Where ingress (and /health) answers. */
  readonly url: string;
  /** Where the admin API, /metrics and the dashboard answer: `url`, unless ADMIN_PORT gives them a port of their own. */
  readonly adminUrl: string;
  readonly log: Logger;
  /** Graceful stop: ingress closed, in-flight work finished (bounded), store closed, listeners closed, spans flushed. */
  close(): Promise<void>;
}

/**
 * Builds and starts the bus: Fastify with raw bodies (ingress needs the exact bytes; admin parses its own JSON), the
 * runtime (store, routes, connectors, worker), the Nest admin module, then the listeners. With ADMIN_PORT, ingress
 * gets a bare Fastify instance of its own on PORT, so that nothing but ingress and health is reachable there.
 * `peers`: the bus's other processes, when this is one worker of several (WORKERS > 1).
 */
export async function startBus(settings: Settings, env: Record<string, string | undefined>, peers: BusPeers | null = null): Promise<RunningBus> {
  const log = busLogger(settings);
  const serverOptions = {
    bodyLimit: settings.BODY_LIMIT_BYTES,
    requestTimeout: settings.SYNC_TIMEOUT_MS + 10_000,
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
    // Whose X-Forwarded-* headers request.ip, request.host and request.protocol follow: none unless configured.
    trustProxy: settings.TRUST_PROXY,
  };
  const adapter = new FastifyAdapter(serverOptions);
  const separateAdmin = settings.ADMIN_PORT !== undefined;
  const ingressServer: FastifyInstance = separateAdmin ? Fastify(serverOptions) : adapter.getInstance();
  for (const server of new Set([adapter.getInstance(), ingressServer])) takeRawBodies(server);

  // Spans are recorded from the first message on when an OTLP endpoint is set, and flushed after the runtime stops.
  const tracing = startTracing(settings, log);
  if (tracing.endpoint) log.info({ endpoint: tracing.endpoint, service: settings.OTEL_SERVICE_NAME }, 'exporting spans over OTLP');
  const runtime = new BusRuntime(settings, ingressServer, log, env, CONNECTORS);
  try {
    await runtime.start();
  } catch (err) {
    await runtime.stop().catch(() => undefined);
    await tracing.shutdown().catch(() => undefined);
    throw err;
  }
  const app = await NestFactory.create<NestFastifyApplication>(BusModule.create(runtime, settings, log, peers), adapter, {
    bodyParser: false,
    logger: new NestPinoLogger(log),
  });
  // A hybrid application: the broker ingresses (Kafka, AMQP, MQTT...) run in one custom transport strategy beside the
  // HTTP listener.
  // Made once, from the controllers as registered: GET /admin/openapi.json serves it.
  describeAdminApi(app, packageVersion());
  app.connectMicroservice({ strategy: runtime.transport }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  let url: string;
  let adminUrl: string;
  if (separateAdmin) {
    mountHealth(ingressServer, runtime);
    await ingressServer.listen({ port: settings.PORT, host: settings.HOST, backlog: INGRESS_BACKLOG });
    await app.listen(settings.ADMIN_PORT!, settings.HOST);
    url = urlOf(ingressServer, settings);
    adminUrl = urlOf(adapter.getInstance(), settings);
  } else {
    await app.listen({ port: settings.PORT, host: settings.HOST, backlog: INGRESS_BACKLOG });
    url = adminUrl = urlOf(ingressServer, settings);
  }
  log.info({ url, adminUrl }, 'listening');

  let closing: Promise<void> | undefined;
  return {
    app,
    runtime,
    url,
    adminUrl,
    log,
    close: () =>
      (closing ??= (async () => {
        await runtime.stop();
        await app.close();
        if (separateAdmin) await ingressServer.close();
        await tracing.shutdown().catch((err) => log.warn({ err: (err as Error).message }, 'span export at shutdown failed'));
      })()),
  };
}

/** The version in the project's package.json (the folder above apps/, from the sources or from dist/). */
function packageVersion(): string {
  for (const up of ['../../..', '../../../..']) {
    try {
      return (JSON.parse(readFileSync(join(__dirname, up, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      // not this one
    }
  }
  return '0.0.0';
}

function takeRawBodies(server: FastifyInstance): void {
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
}

function urlOf(server: FastifyInstance, settings: Settings): string {
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : settings.PORT;
  return `http://${settings.HOST === '0.0.0.0' ? '127.0.0.1' : settings.HOST}:${port}`;
}
