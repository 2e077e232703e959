import { breakerPolicyOf, rateLimitOf, routeSchemas, type ConnectorSpec, type LoadedRoute, type RouteDef, type StepDef, type TargetDef } from '@junction/config';
import type { BodyFormat, EndpointContext, Message } from '@junction/core';
import { DEFAULT_JSON_LIMITS, createMasker, expressionReadsBody, createXmlCodec, type JsonLimits, type JsonStyle, type WorkerPool, type XmlLimits } from '@junction/transform';
import type { CompiledRoute, CompiledTarget, ConnectorConfig } from './compiled-route';
import type { CompileContext, CompileProblem, DefPath, EgressRegistry } from './compile-context';
import { DEFAULT_RETRY } from './retry-policy';
import { compileIdempotent } from './idempotent-key';
import { bindingsOf, evaluateOn, expressionAt } from './steps/expressions';
import { compileSequence, compileTransforms, dispatchTo } from './steps/flow-compiler';
import type { CompiledAggregator } from './steps/aggregate.step';
import { buildRouteGraph } from './route-graph';

export interface CompileOptions {
  /** The connector list the bus runs with: it gives the route schema, and each kind's offline checks. */
  readonly connectors: readonly ConnectorSpec[];
  readonly egress: EgressRegistry;
  readonly xmlLimits?: Partial<XmlLimits>;
  /** Limits of the JSON bodies the routes read; DEFAULT_JSON_LIMITS when omitted. */
  readonly jsonLimits?: JsonLimits;
  /** Where the routes' codecs read large XML bodies; without it, on the event loop. */
  readonly xmlWorkers?: WorkerPool;
}

export type CompileResult =
  | { readonly ok: true; readonly route: CompiledRoute }
  | { readonly ok: false; readonly problems: readonly CompileProblem[] };

/**
 * Compiles a loaded route into its runner: every expression parsed, schema compiled, target endpoint prepared and XML
 * codec built here, once, so that running a message does no set-up work. Every problem is collected (not just the
 * first) with its path in the definition.
 */
export function compileRoute(loaded: LoadedRoute, options: CompileOptions): CompileResult {
  const def = loaded.def;
  const problems: CompileProblem[] = [];
  const targets = new Map<string, CompiledTarget>();
  const byDefinition = new Map<string, CompiledTarget>();
  const codec = createXmlCodec({ arrays: def.xml?.arrays ?? [], namespaces: def.xml?.namespaces, limits: options.xmlLimits }, options.xmlWorkers);
  const schemas = routeSchemas(options.connectors);
  const specs = new Map(options.connectors.map((c) => [c.kind, c]));
  const sourceKind = schemas.sourceKind(def.from);
  const configs: ConnectorConfig[] = [{ role: 'source', kind: sourceKind, config: def.from[sourceKind], path: ['from', sourceKind] }];

  const context = { routeId: def.id, baseDir: loaded.baseDir };
  const aggregators = new Map<string, CompiledAggregator>();
  const ctx: CompileContext = {
    routeId: def.id,
    baseDir: loaded.baseDir,
    codec,
    problems,
    aggregators,
    jsonLimits: options.jsonLimits,
    target: (t, path) => {
      const key = JSON.stringify(t);
      const same = byDefinition.get(key);
      if (same) return same;
      const prepare = t.steps?.length ? compileTransforms(ctx, t.steps, [...path, 'steps'], 'target steps') : identity;
      const kind = schemas.targetKind(t);
      const passthrough = specs.get(kind)?.sendsBytesAsIs?.(t[kind]) ?? false;
      const compiled = { ...compileTarget(t, kind, specs.get(kind), path, options.egress, problems, targets, context), prepare, passthrough };
      configs.push({ role: 'target', kind, config: t[kind], path: [...path, kind] });
      byDefinition.set(key, compiled);
      targets.set(compiled.id, compiled);
      return compiled;
    },
  };

  // Targets are registered in document order first, so that default ids (`http:host/path`, `#2`...) follow the file
  // and not the back-to-front order in which the flow is chained.
  forEachTarget(def, (t, path) => ctx.target(t, path));
  const run = compileSequence(ctx, def.steps, ['steps'], dispatchTo(ctx, def.to, ['to']));
  const transformReply = compileTransforms(ctx, def.reply, ['reply']);
  // After the flow: every target is in the compiler's cache by now, so the graph names the compiled ones.
  const graph = buildRouteGraph(def, sourceKind, ctx.target);
  const keyExpr = def.businessKey !== undefined ? expressionAt(ctx, def.businessKey, ['businessKey']) : undefined;
  const idempotent = compileIdempotent(ctx, def.idempotent, def.mode);
  if (targets.size === 0) {
    problems.push({ path: ['to'], message: 'a route needs a target: in to, in a choice branch, a split or a wire tap' });
  }
  if (def.mode === 'async' && def.journal === 'failures') {
    problems.push({ path: ['journal'], message: 'journal: failures is for sync routes; an async route stores every message' });
  }
  if (def.mode === 'sync') {
    for (const step of aggregators.keys()) {
      problems.push({ path: step.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s)), message: 'an aggregate step holds messages until their group is complete: it needs an async route (mode: async), not a sync one' });
    }
  }
  if (def.mode === 'sync' && [...targets.values()].filter((t) => t.reply).length > 1) {
    problems.push({ path: ['to'], message: 'only one target may set reply: true' });
  }
  const reads = bodyReads(def, [...targets.values()], idempotent?.readsBody ?? false);
  // Built after the checks above: the source's dead-letter target is no target of the flow.
  const deadLetter = def.mode === 'async' ? deadLetterTargetOf(def.from[sourceKind], sourceKind, specs.get(sourceKind), options.egress, problems, targets, context) : undefined;
  if (problems.length > 0) return { ok: false, problems };
  if (deadLetter) targets.set(deadLetter.id, deadLetter);

  const businessKey = async (m: Message): Promise<string | undefined> => {
    if (!keyExpr) return undefined;
    const v = await evaluateOn(keyExpr, m, def.id);
    return v === undefined || v === null ? undefined : String(v).slice(0, 200);
  };

  return {
    ok: true,
    route: {
      id: def.id,
      description: def.description,
      mode: def.mode,
      source: def.from,
      sourceKind,
      configs,
      def,
      display: loaded.display,
      file: loaded.file,
      baseDir: loaded.baseDir,
      codec,
      jsonLimits: options.jsonLimits ?? DEFAULT_JSON_LIMITS,
      targets,
      run,
      transformReply,
      businessKey,
      masker: createMasker(def.sensitive),
      readsBody: reads.any,
      readsBodyOf: reads.of,
      ...(idempotent && { idempotent }),
      ...(deadLetter && { deadLetter }),
      ...(def.throttle && { throttle: rateLimitOf(def.throttle) }),
      aggregators,
      graph,
    },
  };
}

/**
 * Whether running the route needs the body's parsed value. A passthrough never does: no business key or reply steps,
 * steps that look at headers only (header-based choice and filter, setting or removing headers), and HTTP targets
 * that send the bytes as they are, to addresses that do not depend on the body. Its body is then not parsed at all, so
 * a proxy route costs no parsing and a large body does not hold the event loop up for other routes. A target that
 * converts bodies into its format sends one already in that format as it is: for such a body, the route is a
 * passthrough too (`of`); `any` says whether a body of some format is read.
 */
function bodyReads(def: RouteDef, targets: readonly CompiledTarget[], keyReadsBody: boolean): { any: boolean; of: (format: BodyFormat) => boolean } {
  const always =
    keyReadsBody ||
    def.reply.length > 0 ||
    def.businessKey !== undefined ||
    targets.some((t) => t.passthrough === false || t.endpoint.address?.readsBody) ||
    stepsReadBody(def.steps) ||
    targetsReadBody(def.to);
  if (always) return { any: true, of: () => true };
  // What is left converts only a body that is not already in its format.
  const asIsFor = new Set(targets.map((t) => t.passthrough).filter((p) => p !== true));
  if (asIsFor.size === 0) return { any: false, of: () => false };
  return { any: true, of: (format) => !(asIsFor.size === 1 && asIsFor.has(format as 'json' | 'xml')) };
}

function stepsReadBody(steps: readonly StepDef[] | undefined): boolean {
  return (steps ?? []).some((step) => {
    if (step.removeHeaders) return false;
    if (step.setVars) return Object.values(step.setVars).some((expr) => expressionReadsBody(expr));
    if (step.setHeaders) return Object.values(step.setHeaders).some((v) => typeof v !== 'string' && expressionReadsBody(v.expr));
    if (step.filter !== undefined) return expressionReadsBody(step.filter);
    if (step.choice) {
      const branches = [...step.choice.when, ...(step.choice.otherwise ? [step.choice.otherwise] : [])];
      return (
        step.choice.when.some((w) => expressionReadsBody(w.if)) ||
        branches.some((b) => stepsReadBody(b.steps) || targetsReadBody(b.to))
      );
    }
    return true;
  });
}

function targetsReadBody(targets: readonly TargetDef[] | undefined): boolean {
  return (targets ?? []).some((t) => (t.steps?.length ?? 0) > 0);
}


/** Calls `visit` on every target of a route, in the order they stand in the file. */
function forEachTarget(def: RouteDef, visit: (t: TargetDef, path: DefPath) => void): void {
  const steps = (list: readonly StepDef[] | undefined, path: DefPath) =>
    (list ?? []).forEach((step, i) => {
      const p = [...path, i];
      if (step.wireTap) visit(step.wireTap, [...p, 'wireTap']);
      if (step.enrich) visit(step.enrich.target, [...p, 'enrich', 'target']);
      step.choice?.when.forEach((w, j) => branch(w, [...p, 'choice', 'when', j]));
      if (step.choice?.otherwise) branch(step.choice.otherwise, [...p, 'choice', 'otherwise']);
      if (step.split) branch(step.split as { steps?: StepDef[]; to?: TargetDef[] }, [...p, 'split']);
    });
  const branch = (b: { steps?: StepDef[]; to?: TargetDef[] }, path: DefPath) => {
    steps(b.steps, [...path, 'steps']);
    (b.to ?? []).forEach((t, i) => visit(t, [...path, 'to', i]));
  };
  branch({ steps: def.steps, to: def.to }, []);
}

const identity = async (m: Message): Promise<Message> => m;

/** The id of a route's dead-letter target: `dead-letter:<source kind>`, which no target id of a route file can be. */
export function deadLetterTargetId(sourceKind: string): string {
  return `dead-letter:${sourceKind}`;
}

/** The source's dead-letter target (ConnectorSpec.deadLetterTarget), built like any target of its kind. */
function deadLetterTargetOf(
  source: unknown,
  kind: string,
  spec: ConnectorSpec | undefined,
  egress: EgressRegistry,
  problems: CompileProblem[],
  taken: ReadonlyMap<string, CompiledTarget>,
  context: EndpointContext,
): CompiledTarget | undefined {
  const raw = source === undefined ? undefined : spec?.deadLetterTarget?.(source);
  if (raw === undefined || !spec?.target) return undefined;
  const parsed = spec.target.safeParse(raw);
  if (!parsed.success) {
    problems.push({ path: ['from', kind], message: `the dead-letter target is invalid: ${parsed.error.issues[0]?.message ?? 'unknown'}` });
    return undefined;
  }
  const def = { id: deadLetterTargetId(kind), [kind]: parsed.data } as TargetDef;
  return { ...compileTarget(def, kind, spec, ['from', kind], egress, problems, taken, context), prepare: identity, passthrough: true };
}

function compileTarget(
  def: TargetDef,
  kind: string,
  spec: ConnectorSpec | undefined,
  path: DefPath,
  egress: EgressRegistry,
  problems: CompileProblem[],
  taken: ReadonlyMap<string, CompiledTarget>,
  context: EndpointContext,
): Omit<CompiledTarget, 'prepare' | 'passthrough'> {
  const config = def[kind] as { format?: 'json' | 'xml' | 'asis' | object; style?: JsonStyle; xmlRoot?: string };
  const connector = egress.get(kind);
  let endpoint: CompiledTarget['endpoint'] = {
    description: `${kind} (unavailable)`,
    send: () => Promise.reject(new Error(`no ${kind} connector`)),
  };
  if (!connector) problems.push({ path, message: `no connector for target kind "${kind}"` });
  else {
    try {
      endpoint = connector.endpoint(config, context);
    } catch (err) {
      problems.push({ path: [...path, kind], message: err instanceof Error ? err.message : String(err) });
    }
  }
  const base = defaultTargetId(kind, config, spec);
  let id = def.id ?? base;
  if (def.id && taken.has(id)) problems.push({ path: [...path, 'id'], message: `duplicate target id "${id}"` });
  for (let n = 2; !def.id && taken.has(id); n++) id = `${base}#${n}`;
  const template = endpoint.address;
  const routeId = context.routeId;
  return {
    id,
    kind,
    description: endpoint.description,
    endpoint,
    retry: def.retry ?? DEFAULT_RETRY,
    // A body format is a word (HTTP's json, xml, asis); a folder target's `format` is a flat-file layout it writes itself.
    format: typeof config?.format === 'string' ? config.format : 'asis',
    style: config?.style ?? 'plain',
    xmlRoot: config?.xmlRoot,
    reply: def.reply ?? false,
    ...(resilienceOf(def) && { resilience: resilienceOf(def) }),
    ...(template && {
      address: (m: Message) => template.resolve(template.readsBody ? m.body.value() : undefined, bindingsOf(m, routeId)),
    }),
  };
}

/** The resilience patterns a target sets, or undefined when it sets none (no cost for targets without them). */
function resilienceOf(def: TargetDef): CompiledTarget['resilience'] {
  if (!def.throttle && !def.bulkhead && !def.circuitBreaker) return undefined;
  return {
    ...(def.throttle && { throttle: rateLimitOf(def.throttle) }),
    ...(def.bulkhead && { maxInFlight: def.bulkhead.maxInFlight }),
    ...(def.circuitBreaker && { breaker: breakerPolicyOf(def.circuitBreaker) }),
  };
}

function defaultTargetId(kind: string, config: unknown, spec: ConnectorSpec | undefined): string {
  if (spec?.targetId && config !== undefined) {
    try {
      return `${kind}:${spec.targetId(config)}`;
    } catch {
      /* the schema already reported it */
    }
  }
  const url = (config as { url?: string } | undefined)?.url;
  if (url) {
    try {
      const u = new URL(url);
      return `${kind}:${u.host}${u.pathname}`;
    } catch {
      /* the schema already reported it */
    }
  }
  return kind;
}
