import { z } from 'zod';

/**
 * Route file schema of the SOAP connector: a SOAP service as a route's source, a SOAP operation as a target. Kept
 * beside route.schema.ts, which puts them into `from` and `to`. Paths are relative to the route file.
 */

const text = z.string().min(1);
const servicePath = z.string().regex(/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/, { error: 'expected an absolute URL path' });

export const SoapSourceSchema = z
  .strictObject({
    path: servicePath.describe('URL path of the service; its WSDL is published at `<path>?wsdl`.'),
    wsdl: text.describe('WSDL file describing the service, relative to the route file; its imports sit beside it.'),
    service: text.optional().describe('Service name in the WSDL, when it has several.'),
    security: z
      .strictObject({
        usernameToken: z
          .strictObject({
            users: z
              .record(text, text)
              .describe('User names and their passwords; give the passwords as ${ENV} placeholders.'),
            maxSkewMs: z
              .int()
              .min(1_000)
              .max(3_600_000)
              .default(300_000)
              .describe('How far wsu:Created may be from now; nonces are remembered this long.'),
          })
          .describe('WS-Security UsernameToken (PasswordText or PasswordDigest) required on every call.'),
      })
      .optional(),
    understands: z
      .array(z.string().regex(/^\{[^{}\s]*\}([A-Za-z_][\w.\-]*|\*)$/, { error: 'expected {namespace}name or {namespace}*' }))
      .optional()
      .describe(
        'SOAP header blocks the route handles, as {namespace}name or {namespace}* (a whole namespace): a block sent with mustUnderstand that is neither listed here nor WS-Security (when `security` is set) gets a MustUnderstand Fault.',
      ),
    validate: z
      .enum(['request', 'response', 'both'])
      .optional()
      .describe("Checks payloads against the WSDL's own schemas: the caller's request (a Client Fault listing the violations), the response the bus writes (a Server Fault), or both."),
    ack: text
      .optional()
      .describe(
        'Async routes, request-response operations: JSONata over the request giving the response fields sent back at once ($messageId is bound).',
      ),
  })
  .describe('A SOAP 1.1 and 1.2 service described by a WSDL.');

export const SoapTargetSchema = z
  .strictObject({
    wsdl: text.describe('WSDL of the target: a file relative to the route file, or an http(s) URL (loaded once, cached).'),
    operation: text.describe('Operation to call.'),
    service: text.optional().describe('Service name in the WSDL, when it has several.'),
    version: z.enum(['1.1', '1.2']).optional().describe('SOAP version (binding) to use; default 1.1 when the WSDL has it.'),
    endpoint: z.url({ protocol: /^https?$/, error: 'expected a URL' }).optional().describe("Overrides the WSDL's address."),
    timeoutMs: z.int().min(1).max(600_000).default(10_000).describe('Time allowed for the whole call.'),
    validate: z
      .enum(['request', 'response', 'both'])
      .optional()
      .describe("Checks payloads against the WSDL's own schemas (a local WSDL file): the request before it is sent, the target's response; a violation is dead-lettered, never retried."),
    security: z
      .strictObject({
        usernameToken: z
          .strictObject({ username: text, password: text, digest: z.boolean().default(true) })
          .optional()
          .describe('WS-Security UsernameToken sent with every call (PasswordDigest unless digest is false).'),
        basicAuth: z.strictObject({ username: text, password: text }).optional().describe('HTTP basic authentication.'),
        tls: z
          .strictObject({
            cert: text.describe('Client certificate (PEM file, relative to the route file).'),
            key: text.describe('Its private key (PEM file).'),
            ca: text.optional().describe('CA certificate(s) to trust for the server (PEM file).'),
            passphrase: text.optional(),
          })
          .optional()
          .describe('TLS client certificate for https endpoints.'),
      })
      .optional(),
  })
  .describe('Calls a SOAP operation; the message (JSON or XML) becomes the request, the SOAP response the reply.');

export type SoapSourceDef = z.output<typeof SoapSourceSchema>;
export type SoapTargetDef = z.output<typeof SoapTargetSchema>;
