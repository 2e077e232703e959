import { parseDuration } from '@junction/core';
import { z } from 'zod';
import type { ConnectorSpec } from './connector-spec';
import { IdempotentSchema } from './idempotent.schema';
import { BulkheadSchema, CircuitBreakerSchema, ThrottleSchema, type BulkheadDef, type CircuitBreakerDef, type ThrottleDef } from './resilience.schema';
import { AggregateStepSchema } from './aggregate.schema';
import { ConvertStepSchema } from './convert-step.schema';
import { XsltStepSchema } from './xslt-step.schema';
import { ValidateStepSchema } from './validate-step.schema';

/**
 * The route file schema: it validates route files, gives the typed definitions the compiler reads, and is exported as
 * JSON Schema for editors (`schemas/routes.schema.json`). The parts that name connector kinds (a route's source, a
 * target) are built from the connector list the bus runs with (`routeSchemas`), so that a connector brings its own
 * config schema and nothing here names a kind. Objects are strict: an unknown key is an
 * error, so that a typo never silently drops a branch. Values have had `${ENV}` interpolation applied before this
 * schema sees them. `.describe()` texts are the hover help editors show; `meta` ids name the JSON Schema definitions.
 */

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const id = (what: string) => z.string().regex(ID, { error: `expected a ${what} id (letters, digits, . _ -)` });
const expression = z.string().min(1, { error: 'expected a JSONata expression' });
const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { error: 'expected an HTTP header name' });

/**
 * A route's XML namespace prefixes: prefix -> namespace URI. The same rules as @junction/transform's
 * compileNamespaces, checked here so that a mistake is a problem at its line.
 */
const xmlNamespaces = z
  .record(
    z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9._-]*$/, { error: 'expected an XML namespace prefix (a name without a colon)' })
      .refine((p) => p !== 'xml' && p !== 'xmlns', { error: 'the prefixes xml and xmlns are reserved' }),
    z.string().min(1, { error: 'expected a namespace URI' }),
  )
  .superRefine((namespaces, ctx) => {
    const seen = new Map<string, string>();
    for (const [prefix, uri] of Object.entries(namespaces)) {
      const first = seen.get(uri);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: [prefix], message: `namespace ${uri} already has the prefix ${first}` });
      else seen.set(uri, prefix);
    }
  })
  .describe(
    'Prefix -> namespace URI. Expressions name elements in these namespaces with these prefixes, whatever prefixes or default namespace the sender used (e.g. `doc: "urn:acme:doc"`, then `doc:Document.doc:Id`).',
  );

/**
 * Exactly one of the given keys must be present (a step kind, a target kind, a source kind). The issue carries
 * `params.kinds` so that error reporting can tell a missing kind caused by a misspelt key from a real omission.
 */
function exactlyOne(what: string, keys: readonly string[]) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const present = keys.filter((k) => value[k] !== undefined);
    if (present.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        params: { kinds: keys, present },
        message:
          present.length === 0
            ? `expected one ${what} kind: ${keys.join(', ')}`
            : `expected one ${what} kind, found ${present.join(' and ')}`,
      });
    }
  };
}

/** The same rule for editors: JSON Schema cannot run the refinement, so the exported schema states it as `oneOf`. */
function oneKindMeta(keys: readonly string[]) {
  return { oneOf: keys.map((k) => ({ required: [k] })) };
}

export const RetrySchema = z
  .strictObject({
    attempts: z.int().min(1).max(100).default(5).describe('Attempts in all, the first included.'),
    backoffMs: z
      .int()
      .min(0)
      .max(3_600_000)
      .default(200)
      .describe('Delay before the second attempt; doubles each time, with equal jitter (half fixed, half random).'),
    maxBackoffMs: z.int().min(0).max(86_400_000).default(60_000).describe('Upper bound of the delay between attempts.'),
  })
  .meta({ id: 'Retry', description: 'Redelivery policy of a target.' });

/** The steps that turn one message into one message: usable anywhere, also per target and on replies. */
const transformFields = {
    validate: ValidateStepSchema.optional().describe(
      'Validation: `schema`, JSON Schema (ajv), a path relative to the route file or the schema inline; or `xsd`, an XML Schema file (libxml2) relative to the route file.',
    ),
    map: expression.optional().describe('JSONata expression whose result becomes the body.'),
    setHeaders: z
      .record(headerName, z.union([z.string(), z.strictObject({ expr: expression })]))
      .optional()
      .describe('Headers to set: a literal string, or `{ expr }` evaluated on the message.'),
    removeHeaders: z.array(headerName).min(1).optional().describe('Headers to remove.'),
    convert: ConvertStepSchema.optional().describe('Converts the body: JSON <-> XML (the documented convention), from or to CSV and fixed width.'),
    setVars: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, { error: 'expected a variable name (letters, digits, _)' }), expression)
      .optional()
      .describe('Route variables (Camel exchange properties, Mule vars): name -> JSONata; later steps, targets\' steps and reply steps read `$vars.<name>`.'),
    xslt: XsltStepSchema.optional().describe('Applies an XSLT 1.0 stylesheet (a file in the route folder) to the XML body.'),
};

export const TRANSFORM_STEP_KINDS = ['validate', 'map', 'setHeaders', 'removeHeaders', 'convert', 'setVars', 'xslt'] as const;

export const TransformStepSchema = z
  .strictObject(transformFields)
  .superRefine(exactlyOne('transform step', TRANSFORM_STEP_KINDS))
  .meta({ id: 'TransformStep', description: 'A transform step: exactly one of validate, map, setHeaders, removeHeaders, convert, setVars, xslt.', ...oneKindMeta(TRANSFORM_STEP_KINDS) });

export const STEP_KINDS = [
  'validate',
  'map',
  'setHeaders',
  'removeHeaders',
  'convert',
  'setVars',
  'xslt',
  'filter',
  'choice',
  'split',
  'wireTap',
  'enrich',
  'aggregate',
] as const;

/** A source: exactly one key, the connector kind, holding that connector's config. */
export interface SourceDef {
  readonly [kind: string]: unknown;
}

/** A target: the connector kind's key with its config (exactly one), and the fields every target has. */
export interface TargetDef {
  readonly id?: string;
  readonly retry?: RetryDef;
  readonly reply?: boolean;
  readonly steps?: TransformStepDef[];
  // Resilience (see resilience.schema.ts).
  readonly throttle?: ThrottleDef;
  readonly bulkhead?: BulkheadDef;
  readonly circuitBreaker?: CircuitBreakerDef;
  readonly [kind: string]: unknown;
}

/** Keys of a target that are not a connector kind. */
const TARGET_FIELDS = ['id', 'retry', 'reply', 'steps', 'throttle', 'bulkhead', 'circuitBreaker'] as const;

function targetSchemaOf(kinds: ReadonlyArray<readonly [string, z.ZodType]>): z.ZodType<TargetDef> {
  const names = kinds.map(([k]) => k);
  return z
    .strictObject({
      id: id('target')
        .optional()
        .describe('Name in the journal, the admin API and route tests; defaults to `<kind>:<host><path>`.'),
      ...Object.fromEntries(kinds.map(([k, schema]) => [k, schema.optional()])),
      retry: RetrySchema.optional(),
      reply: z
        .boolean()
        .optional()
        .describe('In a sync route, the target whose reply goes back to the caller (default: the first target).'),
      steps: z
        .array(TransformStepSchema)
        .optional()
        .describe("Transform steps (validate, map, setHeaders, removeHeaders, convert, setVars, xslt) applied to this target's copy only."),
      // Resilience (see resilience.schema.ts).
      throttle: ThrottleSchema.optional(),
      bulkhead: BulkheadSchema.optional(),
      circuitBreaker: CircuitBreakerSchema.optional(),
    })
    .superRefine(exactlyOne('target', names))
    .meta({ id: 'Target', description: 'Where a message goes: exactly one target kind.', ...oneKindMeta(names) }) as unknown as z.ZodType<TargetDef>;
}

function sourceSchemaOf(kinds: ReadonlyArray<readonly [string, z.ZodType]>): z.ZodType<SourceDef> {
  const names = kinds.map(([k]) => k);
  return z
    .strictObject(Object.fromEntries(kinds.map(([k, schema]) => [k, schema.optional()])))
    .superRefine(exactlyOne('source', names))
    .meta({ id: 'Source', description: 'Where messages come from: exactly one source kind.', ...oneKindMeta(names) }) as unknown as z.ZodType<SourceDef>;
}

function stepSchemaOf(target: z.ZodType<TargetDef>) {
  const targets = z.array(target).min(1);
  const StepSchema = z
    .strictObject({
      validate: transformFields.validate,
      map: transformFields.map,
      setHeaders: transformFields.setHeaders,
      removeHeaders: transformFields.removeHeaders,
      convert: transformFields.convert,
      setVars: transformFields.setVars,
      xslt: transformFields.xslt,
      filter: expression.optional().describe('Message filter: the message goes on only when the expression is true.'),
      get choice() {
        return z
          .strictObject({
            when: z.array(z.strictObject({ if: expression, steps: z.array(StepSchema).optional(), to: targets.optional() })).min(1),
            otherwise: z.strictObject({ steps: z.array(StepSchema).optional(), to: targets.optional() }).optional(),
          })
          .optional()
          .describe('Content-based router: the first branch whose `if` is true is taken, else `otherwise`.');
      },
      get split() {
        return z
          .strictObject({
            path: z.string().min(1).optional(),
            expr: expression.optional(),
            steps: z.array(StepSchema).optional(),
            to: targets.optional(),
            ordered: z
              .boolean()
              .optional()
              .describe('Parts reach each target in document order: a part is sent once the one before it was delivered or dead-lettered.'),
          })
          .superRefine(exactlyOne('split', ['path', 'expr']))
          .meta(oneKindMeta(['path', 'expr']))
          .optional()
          .describe('Splitter: one message per item of an array (`expr`, JSONata) or per repeated element (`path`, dotted).');
      },
      wireTap: target.optional().describe('Wire tap: a copy goes to the target; its failure never affects the flow.'),
      enrich: z
        .strictObject({
          target,
          merge: expression
            .optional()
            .describe('JSONata over `{ body, reply }`; default merges the reply\'s fields into the body.'),
          into: z.string().min(1).optional().describe('Puts the reply under this key of the body instead of merging.'),
        })
        .optional()
        .describe('Content enricher: calls the target and merges its reply into the body.'),
      aggregate: AggregateStepSchema.optional(),
    })
    .superRefine(exactlyOne('step', STEP_KINDS));
  // Registered rather than chained with `.meta()`: a chained call would make the recursive type refer to itself.
  z.globalRegistry.add(StepSchema, { id: 'Step', description: 'One processing step: exactly one step kind.', ...oneKindMeta(STEP_KINDS) });
  return StepSchema;
}

function routeSchemaOf(source: z.ZodType<SourceDef>, target: z.ZodType<TargetDef>, step: ReturnType<typeof stepSchemaOf>) {
  return z
    .strictObject({
      id: id('route').describe('Unique name of the route, used in the journal, the admin API and route tests.'),
      description: z.string().default(''),
      from: source,
      mode: z
        .enum(['sync', 'async'])
        .default('async')
        .describe('`sync`: the caller gets the target\'s reply. `async`: stored first, 202, delivered after.'),
      journal: z
        .enum(['all', 'failures'])
        .default('all')
        .describe(
          'Sync routes: `all` journals every exchange; `failures` journals only failed ones (dead-lettered, replayable), for high-volume proxies whose successes need no record. Async routes always store.',
        ),
      retention: z
        .strictObject({
          age: z
            .string()
            .refine((s) => (parseDuration(s) ?? -1) >= 1000, { error: 'expected a duration such as 90s, 12h or 7d (at least 1s)' })
            .describe('How long finished messages of this route stay in the journal, instead of JOURNAL_RETENTION.'),
        })
        .optional()
        .describe('Journal retention of this route; dead letters not replayed follow DEAD_LETTER_RETENTION.'),
      xml: z
        .strictObject({
          arrays: z
            .array(
              z
                .string()
                .regex(/^[^.\s]+(\.[^.\s]+)+$/, { error: 'expected a dotted path below the root element, such as Orders.Order: the root element cannot be a list' }),
            )
            .default([])
            .describe('Element paths (dotted, e.g. `Orders.Order`, with the prefixes of `namespaces`) that are always lists.'),
          namespaces: xmlNamespaces.optional(),
        })
        .optional()
        .describe('XML convention options of the route: lists that stay lists, and namespace prefixes for expressions.'),
      businessKey: expression
        .optional()
        .describe('JSONata for a business key (an order number...) stored with the message for search.'),
      idempotent: IdempotentSchema.optional(),
      sensitive: z
        .strictObject({
          fields: z
            .array(z.string().regex(/^[^.\s]+(\.[^.\s]+)*$/, { error: 'expected a field name or a dotted path' }))
            .default([])
            .describe('Body fields to mask: a name (any depth; XML: elements of that local name) or a dotted path from the root.'),
          headers: z.array(z.string().min(1)).default([]).describe('Message headers to mask, besides the credential headers always masked.'),
        })
        .optional()
        .describe('What the journal, the admin API, the dashboard and the logs show as `***`.'),
      throttle: ThrottleSchema.optional().describe(
        'Throttler of the route (Camel/EIP Throttler): messages per second taken in, per instance. Async: the caller waits for its turn (up to SYNC_TIMEOUT_MS, then 429). Sync: over the rate, 429 with Retry-After.',
      ),
      steps: z.array(step).default([]).describe('Steps applied in order to each message.'),
      to: z.array(target).default([]).describe('Targets that receive the message after the steps.'),
      reply: z.array(step).default([]).describe('Steps applied to the reply before it goes back to a sync caller.'),
    })
    .meta({ id: 'Route' });
}

/** Shared with the route test file schema, so that both accept the same ids and header names. */
export const RouteIdSchema = id('route');
export const TargetIdSchema = id('target');
export const HeaderNameSchema = headerName;

export type RetryDef = z.output<typeof RetrySchema>;
export type TransformStepDef = z.output<typeof TransformStepSchema>;
export type StepDef = z.output<ReturnType<typeof stepSchemaOf>>;
export type RouteDef = z.output<ReturnType<typeof routeSchemaOf>>;
export interface RouteFileDef {
  readonly routes: RouteDef[];
}

/** The route file schema for one connector list, and what only that list knows (kinds, claimed addresses). */
export interface RouteSchemas {
  readonly connectors: readonly ConnectorSpec[];
  readonly file: z.ZodType<RouteFileDef>;
  readonly route: z.ZodType<RouteDef>;
  readonly target: z.ZodType<TargetDef>;
  readonly sourceKinds: readonly string[];
  readonly targetKinds: readonly string[];
  /** The connector kind of a source (its one key). */
  sourceKind(from: SourceDef): string;
  /** The connector kind of a target (its one key that is not one of the target's own fields: `id`, `retry`...). */
  targetKind(target: TargetDef): string;
  /**
   * The ingress addresses a route claims, e.g. `http POST /orders`, as its connector says; two routes may not claim
   * the same one.
   */
  sourceKeys(from: SourceDef): string[];
}

const built = new WeakMap<readonly ConnectorSpec[], RouteSchemas>();

/**
 * Builds the route file schema from the connector list the bus runs with (built once per list). Fails fast on two
 * connectors of one kind, or a kind that would clash with a target's own fields.
 */
export function routeSchemas(connectors: readonly ConnectorSpec[]): RouteSchemas {
  const cached = built.get(connectors);
  if (cached) return cached;
  const byKind = new Map<string, ConnectorSpec>();
  for (const c of connectors) {
    if (!/^[a-z][a-z0-9]*$/.test(c.kind)) throw new Error(`connector kind "${c.kind}" must be lower-case letters and digits`);
    if (byKind.has(c.kind)) throw new Error(`two connectors of kind "${c.kind}"`);
    if ((TARGET_FIELDS as readonly string[]).includes(c.kind)) throw new Error(`connector kind "${c.kind}" is a reserved target field`);
    byKind.set(c.kind, c);
  }
  const sources = connectors.filter((c) => c.source).map((c) => [c.kind, c.source!] as const);
  const targets = connectors.filter((c) => c.target).map((c) => [c.kind, c.target!] as const);
  const target = targetSchemaOf(targets);
  const step = stepSchemaOf(target);
  const route = routeSchemaOf(sourceSchemaOf(sources), target, step);
  const file = z.strictObject({ routes: z.array(route).min(1).describe('The routes of this file.') });
  const sourceKinds = sources.map(([k]) => k);
  const targetKinds = targets.map(([k]) => k);
  const sourceKind = (from: SourceDef) => sourceKinds.find((k) => from[k] !== undefined) ?? 'unknown';
  const schemas: RouteSchemas = {
    connectors,
    file: file as unknown as z.ZodType<RouteFileDef>,
    route: route as unknown as z.ZodType<RouteDef>,
    target,
    sourceKinds,
    targetKinds,
    sourceKind,
    targetKind: (t) => targetKinds.find((k) => t[k] !== undefined) ?? 'unknown',
    sourceKeys: (from) => {
      const kind = sourceKind(from);
      return byKind.get(kind)?.sourceKeys?.(from[kind]) ?? [];
    },
  };
  built.set(connectors, schemas);
  return schemas;
}
