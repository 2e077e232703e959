import { randomUUID } from 'node:crypto';
import { createClientAsync, type Client } from 'soap';
import type { SoapOutcome } from './demo-console';
import type { SoapOrderRequest } from './sample-orders';

/** Where the bus publishes the legacy order service (routes/wsdl/legacy-orders.wsdl); its WSDL is at `?wsdl`. */
export const LEGACY_SOAP_PATH = '/soap/orders';

/** Whether the client can call the bus: yes, not yet (the bus answers 404 for the WSDL), or not for another reason. */
export type SoapConnection =
  | { readonly ok: true }
  | { readonly ok: false; readonly published: false }
  | { readonly ok: false; readonly published: true; readonly reason: string };

export interface LegacySoapClientOptions {
  /** The bus's base URL, without a trailing slash. */
  readonly busUrl: string;
  /** Sent as `Authorization: Bearer <token>` with the WSDL request and every call (a bus started with INGRESS_TOKEN). */
  readonly token?: string;
  /** Time allowed for the WSDL and for each call. */
  readonly timeoutMs: number;
}

type SoapCallback = (err: unknown, result: unknown) => void;
type SoapMethod = (args: unknown, callback: SoapCallback, options: object) => void;

/**
 * The legacy order system as a SOAP client of the bus. It knows only what the bus publishes: `connect` fetches
 * `<bus>/soap/orders?wsdl` and builds a node-soap client from it, once; until the bus publishes the service (404) it
 * says so and tries again on the next `connect`. Calls use node-soap's default, SOAP 1.1, at the address the WSDL
 * gives. One call at a time; neither method rejects.
 */
export class LegacySoapClient {
  private client: Client | undefined;

  constructor(private readonly options: LegacySoapClientOptions) {}

  get wsdlUrl(): string {
    return `${this.options.busUrl}${LEGACY_SOAP_PATH}?wsdl`;
  }

  /** Makes sure there is a client; cheap once there is one. */
  async connect(signal?: AbortSignal): Promise<SoapConnection> {
    if (this.client) return { ok: true };
    const auth: Record<string, string> = this.options.token ? { authorization: `Bearer ${this.options.token}` } : {};
    try {
      const res = await fetch(this.wsdlUrl, { headers: auth, signal: this.signal(signal) });
      await res.arrayBuffer();
      if (res.status === 404) return { ok: false, published: false };
      if (res.status !== 200) return { ok: false, published: true, reason: `GET ${this.wsdlUrl} answered ${res.status}` };
      const client = await createClientAsync(this.wsdlUrl, {
        disableCache: true,
        wsdl_headers: auth,
        wsdl_options: { timeout: this.options.timeoutMs },
      });
      if (typeof client.SubmitOrder !== 'function') {
        return { ok: false, published: true, reason: 'its WSDL has no SubmitOrder operation' };
      }
      if (this.options.token) client.addHttpHeader('Authorization', `Bearer ${this.options.token}`);
      this.client = client;
      return { ok: true };
    } catch (err) {
      return { ok: false, published: true, reason: messageOf(err) };
    }
  }

  /** Calls SubmitOrder: the response's Status and MessageId, a Fault's reason, or why there was no SOAP answer. */
  submitOrder(request: SoapOrderRequest, signal?: AbortSignal): Promise<SoapOutcome> {
    const client = this.client;
    if (!client) return Promise.resolve({ kind: 'error', error: 'not connected' });
    const exchangeId = randomUUID();
    let httpStatus: number | undefined;
    const onResponse = (_body: unknown, response: { status?: number } | null, eid: string) => {
      if (eid === exchangeId) httpStatus = response?.status;
    };
    client.on('response', onResponse);
    return new Promise<SoapOutcome>((resolve) => {
      const method = client.SubmitOrder as SoapMethod;
      method(
        request.args,
        (err, result) => {
          client.off('response', onResponse);
          if (err) return resolve(outcomeOfError(err, httpStatus));
          const answer = result as { Status?: unknown; MessageId?: unknown } | null;
          if (httpStatus !== undefined && httpStatus >= 300) {
            return resolve({ kind: 'error', error: `HTTP ${httpStatus} without a SOAP Fault` });
          }
          if (typeof answer?.Status !== 'string') return resolve({ kind: 'error', error: 'a response without a Status' });
          const messageId = typeof answer.MessageId === 'string' && answer.MessageId !== '' ? answer.MessageId : undefined;
          resolve({ kind: 'response', status: answer.Status, ...(messageId ? { messageId } : {}) });
        },
        { timeout: this.options.timeoutMs, exchangeId, ...(signal ? { signal } : {}) },
      );
    });
  }

  private signal(signal: AbortSignal | undefined): AbortSignal {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    return signal ? AbortSignal.any([signal, timeout]) : timeout;
  }
}

/** A Fault (1.1 faultstring or 1.2 Reason/Text) in a node-soap error, else the error's own message. */
function outcomeOfError(err: unknown, httpStatus: number | undefined): SoapOutcome {
  type Failure = { root?: { Envelope?: { Body?: { Fault?: Record<string, unknown> } } }; response?: { status?: number } };
  const failure = err as Failure;
  const status = failure.response?.status ?? httpStatus;
  const fault = failure.root?.Envelope?.Body?.Fault;
  if (fault) {
    // SOAP 1.1 faultstring; SOAP 1.2 Reason/Text, an object when it has attributes (xml:lang).
    const text = (fault.Reason as { Text?: unknown } | undefined)?.Text;
    const reason = fault.faultstring ?? (typeof text === 'object' && text !== null ? (text as { $value?: unknown }).$value : text);
    return { kind: 'fault', reason: String(reason ?? messageOf(err)), ...(status ? { httpStatus: status } : {}) };
  }
  return { kind: 'error', error: status ? `HTTP ${status}: ${messageOf(err)}` : messageOf(err) };
}

function messageOf(err: unknown): string {
  const cause = (err as { cause?: { message?: unknown } }).cause?.message;
  const message = typeof cause === 'string' ? cause : err instanceof Error ? err.message : String(err);
  return message.replace(/\s+/g, ' ').trim().slice(0, 200);
}
