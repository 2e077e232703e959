/** The formats the bus understands natively; anything else passes through as bytes. */
export type BodyFormat = 'json' | 'xml' | 'text' | 'binary';

/**
 * A message body: the raw bytes as received, and its parsed form computed at most once, on demand. A body that a step
 * produced from a value is serialised at most once, when a target or the journal asks for bytes.
 */
export interface Body {
  readonly format: BodyFormat;
  readonly contentType: string;
  /** The body as bytes in its own format. */
  bytes(): Buffer;
  /** The body as a JSON value (an XML body through the documented XML convention). Throws InputError if unparseable. */
  value(): unknown;
}

/** Infers the body format from a content type header. */
export function formatOf(contentType: string | undefined): BodyFormat {
  if (!contentType) return 'binary';
  const ct = contentType.toLowerCase();
  if (ct.includes('json')) return 'json';
  if (ct.includes('xml')) return 'xml';
  if (ct.startsWith('text/')) return 'text';
  return 'binary';
}

/** The default content type of a format. */
export function contentTypeOf(format: BodyFormat): string {
  switch (format) {
    case 'json':
      return 'application/json';
    case 'xml':
      return 'application/xml';
    case 'text':
      return 'text/plain; charset=utf-8';
    default:
      return 'application/octet-stream';
  }
}
