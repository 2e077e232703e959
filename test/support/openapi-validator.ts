import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** The little of an OpenAPI 3.0 document the validator reads. */
export interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

export interface Operation {
  operationId: string;
  security?: unknown[];
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
}

const DOC_ID = 'openapi.json';

/**
 * OpenAPI 3.0 schemas as JSON Schema (draft 7, which Ajv reads): `nullable: true` becomes a `null` alternative, and
 * references to components point at the document registered under DOC_ID.
 */
export function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (!schema || typeof schema !== 'object') return schema;
  const { nullable, ...rest } = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) {
    if (k === '$ref' && typeof v === 'string') out.$ref = v.replace('#/components/schemas/', `${DOC_ID}#/definitions/`);
    else if (k === 'properties' || k === 'definitions') out[k] = Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, toJsonSchema(s)]));
    else out[k] = toJsonSchema(v);
  }
  if (nullable !== true) return out;
  if (out.enum) out.enum = [...(out.enum as unknown[]), null];
  if (typeof out.type === 'string') return { ...out, type: [out.type, 'null'] };
  return { anyOf: [out, { type: 'null' }] };
}

/** Validates response bodies against the document's response schemas, by operation and status. */
export class OpenApiValidator {
  private readonly ajv = new Ajv({ strict: true, allErrors: true, strictTypes: false });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly doc: OpenApiDoc) {
    addFormats(this.ajv);
    // `description` and `example` are OpenAPI annotations Ajv knows; nothing else is allowed through.
    this.ajv.addSchema({ $id: DOC_ID, definitions: toJsonSchema(doc.components.schemas) as object });
  }

  /**
   * The problems of a response (empty when it matches): its status must be documented for the operation, its content
   * type one the status lists, and its body valid against that content's schema.
   */
  check(method: string, path: string, status: number, contentType: string | null, body: unknown): string[] {
    const operation = this.doc.paths[path]?.[method.toLowerCase()];
    if (!operation) return [`${method} ${path} is not in the document`];
    const response = operation.responses[String(status)];
    if (!response) return [`${method} ${path}: status ${status} is not documented (${Object.keys(operation.responses).join(', ')})`];
    if (!response.content) return body === undefined || body === '' ? [] : [`${method} ${path} ${status}: documented without a body, got one`];
    const type = (contentType ?? '').split(';')[0].trim();
    const media = response.content[type];
    if (!media) return [`${method} ${path} ${status}: content type ${type} is not documented (${Object.keys(response.content).join(', ')})`];
    const key = `${method} ${path} ${status} ${type}`;
    let validate = this.compiled.get(key);
    if (!validate) this.compiled.set(key, (validate = this.ajv.compile(toJsonSchema(media.schema) as object)));
    if (validate(body)) return [];
    return (validate.errors ?? []).map((e) => `${key}: ${e.instancePath || '(body)'} ${e.message} ${JSON.stringify(e.params)}`);
  }
}
