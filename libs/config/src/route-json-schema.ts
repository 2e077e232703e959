import { z } from 'zod';
import type { ConnectorSpec } from './connector-spec';
import { routeSchemas } from './route.schema';
import { RouteTestFileSchema } from './route-test.schema';

/**
 * JSON Schemas of the route file and the route test file, for editors (completion, hover text, checks as you type).
 * Generated from the zod schemas, so they never disagree on shape; checks that JSON Schema cannot state (unique ids,
 * interpolation) are left to the loader, which stays the authority. Draft 7: what yaml-language-server supports.
 */

export const ROUTES_SCHEMA_ID = 'urn:junction:schemas:routes';
export const ROUTE_TESTS_SCHEMA_ID = 'urn:junction:schemas:route-tests';

function exported(schema: z.ZodType, id: string, title: string, description: string): Record<string, unknown> {
  // `input`: what a person writes (defaults optional), not what the loader produces
  const { $schema, ...rest } = z.toJSONSchema(schema, { io: 'input', target: 'draft-07' });
  return { $schema, $id: id, title, description, ...allowPlaceholders(rest) };
}

type JsonSchema = Record<string, unknown>;

/** A string with a `${...}` in it: its value is only known once interpolated. */
const EMBEDDED = { type: 'string', pattern: '\\$\\{' };
/** A scalar that is one placeholder, which the loader reads as the number or boolean the field wants. */
const WHOLE = { type: 'string', pattern: '^\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}$' };

/**
 * Route files hold `${ENV}` placeholders where values are checked (URLs, paths, numbers, enums): the editor must not
 * flag `url: ${CRM_URL}/orders` or `timeoutMs: ${TIMEOUT_MS:-5000}`, which the loader accepts. Each such field also
 * accepts a string with a placeholder. Keys (`propertyNames`) are never interpolated and stay as they are.
 */
function allowPlaceholders(node: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if ((key === 'properties' || key === 'definitions') && isSchema(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isSchema(v) ? allowPlaceholders(v) : v]));
    } else if ((key === 'items' || key === 'additionalProperties') && isSchema(value)) {
      out[key] = allowPlaceholders(value);
    } else if ((key === 'anyOf' || key === 'allOf') && Array.isArray(value)) {
      out[key] = value.map((v: unknown) => (isSchema(v) ? allowPlaceholders(v) : v));
    } else {
      out[key] = value;
    }
  }
  const checked = out.type === 'string' && (out.pattern !== undefined || out.format !== undefined || out.enum !== undefined);
  const typed = out.type === 'integer' || out.type === 'number' || out.type === 'boolean';
  if (!checked && !typed) return out;
  const { description, default: dflt, ...constraint } = out;
  return {
    ...(description === undefined ? {} : { description }),
    ...(dflt === undefined ? {} : { default: dflt }),
    anyOf: [constraint, checked ? EMBEDDED : WHOLE],
  };
}

function isSchema(v: unknown): v is JsonSchema {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** JSON Schema of a route file (`routes/*.yaml`) for the bus's connector list. */
export function routeFileJsonSchema(connectors: readonly ConnectorSpec[]): Record<string, unknown> {
  return exported(
    routeSchemas(connectors).file,
    ROUTES_SCHEMA_ID,
    'Junction route file',
    'Routes of the Junction service bus: where messages come from, the steps applied to them and the targets they go to. Strings may use ${ENV} and ${ENV:-default}; $${ is a literal ${.',
  );
}

/** JSON Schema of a route test file (`routes/*.test.yaml`). */
export function routeTestFileJsonSchema(): Record<string, unknown> {
  return exported(
    RouteTestFileSchema,
    ROUTE_TESTS_SCHEMA_ID,
    'Junction route test file',
    'Tests run by `junction test`: a message sent into a route, canned replies of its targets, and the expected deliveries, outcome and reply.',
  );
}

/** The committed files under `schemas/`, by file name: their text is exactly what `renderJsonSchema` gives. */
export function jsonSchemaFiles(connectors: readonly ConnectorSpec[]): ReadonlyArray<{ readonly file: string; readonly schema: Record<string, unknown> }> {
  return [
    { file: 'routes.schema.json', schema: routeFileJsonSchema(connectors) },
    { file: 'route-tests.schema.json', schema: routeTestFileJsonSchema() },
  ];
}

/** Stable text of a schema file: two-space indentation, key order as generated, final newline. */
export function renderJsonSchema(schema: Record<string, unknown>): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
