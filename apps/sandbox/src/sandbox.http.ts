/**
 * What the simulated systems share: the request and reply shapes they work on, and small reply builders. A system is
 * a plain object that turns a fully read request into a reply; the server (sandbox.server.ts) owns sockets, recording
 * and fault injection, so a system file reads like the other company's API and nothing else.
 */

export const SYSTEM_NAMES = ['crm', 'erp', 'legacy'] as const;
export type SystemName = (typeof SYSTEM_NAMES)[number];

export function isSystemName(value: string): value is SystemName {
  return (SYSTEM_NAMES as readonly string[]).includes(value);
}

/** A request as a system sees it: body fully read, header names lower-case, repeated headers joined with `, `. */
export interface SandboxRequest {
  readonly method: string;
  /** The URL path without the query string, e.g. `/crm/customers/C-1001`. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface SandboxReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * One simulated system. `handle` and `fault` are synchronous and never throw on bad input: they answer it the way the
 * real system would (400, 415, 422...). State (sequences, stored orders) lives in the object, one per sandbox.
 */
export interface SandboxSystem {
  readonly name: SystemName;
  /** Path prefix the system answers under, e.g. `/crm`. */
  readonly prefix: string;
  handle(req: SandboxRequest): SandboxReply;
  /** The reply for an injected fault, in the system's own error format, so a fault looks like the real thing. */
  fault(status: number, reason: string): SandboxReply;
}

/** One operation of a system: a method and a path pattern whose named groups become `params`. */
export interface SystemOperation {
  readonly method: string;
  readonly path: RegExp;
  handle(req: SandboxRequest, params: Readonly<Record<string, string>>): SandboxReply;
}

/**
 * Finds the operation for a request: 404 through `notFound` when no pattern matches the path, 405 with an `Allow`
 * header when the path exists under another method.
 */
export function dispatch(
  operations: readonly SystemOperation[],
  req: SandboxRequest,
  error: (status: number, reason: string) => SandboxReply,
): SandboxReply {
  const allowed: string[] = [];
  for (const op of operations) {
    const match = op.path.exec(req.path);
    if (!match) continue;
    if (op.method === req.method) return op.handle(req, match.groups ?? {});
    allowed.push(op.method);
  }
  if (allowed.length === 0) return error(404, `no resource at ${req.path}`);
  const reply = error(405, `${req.method} not allowed on ${req.path}`);
  return { ...reply, headers: { ...reply.headers, allow: allowed.join(', ') } };
}

export function jsonReply(status: number, value: unknown, headers: Record<string, string> = {}): SandboxReply {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(value) };
}

export function xmlReply(status: number, xml: string, contentType = 'application/xml; charset=utf-8'): SandboxReply {
  return { status, headers: { 'content-type': contentType }, body: `<?xml version="1.0" encoding="UTF-8"?>\n${xml}` };
}

/** Escapes text for an XML element or attribute value. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => XML_ENTITIES[c] ?? c);
}

const XML_ENTITIES: Readonly<Record<string, string>> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' };

/** True when the request carries no content type or one of the given kind (`json`, `xml`). */
export function acceptsContentType(req: SandboxRequest, kind: 'json' | 'xml'): boolean {
  const ct = req.headers['content-type'];
  return ct === undefined || ct.toLowerCase().includes(kind);
}

/** A zero-padded sequence reference such as `CRM-000042`. */
export function reference(prefix: string, n: number): string {
  return `${prefix}-${String(n).padStart(6, '0')}`;
}
