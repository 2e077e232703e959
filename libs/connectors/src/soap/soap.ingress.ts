import { resolve } from 'node:path';
import type { SoapSourceDef } from './soap.config';
import {
  BusError,
  ConfigError,
  InputError,
  StoreError,
  toBusError,
  type Ack,
  type Body,
  type Headers,
  type IngressBinding,
  type IngressConnector,
  type MessageSink,
  type Reply,
  type SourceStatus,
} from '@junction/core';
import {
  bodyFromBytes,
  charsetOf,
  compileExpression,
  createXmlCodec,
  type CompiledExpression,
  type WorkerPool,
  type XmlCodec,
  type XmlLimits,
  xmlText,
} from '@junction/transform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authorized } from '../shared/ingress-auth';
import { messageHeadersFrom } from '../shared/http-headers';
import { readTraceBlock } from './trace-header';
import { sendProblem, type HttpListener, type MountedPath } from '../shared/http-listener';
import { RETRY_AFTER_SECONDS, retryAfter } from '../shared/problem';
import { NonceCache } from './nonce-cache';
import { declaredPrefixes } from './payload-prefixes';
import { buildEnvelope, unquoteSoapAction, versionFromContentType, type SoapVersion } from './soap-envelope';
import { readSoapRequest, requestFrom, SOAP_READ, type SoapPayload, type SoapRequest } from './soap-request';
import { buildFault, faultFor } from './soap-fault';
import { operationForCall } from './soap-action';
import { checkMustUnderstand, UnderstoodBlocks } from './soap-must-understand';
import { loadWsdl, type WsdlCatalog, type WsdlOperation } from './wsdl-catalog';
import { PUBLISHED_CONTENT_TYPE, publishWsdl, publishedDocument, type PublishedWsdl } from './wsdl-publisher';
import { emptyOutput, serializeOutput } from './wsdl-serializer';
import { verifyUsernameToken, WSSE_NS } from './ws-security';
import { ListenerStatus } from '../shared/listener-status';
import { SoapValidation } from './soap-validation';

export interface SoapIngressOptions {
  /** The bus's public URL, written into published WSDLs; else taken from each request's Host header. */
  readonly publicUrl?: string;
  readonly xmlLimits?: Partial<XmlLimits>;
  /** When set, callers must send `Authorization: Bearer <token>` (as on HTTP ingress), for the WSDL too. */
  readonly token?: string;
  /** Serves the WSDL and its schemas without the token (they describe the service; the calls still need it). */
  readonly wsdlPublic?: boolean;
  /** Where large envelopes are read, off the event loop; without it, on it. */
  readonly xmlWorkers?: WorkerPool;
}

/** A SOAP service ready to take calls: its WSDL loaded, its ack expression compiled. */
interface Service {
  readonly routeId: string;
  readonly mode: 'sync' | 'async';
  readonly path: string;
  readonly config: SoapSourceDef;
  readonly wsdlFile: string;
  readonly catalog: WsdlCatalog;
  /** Namespace -> prefix the WSDL declares, for canonical payload prefixes. */
  readonly prefixes: ReadonlyMap<string, string>;
  readonly ack?: CompiledExpression;
  /** Reads the request for `ack` as the route reads its body: the route's `xml` arrays and namespace prefixes. */
  readonly reader: XmlCodec;
  readonly users?: ReadonlyMap<string, string>;
  readonly nonces: NonceCache;
  /** Header blocks the service understands: mustUnderstand ones outside it are refused. */
  readonly understood: UnderstoodBlocks;
  /** Published WSDLs by base URL (a few: one per name the bus is reached by). */
  readonly published: Map<string, Promise<PublishedWsdl>>;
  /** `validate`: the WSDL's schemas, when payloads are checked against them. */
  readonly validation?: SoapValidation;
}

const MAX_PUBLISHED_BASES = 8;
const NO_BYTES = Buffer.alloc(0);
const RESPONSE_TYPE: Record<SoapVersion, string> = {
  '1.1': 'text/xml; charset=utf-8',
  '1.2': 'application/soap+xml; charset=utf-8',
};

/**
 * SOAP ingress: services described by a WSDL, each on its own path of the shared HTTP listener. `POST <path>` takes
 * SOAP 1.1 (text/xml, SOAPAction) and 1.2 (application/soap+xml, action parameter); mandatory header blocks the
 * route does not understand get a MustUnderstand Fault (soap-must-understand.ts); the operation is the one the action
 * names, else the Body element's (soap-action.ts); the Body's element becomes the message (XML, its prefixes made
 * canonical: see payload-prefixes.ts) and SOAP header blocks become message headers (`soap-header-<name>`). Replies go back as the operation's response in the caller's SOAP version, errors
 * as Faults of that version with the message id. `GET <path>?wsdl` publishes the WSDL with its address set to the
 * bus, and its imports at `?xsd=<n>`.
 */
export class SoapIngress implements IngressConnector<SoapSourceDef> {
  readonly kind = 'soap';
  private sink?: MessageSink;
  private prepared = new Map<string, Service>();
  private closing = false;
  private readonly listenerStatus = new ListenerStatus();
  private inFlight = 0;
  private readonly codec: XmlCodec;
  private readonly token?: Buffer;

  constructor(
    private readonly listener: HttpListener,
    private readonly options: SoapIngressOptions = {},
  ) {
    this.codec = createXmlCodec({ limits: options.xmlLimits }, options.xmlWorkers);
    this.token = options.token ? Buffer.from(`Bearer ${options.token}`) : undefined;
  }

  /** Loads every WSDL of the new set (a file unreadable or not a WSDL is a ConfigError naming the route). */
  async prepare(bindings: readonly IngressBinding<SoapSourceDef>[]): Promise<void> {
    const services = new Map<string, Service>();
    const problems: string[] = [];
    for (const b of bindings) {
      try {
        services.set(b.routeId, await this.load(b));
      } catch (err) {
        const e = toBusError(err);
        problems.push(`route ${b.routeId}: ${e.message}`);
      }
    }
    if (problems.length > 0) throw new ConfigError(problems[0], problems);
    this.prepared = services;
  }

  async start(sink: MessageSink): Promise<void> {
    this.sink = sink;
    this.listener.start();
  }

  /** Each mounted route, connected while the listener serves it. */
  async status(): Promise<SourceStatus[]> {
    return this.listenerStatus.status();
  }

  bind(bindings: readonly IngressBinding<SoapSourceDef>[]): void {
    const table = new Map<string, MountedPath>();
    for (const b of bindings) {
      const service = this.prepared.get(b.routeId);
      if (!service) throw new ConfigError(`route ${b.routeId}: not prepared`);
      table.set(`POST ${service.path}`, { routeId: b.routeId, handle: (req, reply) => this.call(service, req, reply) });
      table.set(`GET ${service.path}`, { routeId: b.routeId, handle: (req, reply) => this.describe(service, req, reply) });
    }
    this.listener.mount(this.kind, table, (err, req, reply) => this.refused(err, req, reply));
    this.listenerStatus.mounted(bindings.map((b) => b.routeId));
  }

  async close(timeoutMs = 10_000): Promise<void> {
    this.closing = true;
    this.listenerStatus.stopped();
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  private async load(b: IngressBinding<SoapSourceDef>): Promise<Service> {
    const wsdlFile = resolve(b.baseDir, b.config.wsdl);
    const catalog = await loadWsdl(wsdlFile, { codec: this.codec });
    const { service } = b.config;
    if (service && !catalog.services.some((s) => s.name === service)) {
      throw new ConfigError(`${b.config.wsdl} has no service "${service}"`);
    }
    const rpc = SoapValidation.styleProblem(b.config.validate, catalog.operations.filter((o) => !service || o.service === service));
    if (rpc) throw new ConfigError(rpc);
    let ack: CompiledExpression | undefined;
    if (b.config.ack) ack = compileExpression(b.config.ack);
    const users = b.config.security?.usernameToken.users;
    return {
      routeId: b.routeId,
      mode: b.mode,
      path: b.config.path,
      config: b.config,
      wsdlFile,
      catalog,
      prefixes: declaredPrefixes(catalog),
      ack,
      reader: b.xml ? createXmlCodec({ ...b.xml, limits: this.options.xmlLimits }, this.options.xmlWorkers) : this.codec,
      users: users ? new Map(Object.entries(users)) : undefined,
      nonces: new NonceCache(),
      understood: new UnderstoodBlocks(b.config.understands, users !== undefined),
      published: new Map(),
      validation: SoapValidation.load(b.config.validate, b.config.wsdl, wsdlFile, this.codec),
    };
  }

  /** `GET <path>?wsdl` and the imported documents (with the token, unless published openly); else a 404. */
  private async describe(service: Service, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (this.token && !this.options.wsdlPublic && !authorized(req.headers.authorization, this.token)) {
      reply.header('www-authenticate', 'Bearer');
      return sendProblem(reply, 401, 'UNAUTHORIZED', 'missing or wrong bearer token');
    }
    const q = req.url.indexOf('?');
    // req.host and req.protocol follow X-Forwarded-Host and -Proto only from a proxy TRUST_PROXY trusts.
    const base = this.options.publicUrl ?? `${req.protocol}://${req.host || 'localhost'}`;
    let published = service.published.get(base);
    if (!published) {
      if (service.published.size >= MAX_PUBLISHED_BASES) service.published.clear();
      published = publishWsdl(service.wsdlFile, base, service.path, { codec: this.codec });
      service.published.set(base, published);
    }
    let doc: string | undefined;
    try {
      doc = q === -1 ? undefined : publishedDocument(await published, req.url.slice(q + 1));
    } catch (err) {
      service.published.delete(base);
      return sendProblem(reply, 500, 'WSDL_UNAVAILABLE', toBusError(err).message);
    }
    if (doc === undefined) return sendProblem(reply, 404, 'NO_DOCUMENT', `${service.path} serves ?wsdl and its imports`);
    void reply.code(200).type(PUBLISHED_CONTENT_TYPE).send(doc);
  }

  /** One SOAP call: envelope, security, operation, the bus, and the response or Fault of the caller's version. */
  private async call(service: Service, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const media = versionFromContentType(req.headers['content-type']);
    const version: SoapVersion = media?.version ?? '1.1';
    const fault = (err: unknown, known?: string) => {
      const e = toBusError(err);
      const messageId = known ?? e.messageId;
      const f = faultFor(err, version, messageId);
      if (messageId) reply.header('x-message-id', messageId);
      // Refusals that pass say when to call again, as the HTTP ingress's 503 does: a full backlog (a Receiver Fault sent
      // as 503), a store outage, a shutdown.
      const wait = retryAfter(err);
      if (wait) reply.header('retry-after', wait);
      else if (e instanceof StoreError || e.code === 'SHUTTING_DOWN') reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      void reply.code(wait ? 503 : f.status).type(f.contentType).send(f.body);
    };
    // A call refused before the bus made a message of it (the envelope unread, unreadable or refused): counted here.
    const refuse = (err: unknown) => {
      this.listener.refusedBeforeBus(service.routeId, toBusError(err));
      fault(err);
    };
    if (this.closing) return refuse(new InputError('SHUTTING_DOWN', 'the bus is shutting down', 503));
    if (this.token && !authorized(req.headers.authorization, this.token)) {
      return refuse(new InputError('UNAUTHORIZED', 'missing or wrong bearer token', 401));
    }
    if (!media) {
      const given = req.headers['content-type'] ?? 'none';
      this.listener.refusedBeforeBus(service.routeId, new InputError('UNSUPPORTED_MEDIA_TYPE', `expected a SOAP content type, got "${given}"`, 415));
      const f = buildFault('1.1', { side: 'client', code: 'UNSUPPORTED_MEDIA_TYPE', reason: `expected text/xml or application/soap+xml, got "${given}"` });
      return void reply.code(415).type(f.contentType).send(f.body);
    }
    let envelope: SoapRequest;
    let operation: WsdlOperation;
    try {
      // Read once: the payload is made canonical on the envelope's tree and the bus takes its value from it.
      envelope = await this.read(service, Buffer.isBuffer(req.body) ? req.body : NO_BYTES, charsetOf(req.headers['content-type']));
      if (envelope.version !== version) {
        throw new InputError('SOAP_VERSION_MISMATCH', `a SOAP ${envelope.version} envelope sent as SOAP ${version}`);
      }
      // The processing model: mandatory blocks are checked before any is processed (WS-Security included).
      checkMustUnderstand(envelope.headers, version, service.understood);
      if (service.users) {
        verifyUsernameToken(envelope.headers, { users: service.users, nonces: service.nonces, maxSkewMs: service.config.security?.usernameToken.maxSkewMs });
      }
      if (!envelope.name) throw new InputError('SOAP_EMPTY_BODY', 'the SOAP Body is empty');
      const payload = envelope.name;
      const action = version === '1.1' ? unquoteSoapAction(header(req, 'soapaction')) : media.action;
      const found = operationForCall(service.catalog, { version, action, payload, service: service.config.service, path: service.path });
      if (!found) {
        throw new InputError('SOAP_UNKNOWN_OPERATION', `no operation of ${service.path} takes {${payload.ns}}${payload.localName}`);
      }
      operation = found;
    } catch (err) {
      return refuse(err);
    }
    let ack: Ack;
    let payload: SoapPayload;
    const answered = operation;
    this.inFlight++;
    try {
      payload = envelope.payload();
      // validate: request refuses the call through the bus (journaled as dead); response is checked as the reply is
      // rendered (responseReply).
      const refused = await service.validation?.refusal(xmlText(Buffer.isBuffer(req.body) ? req.body : NO_BYTES, charsetOf(req.headers['content-type'])), version);
      ack = await this.sink!.dispatch(service.routeId, {
        ...(refused ? { refused } : {}),
        source: { kind: 'soap', address: service.path },
        headers: soapHeaders(req, envelope, operation),
        body: payload.xml,
        contentType: 'application/xml',
        parsed: payload.doc,
        checked: true,
        prepareReply: (r) => this.responseReply(version, service, answered, r),
        prepareAccepted: (id) => this.acceptedReply(version, service, answered, payload, id),
      });
    } catch (err) {
      return fault(err);
    } finally {
      this.inFlight--;
    }
    reply.header('x-message-id', ack.messageId);
    if (!operation.output) return void reply.code(202).send();
    try {
      const response =
        ack.kind === 'reply'
          ? ack.reply.body.bytes()
          : ack.kind === 'accepted' && ack.response
            ? ack.response.body.bytes()
            : buildEnvelope(version, await this.acceptedXml(service, operation, payload, ack.messageId));
      void reply.code(200).type(RESPONSE_TYPE[version]).send(response);
    } catch (err) {
      return fault(err, ack.messageId);
    }
  }

  /**
   * A request refused before (or around) its handler, a body over the limit above all: a Fault of the version its
   * Content-Type names (1.1 when it names none) rather than a problem body; a transport refusal keeps its HTTP status
   * (413), which SOAP clients report with the Fault; a full XML-worker backlog (the listener refuses a large envelope
   * before reading it) is a Receiver Fault sent as 503 with Retry-After, as in `call`.
   */
  private refused(err: BusError, req: FastifyRequest, reply: FastifyReply): void {
    const version = versionFromContentType(req.headers['content-type'])?.version ?? '1.1';
    const f = faultFor(err, version);
    const wait = retryAfter(err);
    if (wait) reply.header('retry-after', wait);
    void reply.code(wait ? 503 : err instanceof InputError ? err.status : f.status).type(f.contentType).send(f.body);
  }

  /** The request, read on a worker when it is large (the event loop stays free), else right here. */
  private async read(service: Service, bytes: Buffer, charset: string | undefined): Promise<SoapRequest> {
    const workers = this.options.xmlWorkers;
    if (!workers?.takes(bytes.length)) return readSoapRequest(bytes, this.codec, service.prefixes, charset);
    const input = { limits: this.codec.limits, bytes, charset, prefixes: [...service.prefixes] };
    return requestFrom(await workers.run(SOAP_READ, input, 'refuse'));
  }

  /**
   * A sync route's reply as the response envelope the caller gets, made before the exchange is journaled: a reply the
   * operation's response cannot hold is a Server Fault (`REPLY_UNWRITABLE`), one the schema refuses (`validate:
   * response`) a Server Fault `SOAP_RESPONSE_INVALID`, and the message is journaled as failed. A one-way operation answers 202 with nothing, whatever the reply.
   */
  private async responseReply(version: SoapVersion, service: Service, operation: WsdlOperation, r: Reply): Promise<Reply> {
    if (!operation.output) return r;
    let xml: string;
    try {
      xml = this.responseXml(service, operation, r.body);
    } catch (err) {
      const reason = toBusError(err).message;
      throw new BusError('REPLY_UNWRITABLE', `the reply cannot be written as the ${operation.name} response: ${reason}`, { cause: err });
    }
    // validate: response (or both) refuses a written reply the WSDL's schema does not take: SOAP_RESPONSE_INVALID.
    await service.validation?.checkResponse(xml);
    xml = buildEnvelope(version, xml);
    return { status: 200, headers: r.headers, body: bodyFromBytes(Buffer.from(xml, 'utf8'), RESPONSE_TYPE[version], this.codec) };
  }

  /**
   * An async route's response (the route's `ack` over the request, as the operation's response element), made before
   * the message is committed: one the response element cannot hold refuses the message with a Server Fault
   * (`REPLY_UNWRITABLE`), so that the caller never gets a Fault for a message the bus goes on to deliver.
   */
  private async acceptedReply(version: SoapVersion, service: Service, operation: WsdlOperation, payload: SoapPayload, messageId: string): Promise<Reply> {
    if (!operation.output) return { status: 202, headers: {}, body: bodyFromBytes(Buffer.alloc(0), 'application/xml', this.codec) };
    let xml: string;
    try {
      xml = await this.acceptedXml(service, operation, payload, messageId);
    } catch (err) {
      const reason = toBusError(err).message;
      throw new BusError('REPLY_UNWRITABLE', `the acknowledgement cannot be written as the ${operation.name} response: ${reason}`, { cause: err });
    }
    // validate: response refuses the message before it is committed (SOAP_RESPONSE_INVALID, a Server Fault).
    await service.validation?.checkResponse(xml);
    xml = buildEnvelope(version, xml);
    return { status: 200, headers: {}, body: bodyFromBytes(Buffer.from(xml, 'utf8'), RESPONSE_TYPE[version], this.codec) };
  }

  /** The reply as the operation's response element: XML already of that element as is, anything else via the WSDL. */
  private responseXml(service: Service, operation: WsdlOperation, body: Body): string {
    const output = operation.output!;
    if (body.format === 'xml') {
      const value = body.value() as Record<string, unknown>;
      const root = Object.keys(value).find((k) => k !== '?xml');
      const local = root?.slice(root.indexOf(':') + 1);
      if (local === output.localName) return body.bytes().toString('utf8');
      return serializeOutput(service.catalog, operation, root ? value[root] : {});
    }
    return serializeOutput(service.catalog, operation, body.value());
  }

  /** An async route's response element: the route's `ack` over the request, written through the WSDL, else the
   *  bare response element. */
  private async acceptedXml(service: Service, operation: WsdlOperation, payload: SoapPayload, messageId: string): Promise<string> {
    if (!service.ack) return emptyOutput(operation);
    return serializeOutput(service.catalog, operation, await this.acknowledgement(service, payload, messageId));
  }

  /** The response of an async route: the route's `ack` over the request, else an empty response element. */
  private async acknowledgement(service: Service, payload: SoapPayload, messageId: string): Promise<unknown> {
    if (!service.ack) return {};
    const request =
      (payload.doc !== undefined ? service.reader.reread(payload.doc, payload.xml) : undefined) ?? (await service.reader.parseAsync(payload.xml));
    return service.ack.evaluate(request, { messageId });
  }
}

/** Message headers of a SOAP call: the HTTP ones, the operation, and each SOAP header block but wsse:Security. */
function soapHeaders(req: FastifyRequest, envelope: SoapRequest, operation: WsdlOperation): Headers {
  const headers = messageHeadersFrom(req.headers, req.socket.remoteAddress);
  delete headers['soapaction'];
  headers['soap-operation'] = operation.name;
  headers['soap-version'] = operation.version;
  if (operation.soapAction) headers['soap-action'] = operation.soapAction;
  for (const block of envelope.headers) {
    if (block.ns === WSSE_NS || readTraceBlock(block, headers)) continue;
    headers[`soap-header-${block.localName.toLowerCase()}`] = block.text ?? JSON.stringify(block.value);
  }
  return headers;
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}


