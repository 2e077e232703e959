import type { BusRuntime } from '@junction/engine';
import type { DeadLetterDetail, MessageDetail } from '@junction/store';
import { createMasker, type Masker } from '@junction/transform';
import { bodyView } from './body-view';

const CREDENTIALS_ONLY = createMasker();

/** The masker of a record's route; a route no longer loaded still gets credential headers masked. */
export function maskerOf(bus: BusRuntime, routeId: string): Masker {
  return bus.routes.get(routeId)?.masker ?? CREDENTIALS_ONLY;
}

/** A journal record as the admin API shows it: bodies as text (or base64), sensitive fields and headers masked. */
export function messageView(detail: MessageDetail, masker: Masker) {
  const { body, headers, ...rest } = detail;
  return {
    ...rest,
    headers: masker.headers(headers),
    ...bodyView(masker.body(body, detail.contentType), detail.contentType),
    deliveries: detail.deliveries.map(({ body: b, headers: h, reply, ...d }) => ({
      ...d,
      headers: masker.headers(h),
      reply: reply === null ? null : maskReply(reply, masker),
      ...bodyView(masker.body(b, d.contentType), d.contentType),
    })),
  };
}

export function deadLetterView(dl: DeadLetterDetail, masker: Masker) {
  const { body, headers, ...rest } = dl;
  return { ...rest, headers: masker.headers(headers), ...bodyView(masker.body(body, dl.contentType), dl.contentType) };
}

/** The journal keeps the start of a reply without its content type: told apart by its first character. */
function maskReply(reply: string, masker: Masker): string {
  const first = reply.trimStart()[0];
  const contentType = first === '{' || first === '[' ? 'application/json' : first === '<' ? 'application/xml' : 'text/plain';
  return masker.body(Buffer.from(reply), contentType).toString('utf8');
}
