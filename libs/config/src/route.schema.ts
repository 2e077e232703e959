import { z } from 'zod';

/**
 * The route file schema, written once: it validates route files, gives the typed definitions the compiler reads, and
 * is exported as JSON Schema for editors (`schemas/routes.schema.json`). Objects are strict: an unknown key is an
 * error, so that a typo never silently drops a branch. Values have had `${ENV}` interpolation applied before this
 * schema sees them.
 */

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const id = (what: string) => z.string().regex(ID, { error: `expected a ${what} id (letters, digits, . _ -)` });
const expression = z.string().min(1, { error: 'expected a JSONata expression' });
const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { error: 'expected an HTTP header name' });

/** Exactly one of the given keys must be present (a step kind, a target kind, a source kind). */
function exactlyOne(what: string, keys: readonly string[]) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const present = keys.filter((k) => value[k] !== undefined);
    if (present.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          present.length === 0
            ? `expected one ${what} kind: ${keys.join(', ')}`
            : `expected one ${what} kind, found ${present.join(' and ')}`,
      });
    }
  };
}

export const RetrySchema = z.strictObject({
  /** Attempts in all, the first included. */
  attempts: z.int().min(1).max(100).default(5),
  /** Delay before the second attempt; doubles each time, with full jitter. */
  backoffMs: z.int().min(0).max(3_600_000).default(200),
  maxBackoffMs: z.int().min(0).max(86_400_000).default(60_000),
});

const method = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

export const HttpTargetSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'expected a URL' }),
  method: method.default('POST'),
  headers: z.record(headerName, z.string()).default({}),
  /** Body format sent: `json` or `xml` convert the message as needed, `asis` sends the bytes as they are. */
  format: z.enum(['json', 'xml', 'asis']).default('asis'),
  /** Root element name when JSON without a single top-level key is converted to XML. */
  xmlRoot: z.string().optional(),
  timeoutMs: z.int().min(1).max(600_000).default(10_000),
});

export const TARGET_KINDS = ['http'] as const;

export const TargetSchema = z
  .strictObject({
    /** Name in the journal, the admin API and route tests; defaults to `<kind>:<host><path>`. */
    id: id('target').optional(),
    http: HttpTargetSchema.optional(),
    retry: RetrySchema.optional(),
    /** In a sync route, the target whose reply goes back to the caller (default: the first target). */
    reply: z.boolean().optional(),
  })
  .superRefine(exactlyOne('target', TARGET_KINDS));

const httpPath = z.string().regex(/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/, { error: 'expected an absolute URL path' });
const ingressMethod = z.enum(['POST', 'PUT']);

export const HttpSourceSchema = z.strictObject({
  path: httpPath,
  method: z.union([ingressMethod, z.array(ingressMethod).min(1)]).default('POST'),
});

export const SOURCE_KINDS = ['http'] as const;

export const SourceSchema = z.strictObject({ http: HttpSourceSchema.optional() }).superRefine(exactlyOne('source', SOURCE_KINDS));

const targets = z.array(TargetSchema).min(1);

export const STEP_KINDS = [
  'validate',
  'map',
  'setHeaders',
  'removeHeaders',
  'convert',
  'filter',
  'choice',
  'split',
  'wireTap',
  'enrich',
] as const;

export const StepSchema = z
  .strictObject({
    /** JSON Schema validation (ajv): a path relative to the route file, or the schema inline. */
    validate: z
      .strictObject({ schema: z.union([z.string().min(1), z.record(z.string(), z.unknown())]) })
      .optional(),
    /** JSONata expression whose result becomes the body. */
    map: expression.optional(),
    /** Headers to set: a literal string, or `{ expr }` evaluated on the message. */
    setHeaders: z.record(headerName, z.union([z.string(), z.strictObject({ expr: expression })])).optional(),
    removeHeaders: z.array(headerName).min(1).optional(),
    /** Converts the body between JSON and XML (the documented convention). */
    convert: z.strictObject({ to: z.enum(['json', 'xml']), root: z.string().optional() }).optional(),
    /** Message filter: the message goes on only when the expression is true. */
    filter: expression.optional(),
    /** Content-based router: the first branch whose `if` is true is taken, else `otherwise`. */
    get choice() {
      return z
        .strictObject({
          when: z.array(z.strictObject({ if: expression, steps: z.array(StepSchema).optional(), to: targets.optional() })).min(1),
          otherwise: z.strictObject({ steps: z.array(StepSchema).optional(), to: targets.optional() }).optional(),
        })
        .optional();
    },
    /** Splitter: one message per item of an array (`expr`, JSONata) or per repeated element (`path`, dotted). */
    get split() {
      return z
        .strictObject({
          path: z.string().min(1).optional(),
          expr: expression.optional(),
          steps: z.array(StepSchema).optional(),
          to: targets.optional(),
        })
        .superRefine(exactlyOne('split', ['path', 'expr']))
        .optional();
    },
    /** Wire tap: a copy goes to the target; its failure never affects the flow. */
    wireTap: TargetSchema.optional(),
    /** Content enricher: calls the target and merges its reply into the body. */
    enrich: z
      .strictObject({
        target: TargetSchema,
        /** JSONata over `{ body, reply }`; default merges the reply's fields into the body. */
        merge: expression.optional(),
        /** Puts the reply under this key of the body instead of merging. */
        into: z.string().min(1).optional(),
      })
      .optional(),
  })
  .superRefine(exactlyOne('step', STEP_KINDS));

export const RouteSchema = z.strictObject({
  id: id('route'),
  description: z.string().default(''),
  from: SourceSchema,
  /** `sync`: the caller gets the target's reply. `async`: stored first, 202, delivered after. */
  mode: z.enum(['sync', 'async']).default('async'),
  /** XML convention options: element paths (dotted, e.g. `Orders.Order`) that are always lists. */
  xml: z.strictObject({ arrays: z.array(z.string().min(1)).default([]) }).optional(),
  /** JSONata for a business key (an order number...) stored with the message for search. */
  businessKey: expression.optional(),
  steps: z.array(StepSchema).default([]),
  to: z.array(TargetSchema).default([]),
  /** Steps applied to the reply before it goes back to a sync caller. */
  reply: z.array(StepSchema).default([]),
});

export const RouteFileSchema = z.strictObject({ routes: z.array(RouteSchema).min(1) });

export type RetryDef = z.output<typeof RetrySchema>;
export type HttpTargetDef = z.output<typeof HttpTargetSchema>;
export type TargetDef = z.output<typeof TargetSchema>;
export type HttpSourceDef = z.output<typeof HttpSourceSchema>;
export type SourceDef = z.output<typeof SourceSchema>;
export type StepDef = z.output<typeof StepSchema>;
export type RouteDef = z.output<typeof RouteSchema>;
export type RouteFileDef = z.output<typeof RouteFileSchema>;

/**
 * The ingress addresses a route claims, e.g. `http POST /orders`; two routes may not claim the same one. Connectors
 * added later (SOAP, Kafka) add their own keys here.
 */
export function sourceKeys(from: SourceDef): string[] {
  if (from.http) {
    const methods = Array.isArray(from.http.method) ? from.http.method : [from.http.method];
    return methods.map((m) => `http ${m} ${from.http!.path}`);
  }
  return [];
}
