import { z } from 'zod';

/** Route file schema of the HTTP connector: a path on the bus's listener as a source, a URL as a target. */

const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { error: 'expected an HTTP header name' });
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

const httpPath = z.string().regex(/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/, { error: 'expected an absolute URL path' });
const ingressMethod = z.enum(['POST', 'PUT']);

export const HttpSourceSchema = z
  .strictObject({
    path: httpPath.describe('URL path the bus listens on, e.g. `/orders`.'),
    method: z.union([ingressMethod, z.array(ingressMethod).min(1)]).default('POST'),
  })
  .describe('Receives messages over HTTP.');

export type HttpTargetDef = z.output<typeof HttpTargetSchema>;
export type HttpSourceDef = z.output<typeof HttpSourceSchema>;
