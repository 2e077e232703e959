import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse, type SchemaObject } from '@nestjs/swagger';
import { ref, SCHEMAS } from './openapi.schemas';

/** Name of the bearer scheme in components.securitySchemes (the admin token; Basic and the session cookie work too). */
export const ADMIN_AUTH = 'admin';

const PROBLEM_TEXT: Record<number, string> = {
  400: 'a query parameter or the body is malformed',
  401: 'no valid credential (WWW-Authenticate: Bearer)',
  403: 'a session call without its CSRF token, or from another origin',
  404: 'no such resource',
  409: 'the dead letter, or what it refers to, is not dead now',
  422: 'the request was understood but refused',
  429: 'too many failed credentials from this caller: Retry-After says when to try again',
  503: 'the store is unreachable',
};

/** Problem responses (application/problem+json) of these statuses. */
export function ApiProblems(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: PROBLEM_TEXT[status] ?? 'refused', content: { 'application/problem+json': { schema: ref('Problem') } } }),
    ),
  );
}

/** A JSON response: a component by name, an array of one (`[name]`), or a schema object. */
export function ApiJson(status: number, body: keyof typeof SCHEMAS | [keyof typeof SCHEMAS] | SchemaObject, description: string): MethodDecorator & ClassDecorator {
  const schema = typeof body === 'string' ? ref(body) : Array.isArray(body) ? { type: 'array', items: ref(body[0]) } : body;
  return ApiResponse({ status, description, content: { 'application/json': { schema: schema as SchemaObject } } });
}

/** Every guarded admin route: the bearer scheme, and the refusals of the guard (401, 429; 403 for session writes). */
export function AdminApi(): MethodDecorator & ClassDecorator {
  return applyDecorators(ApiBearerAuth(ADMIN_AUTH), ApiProblems(401, 429));
}
