import type { Scrubbed } from '@junction/store';
import type { Masker } from '@junction/transform';

/**
 * The masked copy of a payload to keep in the journal once nothing needs the original (a message routed, a delivery
 * delivered); undefined when the route masks nothing in it, so that routes without sensitive data pay nothing.
 */
export function scrubbedCopy(masker: Masker, headers: Record<string, string>, body: Buffer, contentType: string): Scrubbed | undefined {
  const maskedHeaders = masker.headers(headers);
  const headersChanged = Object.keys(maskedHeaders).some((k) => maskedHeaders[k] !== headers[k]);
  if (!masker.masksBodies && !headersChanged) return undefined;
  return { headers: maskedHeaders, body: masker.body(body, contentType) };
}
