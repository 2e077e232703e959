import { TextDecoder } from 'node:util';
import { type Body, type BodyFormat, InputError, formatOf } from '@junction/core';
import { type XmlCodec, defaultXmlCodec } from '../xml/xml-codec';
import { charsetOf } from './charset';
import { DEFAULT_JSON_LIMITS, type JsonLimits, parseJsonText } from './json-text';

/** How a BytesBody reads its bytes, besides the XML codec. */
export interface BytesBodyOptions {
  /**
   * For an XML body its producer built: the value the bytes were written from (see XmlCodec.reread), so that `value()`
   * takes it (the codec's `arrays` paths applied) instead of parsing them; they are parsed after all when the codec
   * cannot tell the value from them. Ignored for other formats.
   */
  readonly written?: unknown;
  /** Limits a JSON body is parsed under; DEFAULT_JSON_LIMITS when omitted. */
  readonly json?: JsonLimits;
}

/**
 * A body as received: the bytes and their content type. `bytes()` is always the original buffer, so a passthrough
 * costs nothing; `value()` parses at most once (JSON, or XML through the codec's convention) and caches the result or
 * the error. The cached value is shared by every reader: treat it as read-only and build a new body to change it.
 */
export class BytesBody implements Body {
  readonly format: BodyFormat;
  private parsed = false;
  private parsedValue: unknown;
  private failure: unknown;

  /** `codec` decides the XML convention's `arrays` paths and limits; the default codec is used when omitted. */
  constructor(
    private readonly raw: Buffer,
    readonly contentType: string,
    private readonly codec: XmlCodec = defaultXmlCodec,
    private readonly options: BytesBodyOptions = {},
  ) {
    this.format = formatOf(contentType);
  }

  bytes(): Buffer {
    return this.raw;
  }

  /**
   * The JSON form: parsed JSON, the XML convention's object, or the text of a text body. Throws InputError:
   * `JSON_*`/`XML_*` (400) for unparseable bodies or ones over the limits (JSON: see parseJsonText),
   * `UNSUPPORTED_BODY` (415) for binary bodies.
   */
  value(): unknown {
    if (!this.parsed) {
      try {
        this.parsedValue = this.parse();
      } catch (err) {
        this.failure = err;
      }
      this.parsed = true;
    }
    if (this.failure !== undefined) throw this.failure;
    return this.parsedValue;
  }

  private parse(): unknown {
    switch (this.format) {
      case 'json':
        return parseJsonText(this.raw.toString('utf8'), this.options.json ?? DEFAULT_JSON_LIMITS);
      case 'xml': {
        const { written } = this.options;
        return (written !== undefined ? this.codec.reread(written, this.raw) : undefined) ?? this.codec.parse(this.raw, { charset: charsetOf(this.contentType) });
      }
      case 'text':
        return decodeText(this.raw, this.contentType);
      default:
        throw unsupportedBody(this.contentType);
    }
  }
}

/** The error for asking a binary body for its JSON form. */
export function unsupportedBody(contentType: string): InputError {
  return new InputError('UNSUPPORTED_BODY', `A ${contentType || 'binary'} body has no JSON form`, 415);
}

function decodeText(raw: Buffer, contentType: string): string {
  const charset = charsetOf(contentType)?.toLowerCase();
  if (charset === undefined || charset === 'utf-8' || charset === 'utf8') return raw.toString('utf8');
  try {
    return new TextDecoder(charset).decode(raw);
  } catch (err) {
    throw new InputError('UNSUPPORTED_BODY', `Unsupported charset '${charset}'`, 415, err);
  }
}
