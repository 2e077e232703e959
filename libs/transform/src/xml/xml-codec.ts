import { join } from 'node:path';
import { InputError } from '@junction/core';
import { type WhenBusy, type WorkerPool } from '../workers/worker-pool';
import { workerTask } from '../workers/worker-task';
import type { XmlBuildOptions, XmlLimits, XmlOptions } from './xml-convention';
import { type XmlDecodeOptions, decodeXmlInput } from './xml-encoding';
import { prescanXml, resolveXmlLimits } from './xml-guard';
import { type JsonStyle, plainJson } from './xml-plain';
import { type CompiledNamespaces, PrefixScope, compileNamespaces } from './xml-prefixes';
import { type ArrayPaths, compileArrayPaths } from './xml-reader';
import { type ReferenceReader, createReferenceReader } from './xml-reference-reader';
import { rereadWritten } from './xml-reread';
import { scanXml } from './xml-scanner';
import type { XmlTaskInput } from './xml-tasks';
import { writeXml } from './xml-writer';

/**
 * XML <-> JSON under the Junction convention (xml-convention.ts), with its options prepared once. Create one codec
 * per configuration (a route, a connector) and reuse it: it holds a single configured parser and the compiled
 * `arrays` paths, so the per-message path builds nothing but the result. A codec is stateless between calls and
 * safe to share.
 */
export interface XmlCodec {
  /** The limits every parse enforces (defaults filled in). */
  readonly limits: Readonly<Required<XmlLimits>>;
  /**
   * Parses an untrusted document into the convention's JSON form. Throws InputError (400): `XML_DOCTYPE_FORBIDDEN`,
   * `XML_LIMIT` (message names the limit), `XML_MALFORMED` (message gives line and column where known; also for an
   * encoding its signs disagree on: see xml-encoding.ts). `options.charset`: the content type's, when there is one.
   */
  parse(input: string | Buffer, options?: XmlDecodeOptions): Record<string, unknown>;
  /**
   * The cheap refusals of `parse` without building anything: size, encoding, DTD, depth, attribute count, a second
   * root, and a document cut short (an unterminated construct, an unclosed or missing root). For bodies the bus
   * passes on without reading, so that they are screened in one linear pass: what passes is read as markup the same
   * way by any parser that honours the encoding rules, and holds no DTD.
   */
  screen(input: string | Buffer, options?: XmlDecodeOptions): void;
  /**
   * `parse`, off the event loop when the codec was given workers and the input is large enough for them (see
   * WorkerPool): the same value and the same refusals. Rejects also with a BusyError when `whenBusy` is 'refuse' and
   * the workers' backlog is full, and with `XML_LIMIT` when parsing needs more than a worker's heap.
   */
  parseAsync(input: Buffer, options?: XmlReadOptions): Promise<Record<string, unknown>>;
  /** `parse`'s refusals without its value, off the event loop as parseAsync: nothing but the verdict comes back. */
  checkAsync(input: Buffer, options?: XmlReadOptions): Promise<void>;
  /** `screen`, off the event loop as parseAsync. */
  screenAsync(input: Buffer, options?: XmlReadOptions): Promise<void>;
  /** Writes a JSON value as XML; throws InputError `XML_ROOT_REQUIRED`, `XML_UNREPRESENTABLE` (422) or `XML_LIMIT`. */
  build(value: unknown, options?: XmlBuildOptions): string;
  /**
   * What `parse(bytes)` returns, worked out from `written`, the value `bytes` were built from (by any codec's `build`,
   * without a declaration), so that a producer that built a document need not have it read back: this codec's
   * `arrays` paths apply as in `parse`. Undefined when that cannot be told without reading the bytes (a shape the
   * reader never produces, or bytes one of this codec's limits would refuse): call `parse` then. The result is new;
   * `written` is not changed.
   */
  reread(written: unknown, bytes: Buffer | string): Record<string, unknown> | undefined;
  /**
   * A document in the convention (what `parse` returns, or a step's XML value) as JSON for a REST consumer, in
   * `style`: `lossless` returns it as it is; `plain` (see xml-plain.ts) drops the declaration and the namespace
   * declarations, the prefixes of this codec's `namespaces` and the `#text` / `#cdata` / `#mixed` wrappers that
   * are not needed, keeping `arrays` paths as lists. The result is new; `doc` is not changed.
   */
  toJson(doc: unknown, style: JsonStyle): unknown;
}

/** How one asynchronous read goes: the content type's charset, and what to do when the workers are all busy. */
export interface XmlReadOptions extends XmlDecodeOptions {
  /** Default 'wait'; ingress passes 'refuse', to answer 503 rather than queue without bound. */
  readonly whenBusy?: WhenBusy;
}

// The tasks a worker runs for a codec (xml-tasks.ts), named by path so that this module does not load them.
const TASKS = join(__dirname, 'xml-tasks');
const XML_PARSE = workerTask<XmlTaskInput, Record<string, unknown>>(TASKS, 'parse');
const XML_CHECK = workerTask<XmlTaskInput, void>(TASKS, 'check');
const XML_SCREEN = workerTask<XmlTaskInput, void>(TASKS, 'screen');

/**
 * Creates a codec. `workers`: where its asynchronous reads of large inputs run; without them, they run on the caller's
 * thread. Throws ConfigError for an invalid `arrays` path or limit.
 */
export function createXmlCodec(options: XmlOptions = {}, workers?: WorkerPool): XmlCodec {
  const limits = resolveXmlLimits(options.limits);
  const paths = compileArrayPaths(options.arrays);
  const namespaces = compileNamespaces(options.namespaces);
  // Immutable, so one serves every document.
  const scope = namespaces && PrefixScope.root(namespaces);
  const reference = createReferenceReader(limits, paths, namespaces);
  const workerOptions: XmlOptions = { arrays: options.arrays, limits, ...(options.namespaces && { namespaces: options.namespaces }) };
  return new DefaultXmlCodec(limits, paths, namespaces, scope, reference, workerOptions, workers);
}

class DefaultXmlCodec implements XmlCodec {
  constructor(
    readonly limits: Readonly<Required<XmlLimits>>,
    private readonly paths: ArrayPaths | undefined,
    private readonly namespaces: CompiledNamespaces | undefined,
    private readonly scope: PrefixScope | undefined,
    /** The multi-pass reading the scanner hands what it does not read itself (see xml-scanner.ts). */
    private readonly reference: ReferenceReader,
    /** What a worker needs to build the same codec. */
    private readonly options: XmlOptions,
    private readonly workers: WorkerPool | undefined,
  ) {}

  async parseAsync(input: Buffer, options: XmlReadOptions = {}): Promise<Record<string, unknown>> {
    if (!this.workers?.takes(input.length)) return this.parse(input, options);
    return this.workers.run(XML_PARSE, this.task(input, options), options.whenBusy ?? 'wait');
  }

  async checkAsync(input: Buffer, options: XmlReadOptions = {}): Promise<void> {
    if (!this.workers?.takes(input.length)) return void this.parse(input, options);
    return this.workers.run(XML_CHECK, this.task(input, options), options.whenBusy ?? 'wait');
  }

  async screenAsync(input: Buffer, options: XmlReadOptions = {}): Promise<void> {
    if (!this.workers?.takes(input.length)) return this.screen(input, options);
    return this.workers.run(XML_SCREEN, this.task(input, options), options.whenBusy ?? 'wait');
  }

  private task(input: Buffer, options: XmlReadOptions): XmlTaskInput {
    // The structured clone copies a view's whole ArrayBuffer: a slice of a larger one is copied out first.
    const bytes = input.byteOffset === 0 && input.byteLength === input.buffer.byteLength ? input : Uint8Array.prototype.slice.call(input);
    return { codec: this.options, bytes, charset: options.charset };
  }

  screen(input: string | Buffer, options?: XmlDecodeOptions): void {
    const unfinished = prescanXml(decodeXmlInput(input, this.limits.maxBytes, options), this.limits);
    if (unfinished) throw unfinished;
  }

  parse(input: string | Buffer, options?: XmlDecodeOptions): Record<string, unknown> {
    const text = decodeXmlInput(input, this.limits.maxBytes, options);
    // One pass for what the scanner reads; the reference reading for the rest, refusals worded by the validator.
    return scanXml(text, this.limits, this.paths, this.scope) ?? this.reference(text);
  }

  toJson(doc: unknown, style: JsonStyle): unknown {
    return style === 'lossless' ? doc : plainJson(doc, this.paths, this.namespaces?.prefixes);
  }

  build(value: unknown, options: XmlBuildOptions = {}): string {
    return writeXml(value, options, this.limits.maxDepth);
  }

  reread(written: unknown, bytes: Buffer | string): Record<string, unknown> | undefined {
    const length = typeof bytes === 'string' ? Buffer.byteLength(bytes, 'utf8') : bytes.length;
    return rereadWritten(written, length, this.paths, this.limits, this.scope);
  }
}

/** The codec with default limits and no `arrays` paths, for bodies built without a route's codec. */
export const defaultXmlCodec: XmlCodec = createXmlCodec();
const defaultCodec = defaultXmlCodec;
const codecsByOptions = new WeakMap<XmlOptions, XmlCodec>();

function codecFor(options: XmlOptions | undefined): XmlCodec {
  if (!options) return defaultCodec;
  let codec = codecsByOptions.get(options);
  if (!codec) codecsByOptions.set(options, (codec = createXmlCodec(options)));
  return codec;
}

/**
 * Parses XML with a codec for `options` (see XmlCodec.parse). Convenience for one-off use: a codec is cached per
 * options object, so pass the same object each time, or better hold a codec from createXmlCodec.
 */
export function xmlToJson(input: string | Buffer, options?: XmlOptions): unknown {
  return codecFor(options).parse(input);
}

/** Writes XML with the default limits (see XmlCodec.build). */
export function jsonToXml(value: unknown, options?: XmlBuildOptions): string {
  return defaultCodec.build(value, options);
}
