import type { Body } from '@junction/core';
import { convertBody, type XmlCodec } from '@junction/transform';
import type { CompiledTarget } from './compiled-route';

/**
 * The body a target receives, in the format it declares: `asis` sends the message's own bytes (a passthrough costs no
 * parsing), `json`/`xml` convert through the XML convention when the formats differ; XML toward `json` takes the
 * target's style (plain JSON unless it asks for `lossless`).
 */
export function outgoingBody(body: Body, target: CompiledTarget, codec: XmlCodec): Body {
  if (target.format === 'asis' || target.format === body.format) return body;
  return convertBody(body, target.format, codec, target.xmlRoot, target.style ?? 'plain');
}
