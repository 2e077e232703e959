import { z } from 'zod';
import { HeaderNameSchema, RouteIdSchema, TargetIdSchema } from './route.schema';

/**
 * The route test file schema (`*.test.yaml` beside the routes, run by `junction test`): each test sends one message
 * into a route, with canned replies for its targets, and states what must happen. Objects are strict, as in route
 * files. Messages of this schema never quote a value (test data may come from `${ENV}`).
 */

const headers = z.record(HeaderNameSchema, z.string());

/**
 * A message body: an object or array is JSON, a string is sent as it is. Leaves are `unknown` rather than `z.json()`:
 * YAML can only produce JSON values here, and the exported JSON Schema stays readable.
 */
const body = z.union([z.string(), z.array(z.unknown()), z.record(z.string(), z.unknown())]);

type Body = z.output<typeof body>;

/** JSON for an object or array; XML for a string starting with `<`; plain text for any other string. */
export function defaultContentType(value: Body): string {
  if (typeof value !== 'string') return 'application/json';
  return value.trimStart().startsWith('<') ? 'application/xml' : 'text/plain';
}

function withContentType<T extends { contentType?: string; body: Body }>(v: T): T & { contentType: string } {
  return { ...v, contentType: v.contentType ?? defaultContentType(v.body) };
}

export const TestInputSchema = z
  .strictObject({
    headers: headers.default({}).describe('Headers of the message sent into the route.'),
    contentType: z
      .string()
      .min(1)
      .optional()
      .describe('Default: application/json for an object body, application/xml for a string starting with `<`, else text/plain.'),
    body: body.describe('An object or array (JSON), or a string (XML or text).'),
  })
  .transform(withContentType);

export const CannedReplySchema = z
  .strictObject({
    status: z.int().min(100).max(599).default(200),
    headers: headers.default({}),
    contentType: z.string().min(1).optional().describe('Default as for the input.'),
    body: body.default({}),
  })
  .transform(withContentType)
  .describe('What a captured target answers.');

export const ExpectedDeliverySchema = z.strictObject({
  target: TargetIdSchema.describe('Id of the target that must have received the message.'),
  body: z
    .unknown()
    .optional()
    .describe('JSON: a deep partial match (the keys given must match). Text or XML: the exact string, compared canonically.'),
  headers: headers.optional().describe('Headers the delivery must carry (others may be present).'),
  count: z
    .int()
    .min(1, { error: 'expected a count of at least 1 (list the target under notDelivered for none)' })
    .optional()
    .describe('Exact number of deliveries; default: at least one.'),
});

export const ExpectedReplySchema = z
  .strictObject({
    status: z.int().min(100).max(599).optional(),
    headers: headers.optional(),
    body: z.unknown().optional().describe('Matched as a delivery body is.'),
  })
  .refine((r) => r.status !== undefined || r.headers !== undefined || r.body !== undefined, {
    error: 'expected at least one of status, headers, body',
  })
  .describe('The reply a sync route gives its caller.');

const EXPECTATIONS = ['outcome', 'deliveries', 'notDelivered', 'reply', 'idempotencyKey'] as const;

export const ExpectSchema = z
  .strictObject({
    outcome: z
      .enum(['delivered', 'filtered', 'dead', 'held'])
      .optional()
      .describe('How the message ends (`held`: an aggregate step still holds a group when the inputs are all in).'),
    deliveries: z.array(ExpectedDeliverySchema).min(1).optional(),
    notDelivered: z.array(TargetIdSchema).min(1).optional().describe('Targets that must receive nothing.'),
    reply: ExpectedReplySchema.optional(),
    idempotencyKey: z
      .string()
      .min(1)
      .optional()
      .describe('The key an idempotent route takes the message under (its `idempotent.key` on this input).'),
  })
  .superRefine((e, ctx) => {
    if (EXPECTATIONS.every((k) => e[k] === undefined)) {
      ctx.addIssue({ code: 'custom', message: `expected at least one of ${EXPECTATIONS.join(', ')}` });
    }
    e.notDelivered?.forEach((target, i) => {
      const j = e.deliveries?.findIndex((d) => d.target === target) ?? -1;
      if (j >= 0) ctx.addIssue({ code: 'custom', path: ['notDelivered', i], message: `also expected in deliveries[${j}]` });
    });
  });

export const RouteTestSchema = z
  .strictObject({
  name: z.string().min(1).describe('Shown in the test report; unique in its file.'),
  route: RouteIdSchema.describe('Id of the route under test.'),
  input: TestInputSchema.optional().describe('The message sent into the route (or `inputs`).'),
  inputs: z
    .array(TestInputSchema)
    .min(1)
    .optional()
    .describe('Several messages sent into the route one after the other (an aggregator test): the expectations hold for all of them together.'),
  replies: z
    .record(TargetIdSchema, CannedReplySchema)
    .default({})
    .describe('Canned replies of the captured targets, by target id (default: status 200, body {}).'),
  expect: ExpectSchema,
  })
  .refine((t) => (t.input === undefined) !== (t.inputs === undefined), { error: 'expected one of input or inputs' });

export const RouteTestFileSchema = z
  .strictObject({ tests: z.array(RouteTestSchema).min(1) })
  .superRefine(
    (file, ctx) => {
      // runs even when other tests are invalid (`when`), so `tests` is only known to be what the YAML held
      const tests: unknown = file.tests;
      if (!Array.isArray(tests)) return;
      const first = new Map<string, number>();
      tests.forEach((t: unknown, i) => {
        const name = (t as { name?: unknown } | null)?.name;
        if (typeof name !== 'string') return;
        const j = first.get(name);
        if (j === undefined) first.set(name, i);
        else ctx.addIssue({ code: 'custom', path: ['tests', i, 'name'], message: `duplicate test name: tests[${j}] has the same` });
      });
    },
    { when: () => true },
  );

export type TestInputDef = z.output<typeof TestInputSchema>;
export type CannedReplyDef = z.output<typeof CannedReplySchema>;
export type ExpectedDeliveryDef = z.output<typeof ExpectedDeliverySchema>;
export type ExpectedReplyDef = z.output<typeof ExpectedReplySchema>;
export type ExpectDef = z.output<typeof ExpectSchema>;
export type RouteTestDef = z.output<typeof RouteTestSchema>;
export type RouteTestFileDef = z.output<typeof RouteTestFileSchema>;
