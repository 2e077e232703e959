import { z } from 'zod';
import { KafkaSourceSchema, KafkaTargetSchema } from './kafka.schema';
import { SoapSourceSchema, SoapTargetSchema } from './soap.schema';

/**
 * The route file schema, written once: it validates route files, gives the typed definitions the compiler reads, and
 * is exported as JSON Schema for editors (`schemas/routes.schema.json`). Objects are strict: an unknown key is an
 * error, so that a typo never silently drops a branch. Values have had `${ENV}` interpolation applied before this
 * schema sees them. `.describe()` texts are the hover help editors show; `meta` ids name the JSON Schema definitions.
 */

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const id = (what: string) => z.string().regex(ID, { error: `expected a ${what} id (letters, digits, . _ -)` });
const expression = z.string().min(1, { error: 'expected a JSONata expression' });
const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { error: 'expected an HTTP header name' });

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

const method = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

export const HttpTargetSchema = z
  .strictObject({
    url: z.url({ protocol: /^https?$/, error: 'expected a URL' }).describe('http:// or https:// URL of the target.'),
    method: method.default('POST'),
    headers: z.record(headerName, z.string()).default({}).describe('Headers added to every request.'),
    format: z
      .enum(['json', 'xml', 'asis'])
      .default('asis')
      .describe('Body format sent: `json` or `xml` convert the message as needed, `asis` sends the bytes as they are.'),
    xmlRoot: z
      .string()
      .optional()
      .describe('Root element name when JSON without a single top-level key is converted to XML.'),
    timeoutMs: z.int().min(1).max(600_000).default(10_000).describe('Time allowed for the whole request and reply.'),
  })
  .describe('Sends the message over HTTP.');

/** The steps that turn one message into one message: usable anywhere, also per target and on replies. */
const transformFields = {
    validate: z
      .strictObject({ schema: z.union([z.string().min(1), z.record(z.string(), z.unknown())]) })
      .optional()
      .describe('JSON Schema validation (ajv): a path relative to the route file, or the schema inline.'),
    map: expression.optional().describe('JSONata expression whose result becomes the body.'),
    setHeaders: z
      .record(headerName, z.union([z.string(), z.strictObject({ expr: expression })]))
      .optional()
      .describe('Headers to set: a literal string, or `{ expr }` evaluated on the message.'),
    removeHeaders: z.array(headerName).min(1).optional().describe('Headers to remove.'),
    convert: z
      .strictObject({ to: z.enum(['json', 'xml']), root: z.string().optional() })
      .optional()
      .describe('Converts the body between JSON and XML (the documented convention).'),
};

export const TRANSFORM_STEP_KINDS = ['validate', 'map', 'setHeaders', 'removeHeaders', 'convert'] as const;

export const TransformStepSchema = z
  .strictObject(transformFields)
  .superRefine(exactlyOne('transform step', TRANSFORM_STEP_KINDS))
  .meta({ id: 'TransformStep', description: 'A transform step: exactly one of validate, map, setHeaders, removeHeaders, convert.', ...oneKindMeta(TRANSFORM_STEP_KINDS) });

export const TARGET_KINDS = ['http', 'soap', 'kafka'] as const;

export const TargetSchema = z
  .strictObject({
    id: id('target')
      .optional()
      .describe('Name in the journal, the admin API and route tests; defaults to `<kind>:<host><path>`.'),
    http: HttpTargetSchema.optional(),
    soap: SoapTargetSchema.optional(),
    kafka: KafkaTargetSchema.optional(),
    retry: RetrySchema.optional(),
    reply: z
      .boolean()
      .optional()
      .describe('In a sync route, the target whose reply goes back to the caller (default: the first target).'),
    steps: z
      .array(TransformStepSchema)
      .optional()
      .describe("Transform steps (validate, map, setHeaders, removeHeaders, convert) applied to this target's copy only."),
  })
  .superRefine(exactlyOne('target', TARGET_KINDS))
  .meta({ id: 'Target', description: 'Where a message goes: exactly one target kind.', ...oneKindMeta(TARGET_KINDS) });

const httpPath = z.string().regex(/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/, { error: 'expected an absolute URL path' });
const ingressMethod = z.enum(['POST', 'PUT']);

export const HttpSourceSchema = z
  .strictObject({
    path: httpPath.describe('URL path the bus listens on, e.g. `/orders`.'),
    method: z.union([ingressMethod, z.array(ingressMethod).min(1)]).default('POST'),
  })
  .describe('Receives messages over HTTP.');

export const SOURCE_KINDS = ['http', 'soap', 'kafka'] as const;

export const SourceSchema = z
  .strictObject({ http: HttpSourceSchema.optional(), soap: SoapSourceSchema.optional(), kafka: KafkaSourceSchema.optional() })
  .superRefine(exactlyOne('source', SOURCE_KINDS))
  .meta({ id: 'Source', description: 'Where messages come from: exactly one source kind.', ...oneKindMeta(SOURCE_KINDS) });

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
    validate: transformFields.validate,
    map: transformFields.map,
    setHeaders: transformFields.setHeaders,
    removeHeaders: transformFields.removeHeaders,
    convert: transformFields.convert,
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
        })
        .superRefine(exactlyOne('split', ['path', 'expr']))
        .meta(oneKindMeta(['path', 'expr']))
        .optional()
        .describe('Splitter: one message per item of an array (`expr`, JSONata) or per repeated element (`path`, dotted).');
    },
    wireTap: TargetSchema.optional().describe('Wire tap: a copy goes to the target; its failure never affects the flow.'),
    enrich: z
      .strictObject({
        target: TargetSchema,
        merge: expression
          .optional()
          .describe('JSONata over `{ body, reply }`; default merges the reply\'s fields into the body.'),
        into: z.string().min(1).optional().describe('Puts the reply under this key of the body instead of merging.'),
      })
      .optional()
      .describe('Content enricher: calls the target and merges its reply into the body.'),
  })
  .superRefine(exactlyOne('step', STEP_KINDS));
// Registered rather than chained with `.meta()`: a chained call would make the recursive type refer to itself.
z.globalRegistry.add(StepSchema, { id: 'Step', description: 'One processing step: exactly one step kind.', ...oneKindMeta(STEP_KINDS) });

export const RouteSchema = z
  .strictObject({
    id: id('route').describe('Unique name of the route, used in the journal, the admin API and route tests.'),
    description: z.string().default(''),
    from: SourceSchema,
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
    xml: z
      .strictObject({ arrays: z.array(z.string().min(1)).default([]) })
      .optional()
      .describe('XML convention options: element paths (dotted, e.g. `Orders.Order`) that are always lists.'),
    businessKey: expression
      .optional()
      .describe('JSONata for a business key (an order number...) stored with the message for search.'),
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
    steps: z.array(StepSchema).default([]).describe('Steps applied in order to each message.'),
    to: z.array(TargetSchema).default([]).describe('Targets that receive the message after the steps.'),
    reply: z.array(StepSchema).default([]).describe('Steps applied to the reply before it goes back to a sync caller.'),
  })
  .meta({ id: 'Route' });

export const RouteFileSchema = z.strictObject({ routes: z.array(RouteSchema).min(1).describe('The routes of this file.') });

/** Shared with the route test file schema, so that both accept the same ids and header names. */
export const RouteIdSchema = id('route');
export const TargetIdSchema = id('target');
export const HeaderNameSchema = headerName;

export type RetryDef = z.output<typeof RetrySchema>;
export type HttpTargetDef = z.output<typeof HttpTargetSchema>;
export type TargetDef = z.output<typeof TargetSchema>;
export type HttpSourceDef = z.output<typeof HttpSourceSchema>;
export type SourceDef = z.output<typeof SourceSchema>;
export type TransformStepDef = z.output<typeof TransformStepSchema>;
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
  // A SOAP service takes POST on its path of the same HTTP listener (and serves its WSDL there).
  if (from.soap) return [`http POST ${from.soap.path}`];
  // One consumer per group and subscription: the same again would split the partitions between two routes.
  if (from.kafka) {
    const k = from.kafka;
    const subscriptions = k.topics ?? [k.topic ?? `/${k.topicPattern}/`];
    return subscriptions.map((t) => `kafka ${k.group} ${t}`);
  }
  return [];
}
