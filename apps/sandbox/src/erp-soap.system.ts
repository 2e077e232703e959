import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, RequestListener, Server as HttpServer, ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { listen, type IServerOptions } from 'soap';
import type { ErpBackend } from './erp.backend';
import { createErpSoapServices, ERP_OPERATIONS, ERP_WSDL_NAMES, type ErpOperation } from './erp-soap.operations';
import { erpErrorReply } from './erp.system';
import type { FaultDecision, InjectedFault } from './sandbox.faults';
import type { SandboxReply, SandboxRequest } from './sandbox.http';
import {
  actionOf,
  childElement,
  readEnvelope,
  soapFault,
  textOf,
  type FaultCode,
  type SoapFaultSpec,
  type SoapVersion,
} from './sandbox.soap';
import { checkUsernameToken, WSSE_NS, type UsernameCredentials } from './sandbox.wssecurity';

/** Where the ERP's SOAP service answers; its WSDL is at `?wsdl`. */
export const ERP_SOAP_PATH = '/erp/soap';
/** Request header that makes the ERP answer a Fault with HTTP 200: `server` or `client`. */
export const FAULT_200_HEADER = 'x-sandbox-fault-200';
/** The schema erp.wsdl imports, where its relative schemaLocation resolves from `/erp/soap?wsdl` (and `/erp/soap/`). */
const SCHEMA_PATHS = ['/erp/erp-types.xsd', '/erp/soap/erp-types.xsd'];

/** What the sandbox does with one request to the ERP's SOAP paths. */
export type ErpSoapAnswer =
  /** The sandbox answers by itself: a Fault node-soap never sees, the schema, a wrong method. */
  | {
      readonly kind: 'reply';
      readonly reply: SandboxReply;
      readonly operation?: ErpOperation;
      /** Set when the Fault was injected on purpose, and how. */
      readonly injected?: InjectedFault['source'];
    }
  /** node-soap answers, through `serve`, in this SOAP version. */
  | { readonly kind: 'soap'; readonly version: SoapVersion; readonly operation?: ErpOperation };

/**
 * The ERP as a SOAP service (apps/sandbox/wsdl/erp.wsdl, document/literal, SOAP 1.1 and 1.2 ports on one address),
 * served by node-soap on the sandbox's HTTP server. The sandbox server keeps the first look at every request, so that
 * SOAP calls get the same body limit, fault injection, delay and recording as the other systems:
 * - `describe` answers the service description: `GET /erp/soap?wsdl` (node-soap writes the WSDL, with the soap:address
 *   locations set to the sandbox's URL) and `GET /erp/erp-types.xsd`. These are never failed on purpose nor recorded.
 * - `screen` takes a call (a POST): injected faults (`x-sandbox-fail`, scheduled, random) become a Server (1.1) /
 *   Receiver (1.2) Fault with that status (Client / Sender below 500); `x-sandbox-fault-200: server|client` a Fault
 *   with HTTP 200; an unreadable envelope, a body element no operation takes, an action that does not match it, or a
 *   missing or wrong UsernameToken (when credentials are set) a Client / Sender Fault. The rest goes to node-soap.
 * - `serve` hands a screened call to node-soap, whose service methods check the input (Client / Sender Faults) and
 *   answer in the version of the request. When the request's wsse:Security holds a wsu:Timestamp, node-soap adds a
 *   Timestamp of its own in a mustUnderstand wsse:Security header of the answer, as WCF services do.
 * SOAP 1.1 Faults are HTTP 500 (WS-I Basic Profile), SOAP 1.2 Sender Faults 400 and Receiver Faults 500, unless
 * injected with another status.
 */
export interface ErpSoapService {
  /** Whether `path` is one of the service's: `/erp/soap` or the schema its WSDL imports. */
  owns(path: string): boolean;
  /** The answer to a request that is not a call (anything but a POST to `/erp/soap`); undefined for a call. */
  describe(req: SandboxRequest): ErpSoapAnswer | undefined;
  /** Decides what answers a call, fault injection having been decided by `decision`. */
  screen(req: SandboxRequest, decision: FaultDecision): ErpSoapAnswer;
  /**
   * Has node-soap answer on `res`, with `body` as the request body (already read). node-soap handles a request with
   * its body given and synchronous service methods synchronously, so the answer is written when this returns.
   */
  serve(req: IncomingMessage, res: ServerResponse, body: string, version: SoapVersion): void;
}

export interface ErpSoapOptions {
  /** The sandbox's base URL, without a trailing slash: the WSDL's ports point at `${baseUrl}/erp/soap`. */
  readonly baseUrl: string;
  readonly backend: ErpBackend;
  /** When set, every call must carry a WS-Security UsernameToken (PasswordText or PasswordDigest) with these. */
  readonly credentials?: UsernameCredentials;
}

/**
 * Starts node-soap on `server` (which must be listening, for its URL) with one node-soap server per SOAP version:
 * node-soap writes every answer of a server in the one envelope version it is configured with. Rejects when the WSDL
 * cannot be read or parsed.
 */
export async function startErpSoap(server: HttpServer, options: ErpSoapOptions): Promise<ErpSoapService> {
  const dir = erpWsdlDir();
  const wsdlFile = join(dir, 'erp.wsdl');
  const xml = withAddress(readFileSync(wsdlFile, 'utf8'), `${options.baseUrl}${ERP_SOAP_PATH}`);
  const schema = readFileSync(join(dir, 'erp-types.xsd'), 'utf8');
  const listener = async (version: SoapVersion) =>
    takeSoapListener(server, {
      path: ERP_SOAP_PATH,
      services: createErpSoapServices(version, options.backend),
      xml,
      // Resolves the schema import from the file, not over HTTP from the sandbox itself.
      uri: wsdlFile,
      forceSoap12Headers: version === '1.2',
      oneWay: { responseCode: 202 },
      suppressStack: true,
    });
  const listeners: Record<SoapVersion, RequestListener> = { '1.1': await listener('1.1'), '1.2': await listener('1.2') };

  const fault = (
    version: SoapVersion,
    code: FaultCode,
    reason: string,
    more: Pick<SoapFaultSpec, 'status' | 'subcode'> & { operation?: ErpOperation; injected?: InjectedFault['source'] } = {},
  ): ErpSoapAnswer => {
    const { operation, injected, ...spec } = more;
    return {
      kind: 'reply',
      reply: soapFault(version, { code, reason, ...spec }),
      ...(operation ? { operation } : {}),
      ...(injected ? { injected } : {}),
    };
  };
  const document = (status: number, body: string): ErpSoapAnswer => ({
    kind: 'reply',
    reply: { status, headers: { 'content-type': 'application/xml; charset=utf-8' }, body },
  });
  const notAllowed = (reason: string, allow: string): ErpSoapAnswer => {
    const reply = erpErrorReply(405, reason);
    return { kind: 'reply', reply: { ...reply, headers: { ...reply.headers, allow } } };
  };

  return {
    owns: (path) => path === ERP_SOAP_PATH || path === `${ERP_SOAP_PATH}/` || SCHEMA_PATHS.includes(path),

    describe(req) {
      if (SCHEMA_PATHS.includes(req.path)) {
        return req.method === 'GET' ? document(200, schema) : notAllowed(`${req.method} not allowed on ${req.path}`, 'GET');
      }
      if (req.method === 'POST') return undefined;
      if (req.method === 'GET' && [...req.query.keys()][0]?.toLowerCase() === 'wsdl') return { kind: 'soap', version: '1.1' };
      return notAllowed(`POST a SOAP envelope to ${ERP_SOAP_PATH}, or GET ${ERP_SOAP_PATH}?wsdl`, 'GET, POST');
    },

    screen(req, decision) {
      const read = readEnvelope(req.body, req.headers['content-type']);
      const version = read.ok ? read.envelope.version : read.version;
      const operation = read.ok ? operationOf(read.envelope.payload) : undefined;
      if (decision.kind === 'invalid') return fault(version, 'client', decision.message, { status: 400, operation });
      if (decision.kind === 'fault') {
        const { status, source } = decision.fault;
        const reason = `fault injected by the sandbox (${source})`;
        const answer = fault(version, status >= 500 ? 'server' : 'client', reason, { status, operation, injected: source });
        if (status !== 429 || answer.kind !== 'reply') return answer;
        return { ...answer, reply: { ...answer.reply, headers: { ...answer.reply.headers, 'retry-after': '1' } } };
      }
      const fault200 = req.headers[FAULT_200_HEADER]?.trim().toLowerCase();
      if (fault200 === 'server' || fault200 === 'client') {
        const reason = `fault injected by the sandbox (${FAULT_200_HEADER})`;
        return fault(version, fault200, reason, { status: 200, operation, injected: 'header' });
      }
      if (fault200 !== undefined) {
        const reason = `${FAULT_200_HEADER} must be server or client, got "${fault200}"`;
        return fault(version, 'client', reason, { status: 400, operation });
      }
      if (!read.ok) return fault(version, 'client', read.reason, { status: read.status });
      const { header, payload } = read.envelope;
      if (operation === undefined) {
        const expected = Object.values(ERP_OPERATIONS).map((o) => `{${ERP_WSDL_NAMES.typesNamespace}}${o.element}`);
        const given = `{${payload.ns ?? ''}}${payload.localName}`;
        return fault(version, 'client', `no operation takes ${given}; expected one of ${expected.join(', ')}`);
      }
      const action = actionOf(req.headers, version);
      const expectedAction = ERP_OPERATIONS[operation].action;
      if (action !== '' && action !== expectedAction) {
        const reason = `action "${action}" does not match the body's ${operation}: expected "${expectedAction}"`;
        return fault(version, 'client', reason, { operation });
      }
      if (options.credentials) {
        const check = checkUsernameToken(header, options.credentials, Date.now());
        const subcode = check.ok ? undefined : { qname: `wsse:${check.failure}`, ns: WSSE_NS };
        if (!check.ok) return fault(version, 'client', check.reason, { operation, subcode });
      }
      if (operation === 'NotifyShipment') {
        // One-way: node-soap answers before its method runs, so the input is checked here.
        const missing = ['OrderId', 'TrackingNo'].filter((name) => textOf(childElement(payload, name)) === '');
        const reason = `expected a non-empty ${missing.join(' and ')} in ShipmentNotice`;
        if (missing.length > 0) return fault(version, 'client', reason, { operation });
      }
      return { kind: 'soap', version, operation };
    },

    serve(req, res, body, version) {
      // node-soap reads `req.body` when a framework has read the stream already, as the sandbox has.
      Object.assign(req, { body });
      listeners[version](req, res);
    },
  };
}

/** The operation whose input element is `payload` (by namespace and name), if any. */
function operationOf(payload: { localName: string; ns: string | undefined }): ErpOperation | undefined {
  if (payload.ns !== ERP_WSDL_NAMES.typesNamespace) return undefined;
  return (Object.keys(ERP_OPERATIONS) as ErpOperation[]).find((op) => ERP_OPERATIONS[op].element === payload.localName);
}

/** Sets the location of every soap:address and soap12:address in a WSDL. */
export function withAddress(wsdl: string, location: string): string {
  return wsdl.replace(/(<[\w-]+:address\s+location=")[^"]*(")/g, `$1${location}$2`);
}

/**
 * apps/sandbox/wsdl, from the sources (apps/sandbox/src) or from the build (dist/apps/sandbox/src: the TypeScript
 * build does not copy the WSDL, so it is read from the sources beside dist).
 */
export function erpWsdlDir(): string {
  const candidates = [resolve(__dirname, '../wsdl'), resolve(__dirname, '../../../../apps/sandbox/wsdl')];
  const found = candidates.find((dir) => existsSync(join(dir, 'erp.wsdl')));
  if (!found) throw new Error(`the ERP's WSDL is not in ${candidates.join(' nor ')}`);
  return found;
}

/**
 * soap.listen puts its own 'request' listener in front of the server's (it answers its path and passes the rest on).
 * This takes it back out, so that the sandbox decides which requests node-soap sees, and returns it.
 */
function takeSoapListener(server: HttpServer, options: Omit<IServerOptions, 'callback'>): Promise<RequestListener> {
  const before = server.listeners('request');
  return new Promise((resolve, reject) => {
    listen(server, {
      ...options,
      callback: (err: unknown) => {
        const installed = server.listeners('request').filter((l) => !before.includes(l));
        server.removeAllListeners('request');
        for (const l of before) server.on('request', l as RequestListener);
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        if (installed.length !== 1) {
          return reject(new Error(`soap.listen installed ${installed.length} request listeners, expected 1`));
        }
        resolve(installed[0] as RequestListener);
      },
    });
  });
}
