import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCrmSystem } from './crm.system';
import { ErpBackend } from './erp.backend';
import { KafkaErpEvents, type ErpEventsKafkaConfig } from './erp-events.kafka';
import { startErpSoap, type ErpSoapService } from './erp-soap.system';
import { createErpSystem } from './erp.system';
import { createLegacySystem } from './legacy.system';
import { CONTROL_PREFIX, handleControl } from './sandbox.control';
import { DELAY_HEADER, delayOf, FaultInjector, MAX_DELAY_MS, type FaultDecision } from './sandbox.faults';
import { jsonReply, type SandboxReply, type SandboxRequest, type SandboxSystem } from './sandbox.http';
import { SandboxRecorder } from './sandbox.recorder';
import type { UsernameCredentials } from './sandbox.wssecurity';

export interface SandboxOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Probability (0..1) that a request to a system fails with 503 by itself (default 0). */
  failureRate?: number;
  /** Random source for `failureRate`, for tests (default Math.random). */
  random?: () => number;
  /** Entries kept per system by the recorder (default 5000). */
  recordLimit?: number;
  /** Largest request body accepted, in bytes (default 1 MiB); larger ones get 413. */
  maxBodyBytes?: number;
  /** Clock for the times systems put in their answers, for tests (default: the real clock). */
  now?: () => Date;
  /**
   * When set, every call to the ERP's SOAP service must carry a WS-Security UsernameToken with these (PasswordText or
   * PasswordDigest), else it gets a Client / Sender Fault. The ERP's XML endpoints stay open.
   */
  erpCredentials?: UsernameCredentials;
  /**
   * When set, the ERP publishes an event to this Kafka topic for each order it books for the first time
   * (OrderAccepted) and each shipment notice it takes (OrderShipped), through one producer connected on the first
   * event (erp-events.kafka.ts). A failed publish is logged and never changes the ERP's answer.
   */
  kafka?: ErpEventsKafkaConfig;
  /** Where the sandbox reports what no answer shows (an ERP event that could not be published); default console.error. */
  log?: (line: string) => void;
}

/**
 * A running sandbox: the CRM under `/crm`, the ERP under `/erp` (XML over HTTP, and SOAP at `/erp/soap`, WSDL at
 * `/erp/soap?wsdl`), the legacy system under `/legacy`.
 */
export interface Sandbox {
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:4010`. */
  readonly url: string;
  readonly port: number;
  /** What the systems received, in process (the same data as `GET /_sandbox/received`). */
  readonly recorder: SandboxRecorder;
  readonly faults: FaultInjector;
  /** Order events the CRM accepted at `POST /crm/order-events` since the sandbox started. */
  crmOrderEvents(): number;
  /** Of those, the ones whose `source` field was `source` (the warehouse's events carry `warehouse`). */
  crmOrderEventsFrom(source: string): number;
  /** Service cases the CRM opened at `POST /crm/cases` since the sandbox started (the devices' alerts). */
  crmCases(): number;
  /** Stock levels the CRM accepted at `POST /crm/stock-levels` (the legacy warehouse's CSV files, one per SKU). */
  crmStockLevels(): number;
  /**
   * Stops listening, drops delayed answers and closes every connection, then waits for the ERP's events in flight
   * and disconnects its Kafka producer. Safe to call twice.
   */
  close(): Promise<void>;
}

/**
 * Starts the simulated CRM, ERP and legacy systems on one HTTP server. Rejects when the port cannot be bound (the
 * error keeps its `code`, e.g. EADDRINUSE, so that a caller can fall back to another port).
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const now = options.now ?? (() => new Date());
  const log = options.log ?? ((line: string) => console.error(line));
  const erpEvents = options.kafka ? new KafkaErpEvents({ ...options.kafka, log }) : undefined;
  const erpBackend = new ErpBackend(now, erpEvents);
  const crm = createCrmSystem(now);
  const systems: readonly SandboxSystem[] = [crm, createErpSystem(erpBackend), createLegacySystem()];
  const recorder = new SandboxRecorder(options.recordLimit);
  const faults = new FaultInjector(options.failureRate ?? 0, options.random);
  const delayed = new Set<NodeJS.Timeout>();
  // Set once node-soap is ready, right after the server listens; until then /erp/soap is not there yet.
  let erpSoap: ErpSoapService | undefined;

  /** Runs `answer` after `delay` ms (at once for 0); close() drops what is still waiting. */
  const later = (delay: number, answer: () => void): void => {
    if (!delay) return answer();
    const timer = setTimeout(() => {
      delayed.delete(timer);
      answer();
    }, delay);
    delayed.add(timer);
  };

  const answer = (system: SandboxSystem, req: SandboxRequest, decision: FaultDecision): SandboxReply => {
    if (decision.kind === 'invalid') return system.fault(400, decision.message);
    if (decision.kind === 'fault') {
      const reply = system.fault(decision.fault.status, `fault injected by the sandbox (${decision.fault.source})`);
      return decision.fault.status === 429 ? { ...reply, headers: { ...reply.headers, 'retry-after': '1' } } : reply;
    }
    try {
      return system.handle(req);
    } catch (err) {
      return system.fault(500, `sandbox bug: ${(err as Error).message}`);
    }
  };

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req, maxBodyBytes);
    if (body === undefined) return send(res, jsonReply(413, { error: `body larger than ${maxBodyBytes} bytes`, status: 413 }));
    const target = req.url ?? '/';
    const url = new URL(target, 'http://sandbox');
    const sreq: SandboxRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: flattenHeaders(req.headers),
      body,
    };
    if (sreq.path === CONTROL_PREFIX || sreq.path.startsWith(`${CONTROL_PREFIX}/`)) {
      return send(res, handleControl(sreq, recorder, faults));
    }
    if (erpSoap?.owns(sreq.path)) return serveErpSoap(erpSoap, req, res, sreq, target);
    const system = systems.find((s) => sreq.path === s.prefix || sreq.path.startsWith(`${s.prefix}/`));
    if (!system) {
      return send(res, jsonReply(404, { error: `nothing simulated at ${sreq.path}`, systems: systems.map((s) => s.prefix) }));
    }
    const delay = delayOf(sreq.headers);
    const decision = decide(system.name, delay, sreq.headers);
    const reply = answer(system, sreq, decision);
    recorder.record({
      system: system.name,
      method: sreq.method,
      path: target,
      headers: sreq.headers,
      body,
      receivedAt: new Date().toISOString(),
      status: reply.status,
      ...(decision.kind === 'fault' ? { fault: decision.fault.source } : {}),
    });
    later(delay ?? 0, () => send(res, reply));
  };

  /** Whether a request fails on purpose; a malformed delay header is refused like a malformed fault header. */
  const decide = (system: SandboxSystem['name'], delay: number | undefined, headers: SandboxRequest['headers']): FaultDecision =>
    delay === undefined
      ? { kind: 'invalid', message: `${DELAY_HEADER} must be an integer number of milliseconds within 0..${MAX_DELAY_MS}` }
      : faults.decide(system, headers);

  /**
   * The ERP's SOAP service: its description is answered at once and never failed nor recorded; a call is screened
   * (fault injection, envelope, WS-Security), answered by the sandbox or by node-soap after the delay, and recorded
   * with its operation when answered.
   */
  const serveErpSoap = (soap: ErpSoapService, req: IncomingMessage, res: ServerResponse, sreq: SandboxRequest, target: string) => {
    const described = soap.describe(sreq);
    if (described?.kind === 'reply') return send(res, described.reply);
    if (described) return soap.serve(req, res, sreq.body, described.version);
    const receivedAt = new Date().toISOString();
    const delay = delayOf(sreq.headers);
    const decision = decide('erp', delay, sreq.headers);
    const screened = soap.screen(sreq, decision);
    const record = (status: number) =>
      recorder.record({
        system: 'erp',
        method: sreq.method,
        path: target,
        headers: sreq.headers,
        body: sreq.body,
        receivedAt,
        status,
        ...(screened.operation ? { operation: screened.operation } : {}),
        ...(screened.kind === 'reply' && screened.injected ? { fault: screened.injected } : {}),
      });
    later(delay ?? 0, () => {
      if (res.destroyed) return;
      if (screened.kind === 'reply') {
        record(screened.reply.status);
        return send(res, screened.reply);
      }
      soap.serve(req, res, sreq.body, screened.version);
      if (res.writableEnded) record(res.statusCode);
      else res.once('close', () => record(res.statusCode));
    });
  };

  const server = createServer((req, res) => {
    serve(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, jsonReply(500, { error: `sandbox: ${(err as Error).message}`, status: 500 }));
    });
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${clientHost(host)}:${port}`;
  try {
    erpSoap = await startErpSoap(server, { baseUrl: url, backend: erpBackend, credentials: options.erpCredentials });
  } catch (err) {
    await new Promise((resolve) => server.close(resolve));
    await erpEvents?.close();
    throw err;
  }

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    recorder,
    faults,
    crmOrderEvents: () => crm.orderEventsReceived(),
    crmOrderEventsFrom: (source) => crm.orderEventsFrom(source),
    crmCases: () => crm.casesOpened(),
    crmStockLevels: () => crm.stockLevelsReceived(),
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of delayed) clearTimeout(timer);
        delayed.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => erpEvents?.close());
      return closing;
    },
  };
}

/** Reads the whole body as UTF-8; undefined when it exceeds `limit` bytes (the rest is drained, not kept). */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function send(res: ServerResponse, reply: SandboxReply): void {
  if (res.destroyed) return;
  res.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(reply.body) });
  res.end(reply.body);
}

/** The address a client uses to reach a server bound to `host` (wildcards mean loopback). */
function clientHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
