import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRoutes, routeSchemas } from '@junction/config';
import { ConfigError, type IngressBinding } from '@junction/core';
import type { FastifyInstance } from 'fastify';
import { HttpListener } from '../shared/http-listener';
import { soapConnector } from '../soap/soap.connector';
import type { HttpSourceDef } from './http.config';
import { httpConnector } from './http.connector';
import { HttpIngress } from './http.ingress';

const CONNECTORS = [httpConnector, soapConnector] as const;

describe('HTTP connector: route file', () => {
  const schemas = routeSchemas(CONNECTORS);
  const issues = (from: unknown, url = 'http://crm.local/x') =>
    (schemas.route.safeParse({ id: 'r', from, to: [{ http: { url } }] }).error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);

  it('takes GET and DELETE besides POST, PUT and PATCH, and path parameters', () => {
    expect(issues({ http: { path: '/customers/:id', method: ['GET', 'DELETE', 'PATCH'] } })).toEqual([]);
  });

  it('refuses a malformed path parameter, and an expression in the origin of a target URL, where they are written', () => {
    expect(issues({ http: { path: '/customers/:1' } })).toEqual([
      'from.http.path: a segment starting with ":" is a parameter: ":" then a name of letters, digits and "_"',
    ]);
    expect(issues({ http: { path: '/c' } }, 'http://{$params.host}/x')).toEqual([
      'to.0.http.url: an expression may not stand in the scheme, host or port of a URL',
    ]);
    expect(issues({ http: { path: '/c' } }, 'not a url')).toEqual(['to.0.http.url: expected a URL']);
  });

  it('claims patterns without their parameter names, and a SOAP service claims GET on its path too', () => {
    expect(schemas.sourceKeys({ http: { path: '/customers/:id/orders', method: ['GET', 'POST'] } })).toEqual([
      'http GET /customers/:/orders',
      'http POST /customers/:/orders',
    ]);
    expect(soapConnector.sourceKeys!({ path: '/soap/orders' } as Parameters<NonNullable<typeof soapConnector.sourceKeys>>[0])).toEqual([
      'http POST /soap/orders',
      'http GET /soap/orders',
    ]);
  });

  it('reports two routes whose patterns differ only by parameter names when the routes load', () => {
    const dir = mkdtempSync(join(tmpdir(), 'junction-http-'));
    try {
      writeFileSync(
        join(dir, 'customers.yaml'),
        [
          'routes:',
          '  - id: by-id',
          '    from: { http: { path: /customers/:id, method: GET } }',
          '    to: [{ http: { url: http://crm.local/a } }]',
          '  - id: by-key',
          '    from: { http: { path: /customers/:key, method: [DELETE, GET] } }',
          '    to: [{ http: { url: http://crm.local/b } }]',
          '',
        ].join('\n'),
      );
      const messages = loadRoutes(dir, {}, schemas).problems.map((p) => p.message);
      expect(messages).toEqual([expect.stringMatching(/^ingress "http GET \/customers\/:" is already taken by route "by-id" at .*customers\.yaml:3$/)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('HTTP ingress: binding', () => {
  const binding = (routeId: string, path: string, method: HttpSourceDef['method']): IngressBinding<HttpSourceDef> => ({
    routeId,
    mode: 'sync',
    config: { path, method },
    baseDir: '.',
  });
  const ingress = () => new HttpIngress(new HttpListener({} as FastifyInstance));

  it('refuses two bindings of one method on patterns that differ only by parameter names', async () => {
    await expect(ingress().prepare([binding('a', '/c/:id', 'GET'), binding('b', '/c/:key', ['DELETE', 'GET'])])).rejects.toThrow(
      new ConfigError('GET /c/:key is claimed by routes a and b'),
    );
  });

  it('takes one pattern on several methods, and a literal path beside a pattern', async () => {
    await expect(
      ingress().prepare([binding('a', '/c/:id', ['GET', 'DELETE']), binding('b', '/c/new', 'GET'), binding('c', '/c/:id', 'PUT')]),
    ).resolves.toBeUndefined();
  });
});
