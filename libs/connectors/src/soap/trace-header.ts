import type { Headers } from '@junction/core';
import type { SoapHeaderBlock } from './soap-envelope';
import { escapeXml } from './xml-escape';

/**
 * Trace context inside the SOAP Envelope, for SOAP services whose stack reads headers from the Envelope rather than
 * from HTTP (and for SOAP carried over something other than HTTP later). Two text blocks in the bus's own namespace,
 * never mustUnderstand, so a service that does not know them ignores them as SOAP requires.
 */
export const TRACE_NS = 'urn:junction:trace';

export function traceHeaderBlocks(trace: { traceparent: string; 'x-correlation-id': string }): string[] {
  return [
    `<jt:traceparent xmlns:jt="${TRACE_NS}">${escapeXml(trace.traceparent)}</jt:traceparent>`,
    `<jt:correlationId xmlns:jt="${TRACE_NS}">${escapeXml(trace['x-correlation-id'])}</jt:correlationId>`,
  ];
}

/** Takes the trace blocks of an incoming Envelope into the message headers, unless HTTP already brought them.
 *  Returns false for a block that is not one of them. */
export function readTraceBlock(block: SoapHeaderBlock, headers: Headers): boolean {
  if (block.ns !== TRACE_NS) return false;
  const text = block.text?.trim();
  if (text && block.localName === 'traceparent') headers['traceparent'] ??= text;
  if (text && block.localName === 'correlationId') headers['x-correlation-id'] ??= text;
  return true;
}
