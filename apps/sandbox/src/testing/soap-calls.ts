import { XMLParser } from 'fast-xml-parser';
import type { Client } from 'soap';

/** What one call through a node-soap client came back with, for assertions. */
export interface SoapCallResult {
  /** HTTP status of the answer (0 when none came). */
  readonly status: number;
  /** The output node-soap parsed; undefined for a Fault or a one-way operation. */
  readonly result: unknown;
  /** The Fault in the answer, whatever its HTTP status. */
  readonly fault?: { readonly code: string; readonly reason: string; readonly subcode?: string };
  /** The answer's body as received, and its content type. */
  readonly body: string;
  readonly contentType: string;
  /** The envelope and HTTP headers the client sent. */
  readonly request: string;
  readonly requestHeaders: Readonly<Record<string, string>>;
}

type SoapCallback = (err: unknown, result: unknown, rawResponse: unknown) => void;
type SoapMethod = (args: unknown, callback: SoapCallback, options: object, extraHeaders: Record<string, string>) => void;

/**
 * Calls `service.port.operation` through a node-soap client (so that the port's binding decides the SOAPAction), with
 * extra HTTP headers; never rejects on a Fault or an HTTP error.
 */
export function callSoap(
  client: Client,
  [service, port]: readonly [string, string],
  operation: string,
  args: unknown,
  headers: Record<string, string> = {},
): Promise<SoapCallResult> {
  const method = (client[service] as Record<string, Record<string, SoapMethod>> | undefined)?.[port]?.[operation];
  if (!method) throw new Error(`the client has no ${service}.${port}.${operation}`);
  return new Promise((resolve) => {
    let status = 0;
    let contentType = '';
    client.once('response', (_body: unknown, response: { status?: number; headers?: Record<string, unknown> } | null) => {
      status = response?.status ?? 0;
      contentType = String(response?.headers?.['content-type'] ?? '');
    });
    method(
      args,
      (err, result, rawResponse) => {
        const failure = err as { response?: { status?: number; headers?: Record<string, unknown> }; body?: unknown } | null;
        const body = typeof rawResponse === 'string' ? rawResponse : typeof failure?.body === 'string' ? failure.body : '';
        if (failure?.response?.status) status = failure.response.status;
        if (failure?.response?.headers) contentType = String(failure.response.headers['content-type'] ?? '');
        const fault = faultOf(body);
        resolve({
          status,
          result: err ? undefined : result,
          ...(fault ? { fault } : {}),
          body,
          contentType,
          request: String(client.lastRequest ?? ''),
          requestHeaders: lowerCaseKeys(client.lastRequestHeaders),
        });
      },
      {},
      headers,
    );
  });
}

const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false });

/** The Fault in a SOAP 1.1 or 1.2 envelope: code and subcode without prefix, and the reason. */
export function faultOf(envelope: string): SoapCallResult['fault'] {
  if (!envelope.includes('Fault')) return undefined;
  const fault = (parser.parse(envelope) as { Envelope?: { Body?: { Fault?: Record<string, unknown> } } }).Envelope?.Body?.Fault;
  if (!fault) return undefined;
  const local = (qname: unknown) => String(qname ?? '').replace(/^.*:/, '');
  if ('faultcode' in fault) return { code: local(fault.faultcode), reason: String(fault.faultstring ?? '') };
  const code = fault.Code as { Value?: unknown; Subcode?: { Value?: unknown } } | undefined;
  const text = (fault.Reason as { Text?: unknown } | undefined)?.Text;
  const reason = String((typeof text === 'object' && text !== null ? (text as { '#text'?: unknown })['#text'] : text) ?? '');
  return { code: local(code?.Value), reason, ...(code?.Subcode ? { subcode: local(code.Subcode.Value) } : {}) };
}

function lowerCaseKeys(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof headers !== 'object' || headers === null) return out;
  for (const [k, v] of Object.entries(headers as Record<string, unknown>)) out[k.toLowerCase()] = String(v);
  return out;
}
