import { request as httpRequest } from 'node:http';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import { DECORATORS } from '@nestjs/swagger';
import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { OpenApiValidator, type OpenApiDoc } from './support/openapi-validator';
import { post, startTestBus, TEST_ADMIN_TOKEN, type TestBus } from './support/test-bus';

/**
 * The admin API against its OpenAPI document: a real bus whose routes deliver, dead-letter, split, filter and hold
 * messages; every operation of the document called for real (each documented path needs a call here, so a route
 * added to the API without one fails), every body validated with Ajv against the operation's schema for the status
 * it came with; the document's operations equal the routes Nest registered; every guarded operation refuses a caller
 * without a credential with a 401 problem.
 */
const routes = {
  'flows.yaml': `
routes:
  - id: orders
    from: { http: { path: /orders } }
    businessKey: orderId
    steps:
      - filter: total > 0
    to: [{ id: crm, http: { url: "\${TARGET_URL}/ok", format: json } }]
  - id: flaky
    from: { http: { path: /flaky } }
    to: [{ id: erp, http: { url: "\${TARGET_URL}/fail", format: json }, retry: { attempts: 1 } }]
  - id: batches
    from: { http: { path: /batches } }
    steps:
      - split: { expr: items, to: [{ id: lines, http: { url: "\${TARGET_URL}/ok", format: json } }] }
  - id: lines
    from: { http: { path: /lines } }
    steps:
      - aggregate: { correlation: orderId, completion: { size: 3 } }
    to: [{ id: grouped, http: { url: "\${TARGET_URL}/ok", format: json } }]
`,
};

const AUTH = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

interface Reply {
  status: number;
  contentType: string | null;
  body: unknown;
}

/** Calls the admin API; JSON bodies parsed, text kept; an event stream is read up to its first event and closed. */
async function call(base: string, method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
  if (path === '/admin/live') return firstEvent(`${base}${path}`, options.headers ?? {});
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(options.body !== undefined && { 'content-type': 'application/json' }), ...options.headers },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  const contentType = res.headers.get('content-type');
  const json = /json/.test(contentType ?? '') && text !== '';
  return { status: res.status, contentType: text === '' ? null : contentType, body: json ? JSON.parse(text) : text === '' ? undefined : text };
}

function firstEvent(url: string, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        if (res.statusCode !== 200 || text.includes('\n\n')) {
          req.destroy();
          const contentType = res.headers['content-type'] ?? null;
          resolve({ status: res.statusCode ?? 0, contentType, body: /json/.test(contentType ?? '') ? JSON.parse(text) : text });
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Nest's routes as `METHOD /path/{param}`, from the controllers of every module, those left out of the document aside. */
function nestRoutes(bus: TestBus): string[] {
  const found: string[] = [];
  for (const module of bus.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const type = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!type || Reflect.getMetadata(DECORATORS.API_EXCLUDE_CONTROLLER, type)?.[0]) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, type) ?? '');
      for (const name of Object.getOwnPropertyNames(type.prototype)) {
        const handler = (type.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function' || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        const sub = String(Reflect.getMetadata(PATH_METADATA, handler));
        const method = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'ALL', 'OPTIONS', 'HEAD'][Reflect.getMetadata(METHOD_METADATA, handler) as number];
        const path = `/${[base, sub].filter((p) => p !== '' && p !== '/').join('/')}`.replace(/\/+/g, '/').replace(/:(\w+)/g, '{$1}');
        found.push(`${method} ${path}`);
      }
    }
  }
  return found.sort();
}

describe('admin API against its OpenAPI document', () => {
  let target: TargetServer;
  let bus: TestBus;
  let doc: OpenApiDoc;
  let validator: OpenApiValidator;

  beforeAll(async () => {
    target = await startTargetServer({ respond: (req) => (req.path.startsWith('/fail') ? { status: 500, body: { error: 'down' } } : {}) });
    bus = await startTestBus({ routes, env: { TARGET_URL: target.url, ADMIN_USER: 'admin', ADMIN_PASSWORD: 'openapi-e2e-password' } });
    const res = await call(bus.adminUrl, 'GET', '/admin/openapi.json', { headers: AUTH });
    expect(res.status).toBe(200);
    doc = res.body as OpenApiDoc;
    validator = new OpenApiValidator(doc);
  });
  afterAll(async () => {
    await bus?.destroy();
    await target?.close();
  });

  it('documents every route Nest registered, and nothing else', () => {
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual(nestRoutes(bus));
    expect(doc.openapi).toMatch(/^3\./);
    console.log(`openapi: ${documented.length} operations, ${Object.keys(doc.components.schemas).length} schemas`);
  });

  it('answers every operation with a body its schema accepts', async () => {
    const send = async (body: object, path: string) => (await post(`${bus.url}${path}`, body)).json.messageId as string;
    const delivered = await send({ orderId: 'A-1', total: 5 }, '/orders');
    const filtered = await send({ orderId: 'A-2', total: 0 }, '/orders');
    const dead = [await send({ n: 1 }, '/flaky'), await send({ n: 2 }, '/flaky'), await send({ n: 3 }, '/flaky')];
    const split = await send({ items: [{ sku: 'a' }, { sku: 'b' }] }, '/batches');
    await send({ orderId: 'G-1', line: 1 }, '/lines');
    const status = async (id: string) => ((await call(bus.adminUrl, 'GET', `/admin/messages/${id}`, { headers: AUTH })).body as { status: string }).status;
    await waitUntil(async () => (await status(delivered)) === 'delivered' && (await status(filtered)) === 'filtered', 20_000, 'delivered and filtered');
    await waitUntil(async () => (await Promise.all(dead.map(status))).every((s) => s === 'dead'), 20_000, 'three dead messages');
    await waitUntil(async () => (await status(split)) === 'delivered', 20_000, 'the split batch delivered');
    const deadLetters = (await call(bus.adminUrl, 'GET', '/admin/dead-letters?route=flaky', { headers: AUTH })).body as Array<{ id: string }>;
    expect(deadLetters).toHaveLength(3);
    const part = ((await call(bus.adminUrl, 'GET', `/admin/messages/${split}`, { headers: AUTH })).body as { parts: Array<{ id: string }> }).parts[0].id;

    type Call = { path: string; body?: unknown; headers?: Record<string, string> };
    // Each documented operation and the calls that exercise it: found (200), refused (4xx), and the shapes in between.
    const plans: Record<string, Call[]> = {
      'GET /health': [{ path: '/health' }],
      'GET /health/live': [{ path: '/health/live' }],
      'GET /health/ready': [{ path: '/health/ready' }],
      'POST /admin/session': [
        { path: '/admin/session', body: { username: 'admin', password: 'openapi-e2e-password' } },
        { path: '/admin/session', body: { username: 'admin', password: 'wrong' } },
        { path: '/admin/session', body: { token: TEST_ADMIN_TOKEN } },
        { path: '/admin/session', body: { token: TEST_ADMIN_TOKEN }, headers: { origin: 'https://elsewhere.example' } },
      ],
      'GET /admin/session': [{ path: '/admin/session' }],
      'DELETE /admin/session': [{ path: '/admin/session' }],
      'GET /admin/routes': [{ path: '/admin/routes' }],
      'GET /admin/routes/reload': [{ path: '/admin/routes/reload' }],
      'POST /admin/routes/reload': [{ path: '/admin/routes/reload', body: {} }],
      'GET /admin/routes/{id}/graph': [...['orders', 'flaky', 'batches', 'lines'].map((id) => ({ path: `/admin/routes/${id}/graph` })), { path: '/admin/routes/nope/graph' }],
      'GET /admin/messages': [{ path: '/admin/messages' }, { path: '/admin/messages?status=dead&limit=2' }, { path: '/admin/messages?status=lost' }, { path: '/admin/messages?limit=0' }],
      'GET /admin/messages/{id}': [delivered, filtered, dead[0], split, part, 'nope'].map((id) => ({ path: `/admin/messages/${id}` })),
      'GET /admin/dead-letters': [{ path: '/admin/dead-letters' }, { path: '/admin/dead-letters?replayed=false&limit=1' }],
      'GET /admin/dead-letters/{id}': [{ path: `/admin/dead-letters/${deadLetters[0].id}` }, { path: '/admin/dead-letters/nope' }],
      'POST /admin/dead-letters/{id}/replay': [
        { path: `/admin/dead-letters/${deadLetters[0].id}/replay`, body: { body: { n: 1, fixed: true } } },
        // At once again: 409 while the replayed delivery is pending, 202 should it be dead again already.
        { path: `/admin/dead-letters/${deadLetters[0].id}/replay`, body: {} },
        { path: '/admin/dead-letters/nope/replay', body: {} },
      ],
      'POST /admin/dead-letters/replay': [
        { path: '/admin/dead-letters/replay', body: { ids: [deadLetters[1].id, 'nope'] } },
        { path: '/admin/dead-letters/replay', body: { ids: [] } },
      ],
      'GET /admin/connectors': [{ path: '/admin/connectors' }],
      'GET /admin/connectors/targets': [{ path: '/admin/connectors/targets' }],
      'GET /admin/audit': [{ path: '/admin/audit' }, { path: '/admin/audit?action=replay&limit=5' }],
      'GET /metrics': [{ path: '/metrics' }],
      'GET /admin/live': [{ path: '/admin/live' }],
      'GET /admin/live/snapshot': [{ path: '/admin/live/snapshot' }],
      'GET /admin/stats/history': [{ path: '/admin/stats/history?minutes=1' }, { path: '/admin/stats/history?route=orders' }, { path: '/admin/stats/history?route=nope' }, { path: '/admin/stats/history?minutes=99' }],
      'GET /admin/resilience': [{ path: '/admin/resilience' }],
      'GET /admin/aggregations': [{ path: '/admin/aggregations' }, { path: '/admin/aggregations?route=lines&limit=5' }],
      'GET /admin/openapi.json': [{ path: '/admin/openapi.json' }],
    };

    const problems: string[] = [];
    const statuses = new Map<string, Set<number>>();
    let calls = 0;
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const method of Object.keys(operations)) {
        const key = `${method.toUpperCase()} ${path}`;
        const plan = plans[key];
        if (!plan) {
          problems.push(`${key}: documented, but this test does not call it`);
          continue;
        }
        for (const c of plan) {
          const reply = await call(bus.adminUrl, method.toUpperCase(), c.path, { body: c.body, headers: { ...AUTH, ...c.headers } });
          calls++;
          (statuses.get(key) ?? statuses.set(key, new Set()).get(key)!).add(reply.status);
          problems.push(...validator.check(method, path, reply.status, reply.contentType, reply.body).map((p) => `${p} (${c.path})`));
        }
      }
    }
    expect(problems).toEqual([]);
    // Every operation answered with a success at least once, so that no schema went unchecked on its main answer.
    const neverOk = [...statuses].filter(([, s]) => ![...s].some((n) => n >= 200 && n < 300)).map(([k]) => k);
    expect(neverOk).toEqual([]);
    expect(statuses.get('GET /admin/messages/{id}')).toEqual(new Set([200, 404]));
    expect(statuses.get('POST /admin/session')).toEqual(new Set([200, 401, 403]));
    expect(statuses.get('POST /admin/dead-letters/{id}/replay')).toContain(404);
    console.log(`openapi: ${calls} calls validated over ${statuses.size} operations`);
  });

  it('refuses every guarded operation without a credential, with a 401 problem', async () => {
    let refused = 0;
    const problems: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (!operation.security?.length) continue;
        const concrete = path.replace(/\{\w+\}/g, 'x');
        const reply = await call(bus.adminUrl, method.toUpperCase(), concrete, { body: method === 'get' ? undefined : {} });
        if (reply.status !== 401) problems.push(`${method.toUpperCase()} ${path}: ${reply.status}`);
        problems.push(...validator.check(method, path, reply.status, reply.contentType, reply.body));
        refused++;
      }
    }
    expect(problems).toEqual([]);
    // Only health and the login itself are open.
    const open = Object.entries(doc.paths).flatMap(([p, ops]) => Object.entries(ops).filter(([, o]) => !o.security?.length).map(([m]) => `${m.toUpperCase()} ${p}`));
    expect(open.sort()).toEqual(['GET /health', 'GET /health/live', 'GET /health/ready', 'POST /admin/session']);
    console.log(`openapi: ${refused} guarded operations refused without a credential`);
  });
});
