import { TextDecoder } from 'node:util';
import { type Body, type BodyFormat, InputError, formatOf } from '@junction/core';
import type { WhenBusy } from '../workers/worker-pool';
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
  private loading?: Promise<void>;

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
   * Makes `value()` answer at once without holding the event loop for it: a large XML body is parsed by its codec's
   * workers (see XmlCodec.parseAsync), anything else as `value()` parses it. The value or the document's refusal is
   * cached as `value()` caches them, and that refusal is left for `value()` to throw. Load rejects only with what is
   * not the document's fault, caching nothing: the BusyError of a full backlog (`whenBusy: 'refuse'`) or of a pool
   * shutting down, a worker that failed.
   */
  load(whenBusy: WhenBusy = 'wait'): Promise<void> {
    if (this.parsed) return Promise.resolve();
    if (this.format !== 'xml' || this.options.written !== undefined) {
      this.settle(() => this.parse());
      return Promise.resolve();
    }
    this.loading ??= this.codec.parseAsync(this.raw, { charset: charsetOf(this.contentType), whenBusy }).then(
      (value) => this.settle(() => value),
      (err) => {
        this.loading = undefined;
        if (!(err instanceof InputError)) throw err;
        this.settle(() => {
          throw err;
        });
      },
    );
    return this.loading;
  }

  /**
   * The JSON form: parsed JSON, the XML convention's object, or the text of a text body. Throws InputError:
   * `JSON_*`/`XML_*` (400) for unparseable bodies or ones over the limits (JSON: see parseJsonText),
   * `UNSUPPORTED_BODY` (415) for binary bodies.
   */
  value(): unknown {
    if (!this.parsed) this.settle(() => this.parse());
    if (this.failure !== undefined) throw this.failure;
    return this.parsedValue;
  }

  private settle(read: () => unknown): void {
    if (this.parsed) return;
    try {
      this.parsedValue = read();
    } catch (err) {
      this.failure = err;
    }
    this.parsed = true;
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
