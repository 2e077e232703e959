import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { listen } from 'soap';
import { withAddress } from '../erp-soap.system';

/** routes/wsdl, where the legacy order service's WSDL and schema are. */
export const ROUTES_WSDL_DIR = resolve(__dirname, '../../../../routes/wsdl');

/** One SubmitOrder the stand-in answered, as node-soap parsed it, with the HTTP headers it came with. */
export interface StandInCall {
  readonly args: Record<string, unknown>;
  readonly headers: IncomingHttpHeaders;
}

export interface LegacySoapStandIn {
  readonly url: string;
  readonly calls: StandInCall[];
  /** GET requests for the WSDL (`/soap/orders?wsdl`), whatever they were answered. */
  readonly wsdlRequests: IncomingHttpHeaders[];
  /** Starts publishing the service (when started with `publish: false`). */
  publish(): void;
  close(): Promise<void>;
}

/**
 * A minimal stand-in for the bus's SOAP ingress: routes/wsdl/legacy-orders.wsdl published by node-soap at
 * `/soap/orders` (the WSDL at `?wsdl` with its address set to the stand-in, the schema where its relative location
 * resolves), and a SubmitOrder that answers ACCEPTED with MessageId `m-<n>`, REJECTED for a Total of 0, and a Client
 * Fault for an OrderNo starting with `L-FAULT`. Until `publish`, everything under /soap answers 404.
 */
export async function startLegacySoapStandIn(options: { publish?: boolean } = {}): Promise<LegacySoapStandIn> {
  let published = options.publish ?? true;
  const calls: StandInCall[] = [];
  const wsdlRequests: IncomingHttpHeaders[] = [];
  const schema = readFileSync(join(ROUTES_WSDL_DIR, 'legacy-orders-types.xsd'), 'utf8');
  const server = createServer((req, res) => {
    if (req.url === '/soap/legacy-orders-types.xsd' && published) return res.end(schema);
    res.writeHead(404, { 'content-type': 'application/problem+json' });
    res.end('{"title":"Not Found","status":404}');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const wsdlFile = join(ROUTES_WSDL_DIR, 'legacy-orders.wsdl');
  const port = {
    SubmitOrder(args: Record<string, unknown>, _cb: unknown, _soapHeaders: unknown, req: { headers: IncomingHttpHeaders }) {
      calls.push({ args, headers: req.headers });
      const order = args.Order as { OrderNo: string; Total: unknown };
      if (order.OrderNo.startsWith('L-FAULT')) {
        throw { Fault: { faultcode: 'soap:Client', faultstring: `order ${order.OrderNo} is not valid`, statusCode: 500 } };
      }
      if (Number(order.Total) === 0) return { OrderNo: order.OrderNo, Status: 'REJECTED' };
      return { OrderNo: order.OrderNo, Status: 'ACCEPTED', MessageId: `m-${calls.length}` };
    },
    CancelOrder: () => undefined,
  };
  await new Promise<void>((done, fail) => {
    listen(server, {
      path: '/soap/orders',
      services: { LegacyOrderService: { LegacyOrderSoap11Port: port, LegacyOrderSoap12Port: port } },
      xml: withAddress(readFileSync(wsdlFile, 'utf8'), `${url}/soap/orders`),
      uri: wsdlFile,
      callback: (err: unknown) => (err ? fail(err) : done()),
    });
  });
  // In front of node-soap: counts WSDL requests and answers 404 while the service is not published.
  const soapListeners = server.listeners('request') as ((...args: unknown[]) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req, res) => {
    if (req.method === 'GET' && /^\/soap\/orders\/?\?wsdl/i.test(req.url ?? '')) wsdlRequests.push(req.headers);
    if (!published && req.url?.startsWith('/soap/orders')) {
      res.writeHead(404, { 'content-type': 'application/problem+json' });
      return res.end('{"title":"no route on /soap/orders","status":404}');
    }
    for (const l of soapListeners) l(req, res);
  });
  return {
    url,
    calls,
    wsdlRequests,
    publish: () => {
      published = true;
    },
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
