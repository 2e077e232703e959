import { z } from 'zod';

/**
 * The `validate` step: the body against a JSON Schema (`schema`: a file relative to the route file, or inline) or an
 * XML Schema (`xsd`: a file relative to the route file, with the files it imports or includes beside it). A message
 * that does not match is refused with every violation listed: 422 to an HTTP caller, a Client/Sender Fault to a
 * SOAP caller, a dead letter when the bus itself produced it.
 */
export const ValidateStepSchema = z
  .strictObject({
    schema: z
      .union([z.string().min(1), z.record(z.string(), z.unknown())])
      .optional()
      .describe('JSON Schema (ajv): a path relative to the route file, or the schema inline.'),
    xsd: z
      .string()
      .min(1)
      .optional()
      .describe('XML Schema file relative to the route file; its imports and includes must sit in the route folder (nothing is fetched).'),
  })
  .superRefine((v, ctx) => {
    const given = (['schema', 'xsd'] as const).filter((k) => v[k] !== undefined);
    if (given.length !== 1) ctx.addIssue({ code: 'custom', message: given.length === 0 ? 'expected schema (JSON Schema) or xsd (XML Schema)' : 'expected schema or xsd, not both' });
  })
  .meta({ id: 'Validate', description: 'Validates the body against a JSON Schema or an XML Schema.', oneOf: [{ required: ['schema'] }, { required: ['xsd'] }] });

export type ValidateStepDef = z.output<typeof ValidateStepSchema>;
