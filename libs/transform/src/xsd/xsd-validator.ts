import { BusError, ValidationError, type Body } from '@junction/core';
import { charsetOf } from '../body/charset';
import { decodeXmlInput } from '../xml/xml-encoding';
import { MAX_RUNS, runXmllint, type XmllintFile } from './xmllint-runner';
import type { XsdSchemaSet } from './xsd-schema-files';
import { withoutDeclaration } from './xsd-schema-files';

/** One violation of a schema: libxml2's message and the line of the document it was found on (no column is given). */
export interface XsdViolation {
  readonly line?: number;
  readonly message: string;
}

/** At most this many violations are listed in an error; a document with thousands of bad items stays readable. */
const MAX_LISTED = 100;
/** Documents validated by one call of the validator, and their total size. */
const MAX_BATCH = 64;
const MAX_BATCH_CHARS = 4 * 1024 * 1024;
/** libxml2 runs at a time, for all validators together (see runXmllint). */
const MAX_CALLS = MAX_RUNS;
let running = 0;
/** Validators with documents waiting for a run. */
const waiting = new Set<XsdValidator>();

/** The schema files sit under this folder of the validator's in-memory file system; documents beside it. */
const SCHEMA_DIR = 'schema';

interface Pending {
  readonly xml: string;
  readonly resolve: (violations: XsdViolation[]) => void;
  readonly reject: (err: unknown) => void;
}

/** Documents validated and violations found, by every validator since start. */
export const xsdCounts = { documents: 0, invalid: 0, violations: 0 };

/**
 * An XML Schema (1.0) validator over a schema set read once (see loadXsdSchema), backed by libxml2 (xmllint-wasm).
 * libxml2 runs in WebAssembly with an in-memory file system holding the schema set and the documents only: no
 * network, no other file, no external DTD. A run parses the schema set again (xmllint is a command-line tool), which
 * costs more than validating a small document: documents that arrive while earlier ones are being validated are
 * therefore validated together in one run (up to 64, up to 4 MB of text), with 2 to 4 runs at a time in the process
 * (see runXmllint), so that throughput grows with load rather than each message paying for the schema alone.
 */
export class XsdValidator {
  private readonly queue: Pending[] = [];

  constructor(
    /** Names the schema in errors (the file as the route names it). */
    readonly name: string,
    private readonly schema: XsdSchemaSet,
  ) {}

  /**
   * The violations of `xml` (text, decoded already), in document order; empty when it is valid. A document libxml2
   * cannot read yields its parser errors as violations. Rejects only when the schema set itself cannot be used (it
   * does not compile, a type it names is missing: BusError `XSD_INVALID`) or libxml2 fails on the document in another
   * way (out of memory: `XSD_FAILED`); neither is retriable, both are failures of the route.
   */
  async validate(xml: string): Promise<XsdViolation[]> {
    const violations = await this.enqueue(xml);
    xsdCounts.documents++;
    if (violations.length > 0) xsdCounts.invalid++;
    xsdCounts.violations += violations.length;
    return violations;
  }

  private enqueue(xml: string): Promise<XsdViolation[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ xml: withoutDeclaration(xml), resolve, reject });
      this.pump();
    });
  }

  /** Returns when `xml` is valid; otherwise throws ValidationError listing every violation as `line <n>: <message>`. */
  async check(xml: string, what = 'The message'): Promise<void> {
    const violations = await this.validate(xml);
    if (violations.length === 0) return;
    throw violationError(violations, `${what} does not match XSD '${this.name}'`);
  }

  /** Validates a probe document: rejects when the schema set does not compile (a missing type, a bad import). */
  async compiles(): Promise<void> {
    await this.enqueue('<junction-schema-probe/>');
  }

  private pump(): void {
    while (running < MAX_CALLS && this.queue.length > 0) {
      const batch: Pending[] = [];
      let chars = 0;
      while (this.queue.length > 0 && batch.length < MAX_BATCH && (batch.length === 0 || chars + this.queue[0].xml.length <= MAX_BATCH_CHARS)) {
        const next = this.queue.shift()!;
        chars += next.xml.length;
        batch.push(next);
      }
      running++;
      void this.run(batch).finally(() => {
        running--;
        for (const v of waiting) {
          if (running >= MAX_CALLS) break;
          waiting.delete(v);
          v.pump();
        }
      });
    }
    if (this.queue.length > 0) waiting.add(this);
  }

  private async run(batch: Pending[]): Promise<void> {
    try {
      const results = await this.call(batch.map((p) => p.xml));
      batch.forEach((p, i) => p.resolve(results[i]));
    } catch (err) {
      if (batch.length === 1 || isSchemaError(err)) {
        for (const p of batch) p.reject(err);
        return;
      }
      // One document libxml2 could not read fails the whole call: each is validated alone then.
      for (const p of batch) {
        try {
          p.resolve((await this.call([p.xml]))[0]);
        } catch (e) {
          p.reject(e);
        }
      }
    }
  }

  /** One xmllint run over `docs`: the violations of each. */
  private async call(docs: readonly string[]): Promise<XsdViolation[][]> {
    const names = docs.map((_, i) => `message-${i}.xml`);
    const files = [...docs.map((contents, i) => ({ fileName: names[i], contents })), ...schemaFiles(this.schema)];
    const { code, stderr } = await runXmllint(`${SCHEMA_DIR}/${this.schema.main}`, files, names);
    // 0: valid, 3 and 4: invalid; 1 with errors located in the one document: libxml2 could not read it.
    const readable = code === 0 || code === 3 || code === 4 || (code === 1 && docs.length === 1 && /^message-0\.xml:\d+:/m.test(stderr));
    if (!readable) {
      // 5: the schema set does not compile.
      if (code === 5) throw new BusError('XSD_INVALID', `XSD '${this.name}' cannot be used: ${firstLines(stderr)}`, { retriable: false });
      // Anything else (a document libxml2 cannot read, out of memory) is told apart by validating each alone.
      if (docs.length > 1) throw new Error('a document of the batch failed the run');
      throw new BusError('XSD_FAILED', `libxml2 could not validate the document against '${this.name}' (exit ${code}): ${firstLines(stderr)}`, { retriable: false });
    }
    const output = code === 0 ? '' : stderr;
    const out = docs.map(() => [] as XsdViolation[]);
    for (const line of output.split('\n')) {
      const m = /^message-(\d+)\.xml:(\d+): (.*)$/.exec(line);
      if (!m) continue;
      out[Number(m[1])]?.push({ line: Number(m[2]), message: cleaned(m[3]) });
    }
    // A document reported invalid with no located message still gets one violation.
    if (output !== '') {
      docs.forEach((_, i) => {
        if (out[i].length === 0 && new RegExp(`^message-${i}\\.xml fails to validate`, 'm').test(output)) {
          out[i].push({ message: 'the document fails to validate' });
        }
      });
    }
    return out;
  }
}

/** ValidationError listing violations as `line <n>: <message>` (at most 100 of them), every one in its message too. */
export function violationError(violations: readonly XsdViolation[], what: string): ValidationError {
  const listed = violations.slice(0, MAX_LISTED).map((v) => (v.line === undefined ? v.message : `line ${v.line}: ${v.message}`));
  if (violations.length > MAX_LISTED) listed.push(`... and ${violations.length - MAX_LISTED} more`);
  const count = `${violations.length} violation${violations.length === 1 ? '' : 's'}`;
  // The journal keeps an error's message: every violation is in it, so a dead letter says what was wrong.
  return new ValidationError(`${what} (${count}): ${listed.join('; ')}`, listed);
}

function isSchemaError(err: unknown): boolean {
  return err instanceof BusError && err.code === 'XSD_INVALID';
}

/** The schema files under the schema folder. */
function schemaFiles(schema: XsdSchemaSet): XmllintFile[] {
  return schema.files.map((f) => ({ fileName: `${SCHEMA_DIR}/${f.fileName}`, contents: f.contents }));
}

/** libxml2's message without the tool's prefixes. */
function cleaned(message: string): string {
  return message
    .replace(/^element \S+: /, '')
    .replace(/^Schemas validity error : /, '')
    .replace(/^parser error : /, 'not well-formed: ')
    .trim();
}

function firstLines(text: string): string {
  return text.split('\n').filter((l) => l.trim() !== '').slice(0, 5).join(' | ').replace(new RegExp(`${SCHEMA_DIR}/`, 'g'), '');
}

/**
 * The XML text of a body as the validator reads it: decoded as the bus decodes it (byte order mark, declaration and
 * the content type's charset), so that a document in ISO-8859-1 or UTF-16 is validated as what it says.
 */
export function xmlTextOf(body: Body): string {
  return xmlText(body.bytes(), charsetOf(body.contentType));
}

/** XML bytes as text, as xmlTextOf reads a body's; `charset` is the content type's. */
export function xmlText(bytes: Buffer, charset?: string): string {
  return decodeXmlInput(bytes, Number.MAX_SAFE_INTEGER, { charset });
}
