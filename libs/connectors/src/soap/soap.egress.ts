import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SoapTargetDef } from './soap.config';
import {
  ConfigError,
  DeliveryError,
  toBusError,
  type EgressConnector,
  type EgressEndpoint,
  type EndpointContext,
  type Headers,
  type Message,
  type Reply,
  outgoingTraceHeaders,
} from '@junction/core';
import { BytesBody, charsetOf, createXmlCodec, type XmlCodec, xmlText } from '@junction/transform';
import { Pool } from 'undici';
import { forwardable } from '../shared/http-headers';
import { traceHeaderBlocks } from './trace-header';
import { sendRequest, statusError } from '../shared/http-request';
import { buildEnvelope, parseEnvelope, soapRequestHeaders, type SoapVersion } from './soap-envelope';
import { canonicalPayload, declaredPrefixes } from './payload-prefixes';
import { parseFault } from './soap-fault';
import { loadWsdl, operationNamed, type WsdlCatalog, type WsdlOperation } from './wsdl-catalog';
import { serializeInput } from './wsdl-serializer';
import { usernameTokenHeader } from './ws-security';
import { SoapValidation } from './soap-validation';

/**
 * SOAP delivery: a target is an operation of a WSDL (file or URL, loaded on first use and cached per location). The
 * message becomes the request: an XML body is sent as the Body's element as it is, a JSON body is written as the
 * operation's request element through the WSDL's schema. The response's Body element is the reply (XML, prefixes made
 * canonical as on ingress). A Fault is
 * recognised whatever the HTTP status (also 200): Server/Receiver faults are retriable, Client/Sender faults are not.
 */
export class SoapEgress implements EgressConnector<SoapTargetDef> {
  readonly kind = 'soap';
  private readonly catalogs = new Map<string, Promise<WsdlCatalog>>();
  private readonly pools = new Map<string, Pool>();
  private readonly codec: XmlCodec = createXmlCodec();

  endpoint(config: SoapTargetDef, context: EndpointContext): EgressEndpoint {
    const remote = /^https?:\/\//i.test(config.wsdl);
    const location = remote ? config.wsdl : resolve(context.baseDir, config.wsdl);
    if (!remote && !existsSync(location)) throw new ConfigError(`WSDL ${config.wsdl} not found`);
    const tls = config.security?.tls ? readTls(config.security.tls, context.baseDir) : undefined;
    const basic = config.security?.basicAuth
      ? `Basic ${Buffer.from(`${config.security.basicAuth.username}:${config.security.basicAuth.password}`).toString('base64')}`
      : undefined;
    const token = config.security?.usernameToken;
    const validation = SoapValidation.load(config.validate, config.wsdl, location, this.codec);
    let resolved:
      | Promise<{ operation: WsdlOperation; catalog: WsdlCatalog; url: URL; pool: Pool; prefixes: ReadonlyMap<string, string> }>
      | undefined;
    const prepare = () =>
      (resolved ??= this.catalog(location).then((catalog) => {
        const operation = operationNamed(catalog, { name: config.operation, service: config.service, version: config.version as SoapVersion | undefined });
        if (!operation) throw new ConfigError(`${config.wsdl} has no operation ${config.operation}${config.version ? ` in SOAP ${config.version}` : ''}`);
        const rpc = SoapValidation.styleProblem(config.validate, [operation]);
        if (rpc) throw new ConfigError(rpc);
        const port = catalog.services.find((s) => s.name === operation.service)?.ports.find((p) => p.name === operation.port);
        const address = config.endpoint ?? port?.address;
        if (!address) throw new ConfigError(`${config.wsdl}: no address for ${config.operation}; set endpoint`);
        const url = new URL(address);
        return { operation, catalog, url, pool: this.pool(url.origin, tls), prefixes: declaredPrefixes(catalog) };
      }));
    const description = `SOAP ${config.operation} ${config.endpoint ? new URL(config.endpoint).origin : config.wsdl}`;

    return {
      description,
      send: async (message: Message, signal?: AbortSignal): Promise<Reply> => {
        let target: Awaited<ReturnType<typeof prepare>>;
        try {
          target = await prepare();
        } catch (err) {
          resolved = undefined;
          const e = toBusError(err);
          // An unreachable remote WSDL may come back; a wrong operation name will not.
          throw new DeliveryError('SOAP_WSDL_UNAVAILABLE', `${description}: ${e.message}`, { retriable: remote && !(err instanceof ConfigError), cause: err });
        }
        const { operation, catalog, url, pool } = target;
        const payload =
          message.body.format === 'xml'
            ? message.body.bytes().toString('utf8')
            : serializeInput(catalog, operation, message.body.value());
        await validation?.checkOutgoing(payload, description);
        const trace = outgoingTraceHeaders(message);
        const headerXml = traceHeaderBlocks(trace);
        if (token) headerXml.unshift(usernameTokenHeader({ username: token.username, password: token.password, digest: token.digest }));
        const headers: Headers = {
          ...forwardable(message.headers),
          ...trace,
          ...soapRequestHeaders(operation.version, operation.soapAction),
        };
        if (basic) headers.authorization = basic;
        const res = await sendRequest(pool, {
          method: 'POST',
          path: url.pathname + url.search,
          headers,
          body: buildEnvelope(operation.version, payload, headerXml),
          timeoutMs: config.timeoutMs,
          signal,
          description,
        });
        const fault = looksLikeXml(res.bytes) ? safe(() => parseFault(res.bytes, this.codec)) : undefined;
        if (fault) {
          throw new DeliveryError(`SOAP_FAULT_${fault.side.toUpperCase()}`, `${description}: ${fault.code}: ${fault.reason}`, {
            retriable: fault.side === 'server',
            status: res.status,
            reply: res.bytes.subarray(0, 2048).toString('utf8'),
          });
        }
        if (res.status < 200 || res.status >= 300) throw statusError(res, description);
        if (!operation.output || res.bytes.length === 0) {
          return { status: res.status, headers: res.headers, body: new BytesBody(Buffer.alloc(0), 'application/xml') };
        }
        let envelope;
        try {
          envelope = parseEnvelope(res.bytes, this.codec);
        } catch (err) {
          throw new DeliveryError('SOAP_BAD_RESPONSE', `${description}: ${toBusError(err).message}`, { retriable: false, cause: err });
        }
        await validation?.checkReply(xmlText(res.bytes, charsetOf(res.headers['content-type'])), operation.version, description);
        // Prefixes made canonical as on ingress, so that reply steps name elements whatever the server chose.
        const xml = envelope.payload ? canonicalPayload(envelope.payload.xml, this.codec, target.prefixes) : '';
        return { status: res.status, headers: res.headers, body: new BytesBody(Buffer.from(xml), 'application/xml') };
      },
    };
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.close().catch(() => undefined)));
  }

  private catalog(location: string): Promise<WsdlCatalog> {
    let c = this.catalogs.get(location);
    if (!c) {
      c = loadWsdl(location, { codec: this.codec });
      c.catch(() => this.catalogs.delete(location));
      this.catalogs.set(location, c);
    }
    return c;
  }

  private pool(origin: string, tls?: TlsFiles): Pool {
    const key = tls ? `${origin} ${tls.id}` : origin;
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new Pool(origin, {
        connections: 64,
        keepAliveTimeout: 30_000,
        ...(tls ? { connect: { cert: tls.cert, key: tls.key, ca: tls.ca, passphrase: tls.passphrase } } : {}),
      });
      this.pools.set(key, pool);
    }
    return pool;
  }
}

interface TlsFiles {
  readonly id: string;
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca?: Buffer;
  readonly passphrase?: string;
}

/** Reads a client certificate and key (and CA) once, at route load. */
function readTls(tls: NonNullable<NonNullable<SoapTargetDef['security']>['tls']>, baseDir: string): TlsFiles {
  const read = (file: string) => {
    try {
      return readFileSync(resolve(baseDir, file));
    } catch {
      throw new ConfigError(`cannot read ${file}`);
    }
  };
  return {
    id: `${tls.cert}|${tls.key}|${tls.ca ?? ''}`,
    cert: read(tls.cert),
    key: read(tls.key),
    ca: tls.ca ? read(tls.ca) : undefined,
    passphrase: tls.passphrase,
  };
}

function looksLikeXml(bytes: Buffer): boolean {
  for (const b of bytes.subarray(0, 64)) {
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 || b === 0xef || b === 0xbb || b === 0xbf) continue;
    return b === 0x3c;
  }
  return false;
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

