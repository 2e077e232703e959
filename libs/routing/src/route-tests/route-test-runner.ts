import { formatProblem, loadRouteTests, type ConnectorSpec, type RouteTestDef } from '@junction/config';
import { contentTypeOf, Message, toBusError, type Reply } from '@junction/core';
import { bodyFromBytes } from '@junction/transform';
import type { CompiledRoute, CompiledTarget, Dispatch } from '../compiled-route';
import { outgoingBody } from '../outgoing-body';
import { replyMessage, runRoute } from '../run-route';
import { compileRouteDir } from '../route-set';
import { CaptureEgress } from './capture.egress';
import { TestAggregation } from './test-aggregation';
import { bodyMismatch, partialMismatch } from './expectations';

export interface RouteTestResult {
  readonly file: string;
  readonly name: string;
  readonly route: string;
  readonly failures: readonly string[];
}

export interface RouteTestRun {
  /** Route or test file problems: when any, no test ran. */
  readonly problems: readonly string[];
  readonly results: readonly RouteTestResult[];
}

/**
 * Runs the route tests beside the routes (`*.test.yaml`): each case feeds its input through the compiled route with
 * every target replaced by a capture that records what it is sent and answers the case's canned reply. Nothing
 * leaves the process.
 */
export async function runRouteTests(dir: string, env: Record<string, string | undefined>, connectors: readonly ConnectorSpec[]): Promise<RouteTestRun> {
  const captures = captureEgresses(connectors);
  const set = await compileRouteDir(dir, env, { connectors, egress: captures });
  const tests = loadRouteTests(dir, env);
  const problems = [...set.problems, ...tests.problems].map(formatProblem);
  if (problems.length > 0) return { problems, results: [] };
  const routes = new Map(set.routes.map((r) => [r.id, r]));
  for (const route of set.routes) {
    for (const t of route.targets.values()) captures.get(t.kind)?.name(t.endpoint, t.id);
  }
  const results: RouteTestResult[] = [];
  for (const suite of tests.suites) {
    for (const c of suite.tests) {
      const route = routes.get(c.route);
      const failures = route ? await runCase(route, c, captures) : [`no route "${c.route}"`];
      results.push({ file: suite.file, name: c.name, route: c.route, failures });
    }
  }
  return { problems: [], results };
}

/** One capture egress per target kind: what `junction validate` and `junction test` compile targets against. */
export function captureEgresses(connectors: readonly ConnectorSpec[]): Map<string, CaptureEgress> {
  return new Map(connectors.filter((c) => c.target).map((c) => [c.kind, new CaptureEgress(c.kind)]));
}

async function runCase(route: CompiledRoute, c: RouteTestDef, captures: Map<string, CaptureEgress>): Promise<string[]> {
  for (const capture of captures.values()) {
    capture.replies = c.replies ?? {};
    capture.calls = [];
  }
  const inputs = c.inputs ?? (c.input ? [c.input] : []);
  const messages = inputs.map((input, n) => {
    const { bytes, contentType } = inputBytes(input.body, input.contentType);
    const headers = Object.fromEntries(Object.entries(input.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
    const id = inputs.length > 1 ? `test-${Date.now()}-${n + 1}` : `test-${Date.now()}`;
    const inputBody = bodyFromBytes(bytes, contentType, route.codec, { json: route.jsonLimits });
    return new Message(id, id, { kind: 'test', address: c.name }, headers, inputBody, Date.now());
  });
  const message = messages[0];
  const id = message.id;

  let outcome: 'delivered' | 'filtered' | 'dead' | 'held' = 'delivered';
  let error: string | undefined;
  let reply: Reply | undefined;
  let key: string | undefined;
  const aggregation = new TestAggregation(route);
  try {
    const dispatches: Dispatch[] = [];
    let filtered = false;
    const call = (target: CompiledTarget, m: Message) => target.endpoint.send(m);
    // Each input runs through the route; what aggregate steps hold is grouped, and each aggregate runs on from its step.
    const runAll = async (m: Message, from?: string): Promise<void> => {
      if (from === undefined) {
        m.body.value();
        // As at ingress: a message without an idempotency key is refused before any step.
        if (route.idempotent) {
          const k = await route.idempotent.key(m);
          key ??= k;
        }
      }
      const run = await runRoute(route, m, call, from);
      dispatches.push(...run.dispatches);
      filtered ||= run.filtered;
      for (const a of await aggregation.hold(run.held)) await runAll(a.message, a.step);
    };
    for (const m of messages) await runAll(m);
    for (const a of await aggregation.end()) await runAll(a.message, a.step);
    const direct = dispatches.filter((d) => !d.wireTap);
    const replies = new Map<Dispatch, Reply>();
    let failure: unknown;
    // As on the bus: every target is called, and a wire tap's failure never decides the outcome.
    for (const d of dispatches) {
      try {
        const r = await d.target.endpoint.send(d.message.withBody(outgoingBody(d.message.body, d.target, route.codec)));
        if (!d.wireTap) replies.set(d, r);
      } catch (err) {
        if (!d.wireTap) failure ??= err;
      }
    }
    if (direct.length === 0) outcome = aggregation.open > 0 ? 'held' : filtered ? 'filtered' : 'delivered';
    const replying = direct.find((d) => d.target.reply) ?? direct[0];
    const chosen = replies.get(replying);
    if (route.mode === 'sync' && chosen) {
      const body = bodyFromBytes(chosen.body.bytes(), chosen.body.contentType, route.codec, { json: route.jsonLimits });
      const out = await route.transformReply(replyMessage(message, replying.message, chosen.headers, body));
      reply = { status: chosen.status, headers: out.headers, body: out.body };
    }
    if (failure !== undefined) throw failure;
  } catch (err) {
    outcome = 'dead';
    error = toBusError(err).message;
  }
  const failures = check(c, route, outcome, error, reply, [...captures.values()].flatMap((x) => x.calls));
  const wantKey = c.expect.idempotencyKey;
  if (wantKey !== undefined && !route.idempotent) failures.push('idempotencyKey: the route is not idempotent');
  else if (wantKey !== undefined && wantKey !== key) failures.push(`idempotencyKey: expected ${JSON.stringify(wantKey)}, got ${key === undefined ? 'none' : JSON.stringify(key)}`);
  return failures;
}

function check(
  c: RouteTestDef,
  route: CompiledRoute,
  outcome: string,
  error: string | undefined,
  reply: Reply | undefined,
  calls: Array<{ targetId: string; message: Message }>,
): string[] {
  const failures: string[] = [];
  const expect = c.expect;
  if (expect.outcome && expect.outcome !== outcome) {
    failures.push(`outcome: expected ${expect.outcome}, got ${outcome}${error ? ` (${error})` : ''}`);
  } else if (!expect.outcome && outcome === 'dead') {
    failures.push(`the message failed: ${error}`);
  }
  for (const want of expect.deliveries ?? []) {
    const got = calls.filter((call) => call.targetId === want.target);
    if (want.count !== undefined ? got.length !== want.count : got.length === 0) {
      failures.push(`${want.target}: expected ${want.count ?? 'at least 1'} deliveries, got ${got.length}`);
      continue;
    }
    const misses = got.map((call) => deliveryMismatch(want, call.message, route));
    if (misses.every((m) => m !== undefined)) failures.push(`${want.target}: ${misses[0]}`);
  }
  for (const target of expect.notDelivered ?? []) {
    const n = calls.filter((call) => call.targetId === target).length;
    if (n > 0) failures.push(`${target}: expected no delivery, got ${n}`);
  }
  if (expect.reply) {
    if (!reply) failures.push('reply: expected a reply, got none');
    else {
      if (expect.reply.status !== undefined && expect.reply.status !== reply.status) {
        failures.push(`reply: expected status ${expect.reply.status}, got ${reply.status}`);
      }
      if (expect.reply.headers !== undefined) {
        const lower = Object.fromEntries(Object.entries(expect.reply.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
        const miss = partialMismatch(lower, reply.headers, 'headers');
        if (miss) failures.push(`reply ${miss}`);
      }
      if (expect.reply.body !== undefined) {
        const b = reply.body;
        const miss = bodyMismatch(expect.reply.body, { text: b.bytes().toString('utf8'), value: () => b.value() }, route.codec);
        if (miss) failures.push(`reply ${miss}`);
      }
    }
  }
  return failures;
}

function deliveryMismatch(
  want: { body?: unknown; headers?: Record<string, string> },
  message: Message,
  route: CompiledRoute,
): string | undefined {
  if (want.headers) {
    const lower = Object.fromEntries(Object.entries(want.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
    const miss = partialMismatch(lower, message.headers, 'headers');
    if (miss) return miss;
  }
  if (want.body === undefined) return undefined;
  const b = message.body;
  return bodyMismatch(want.body, { text: b.bytes().toString('utf8'), value: () => b.value() }, route.codec);
}

function inputBytes(body: unknown, contentType?: string): { bytes: Buffer; contentType: string } {
  if (typeof body === 'string') {
    const ct = contentType ?? (body.trimStart().startsWith('<') ? contentTypeOf('xml') : contentTypeOf('text'));
    return { bytes: Buffer.from(body), contentType: ct };
  }
  return { bytes: Buffer.from(JSON.stringify(body ?? null)), contentType: contentType ?? contentTypeOf('json') };
}
