import { z } from 'zod';
import { pathPatternProblems } from '../shared/path-pattern';
import { compileUrlTemplate } from './url-encoding';
import { parseUrlTemplate, UrlTemplateError } from './url-template';

/** Route file schema of the HTTP connector: a path on the bus's listener as a source, a URL as a target. */

const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { error: 'expected an HTTP header name' });
const method = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * A target URL, literal or with `{expr}` parts (see url-template.ts): parsed and its expressions compiled here, so
 * that a bad template is a problem at `url` with its line. The pattern is for editors' JSON Schema only: it asks for
 * a literal http(s) origin; the refinement says precisely what is wrong.
 */
const targetUrl = z
  .string()
  .superRefine((value, ctx) => {
    try {
      compileUrlTemplate(parseUrlTemplate(value));
    } catch (err) {
      if (!(err instanceof UrlTemplateError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message });
    }
  })
  .meta({
    pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^/?#{}\\s]+([/?#].*)?$',
    description:
      'http:// or https:// URL of the target. `{expr}` in the path or in a query value is a JSONata expression evaluated ' +
      'per message (with `$params`, `$query`, `$headers`), its value percent-encoded as one segment or one value; the ' +
      'scheme, host and port are literal.',
  });

export const HttpTargetSchema = z
  .strictObject({
    url: targetUrl,
    method: method.default('POST'),
    headers: z.record(headerName, z.string()).default({}).describe('Headers added to every request; a `content-type` here replaces the body\'s own.'),
    format: z
      .enum(['json', 'xml', 'asis'])
      .default('asis')
      .describe('Body format sent: `json` or `xml` convert the message as needed, `asis` sends the bytes as they are.'),
    style: z
      .enum(['plain', 'lossless'])
      .optional()
      .describe(
        '`format: json` with an XML body: `plain` (default) sends plain JSON (no declaration, no prefixes of the route\'s `xml.namespaces`, text-only elements as values, attributes as `@name`); `lossless` sends the XML convention that expressions see.',
      ),
    xmlRoot: z
      .string()
      .optional()
      .describe('Root element name when JSON without a single top-level key is converted to XML.'),
    timeoutMs: z.int().min(1).max(600_000).default(10_000).describe('Time allowed for the whole request and reply.'),
  })
  .describe('Sends the message over HTTP.');

const httpPath = z
  .string()
  .regex(/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/, { error: 'expected an absolute URL path' })
  .superRefine((value, ctx) => {
    for (const message of pathPatternProblems(value)) ctx.addIssue({ code: 'custom', message });
  });

export const HttpSourceSchema = z
  .strictObject({
    path: httpPath.describe(
      'URL path the bus listens on, e.g. `/orders`; a segment `:name` is a path parameter (`/customers/:id`), seen by ' +
        'route expressions as `$params.name`. A literal path wins over a pattern.',
    ),
    method: z
      .union([method, z.array(method).min(1)])
      .default('POST')
      .describe('Method or methods taken. A GET or DELETE without a body becomes the JSON body `{}`.'),
    text: z
      .boolean()
      .optional()
      .describe('Also take text bodies (text/csv, text/plain, ...), for routes that read them with a step such as `convert: { to: json, from: { csv: {...} } }`. Default: JSON or XML only.'),
  })
  .describe('Receives messages over HTTP.');

export type HttpTargetDef = z.output<typeof HttpTargetSchema>;
export type HttpSourceDef = z.output<typeof HttpSourceSchema>;
