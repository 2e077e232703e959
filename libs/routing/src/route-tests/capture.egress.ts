import type { EgressConnector, EgressEndpoint, Headers, Message, Reply } from '@junction/core';
import { DeliveryError } from '@junction/core';
import { BytesBody } from '@junction/transform';

/** A call a route made to a target during a route test. */
export interface CapturedCall {
  readonly targetId: string;
  readonly message: Message;
}

/** A canned reply of a target in a route test. */
export interface CannedReply {
  readonly status?: number;
  readonly headers?: Headers;
  /** Used when `headers` has no content-type; inferred from the body when neither says. */
  readonly contentType?: string;
  readonly body?: unknown;
}

/**
 * Stands in for every egress connector during `junction test`: endpoints record what they are sent and answer with the
 * test's canned reply for their target (200 `{}` by default). No network is touched. The target id of each endpoint
 * is learnt after compiling (`name`), since endpoints are created before ids are known.
 */
export class CaptureEgress implements EgressConnector {
  readonly endpoints = new Map<EgressEndpoint, { targetId: string }>();
  replies: Record<string, CannedReply> = {};
  calls: CapturedCall[] = [];

  constructor(readonly kind: string) {}

  endpoint(config: unknown): EgressEndpoint {
    const slot = { targetId: '?' };
    const url = (config as { url?: string }).url ?? this.kind;
    const endpoint: EgressEndpoint = {
      description: `captured ${url}`,
      send: async (message: Message): Promise<Reply> => {
        this.calls.push({ targetId: slot.targetId, message });
        return cannedReply(slot.targetId, this.replies[slot.targetId]);
      },
    };
    this.endpoints.set(endpoint, slot);
    return endpoint;
  }

  name(endpoint: EgressEndpoint, targetId: string): void {
    const slot = this.endpoints.get(endpoint);
    if (slot) slot.targetId = targetId;
  }

  async close(): Promise<void> {}
}

function cannedReply(targetId: string, canned: CannedReply | undefined): Reply {
  const status = canned?.status ?? 200;
  const raw = canned?.body ?? {};
  const isText = typeof raw === 'string';
  // header names as the test wrote them (Content-Type...): a message's headers are lower-case
  const headers = Object.fromEntries(Object.entries(canned?.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const contentType =
    headers['content-type'] ??
    canned?.contentType ??
    (isText ? (raw.trimStart().startsWith('<') ? 'application/xml' : 'text/plain') : 'application/json');
  const bytes = Buffer.from(isText ? raw : JSON.stringify(raw));
  if (status >= 400) {
    throw new DeliveryError(`HTTP_${status}`, `${targetId}: HTTP ${status} (canned)`, { retriable: false, status });
  }
  return { status, headers: { ...headers, 'content-type': contentType }, body: new BytesBody(bytes, contentType) };
}
