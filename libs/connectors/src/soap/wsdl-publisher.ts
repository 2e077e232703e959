import { readFile, realpath } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { TextDecoder } from 'node:util';
import * as nodePath from 'node:path';
import { ConfigError } from '@junction/core';
import { type XmlCodec, createXmlCodec } from '@junction/transform';
import { WSDL_NS, XSD_NS, soapVersionOf } from './wsdl-reader';
import { ROOT_SCOPE, elementName, rootOf, scopeOf } from './xml-namespaces';
import { decode, scanStartTags } from './xml-tag-scanner';

/** A document imported by the published WSDL. */
export interface PublishedDocument {
  readonly kind: 'wsdl' | 'xsd';
  readonly text: string;
}

/** A WSDL as callers fetch it from the bus: `<path>?wsdl`, and its imports at `<path>?xsd=<n>` / `<path>?wsdl=<n>`. */
export interface PublishedWsdl {
  readonly wsdl: string;
  /** Imported documents by number (from 1, depth-first in document order; a document imported twice has one). */
  readonly documents: ReadonlyMap<number, PublishedDocument>;
}

/** Content type of published WSDL and XSD documents (all are written as UTF-8). */
export const PUBLISHED_CONTENT_TYPE = 'text/xml; charset=utf-8';

interface Doc {
  readonly n: number;
  readonly kind: 'wsdl' | 'xsd';
  readonly text: string;
  readonly edits: Array<{ start: number; end: number; to: 'endpoint' | Doc }>;
}

/**
 * Prepares a WSDL on disk for publication, working on the raw text of its files (comments and layout kept):
 * - every `soap:address` / `soap12:address` location becomes `publicBaseUrl + path`;
 * - every `wsdl:import/@location` and `xsd:import|include|redefine|override/@schemaLocation` pointing at a file
 *   becomes `publicBaseUrl + path + '?xsd=<n>'` (`?wsdl=<n>` when the imported document is a WSDL, `?wsdl` for the
 *   main one), and that file is published as document n, rewritten the same way, recursively. http(s) locations
 *   are left as they are and not followed.
 * A location that resolves (symbolic links included) outside the main WSDL's folder is refused: ConfigError, as is
 * a file that cannot be read or is neither a WSDL nor an XML Schema. Every document is checked by the hardened codec
 * (DOCTYPE refused). Documents in another encoding than UTF-8 are decoded and their declaration says UTF-8 after.
 * `publicBaseUrl` is an http(s) URL (a trailing slash is dropped); `path` starts with `/`.
 */
export async function publishWsdl(
  mainFile: string,
  publicBaseUrl: string,
  path: string,
  options: { codec?: XmlCodec } = {},
): Promise<PublishedWsdl> {
  const endpoint = endpointOf(publicBaseUrl, path);
  const codec = options.codec ?? defaultCodec;
  const main = await realpath(nodePath.resolve(mainFile)).catch((err: unknown) => {
    throw new ConfigError(`WSDL ${mainFile}: cannot read it`, undefined, err);
  });
  const folder = nodePath.dirname(main);
  const docs = new Map<string, Doc>();
  let next = 1;

  const discover = async (file: string, importer: string | undefined): Promise<Doc> => {
    const real = importer === undefined ? file : await confined(file, folder, importer);
    const known = docs.get(real);
    if (known) return known;
    const bytes = await readFile(real).catch((err: unknown) => {
      throw new ConfigError(`WSDL ${importer ?? main}: cannot read ${real}`, undefined, err);
    });
    let text: string;
    let kind: 'wsdl' | 'xsd' | undefined;
    try {
      text = decodeDocument(bytes);
      const root = rootOf(codec.parse(text));
      const name = elementName(root.qname, scopeOf(root.value, ROOT_SCOPE));
      kind = name.ns === WSDL_NS && name.localName === 'definitions' ? 'wsdl' : name.ns === XSD_NS && name.localName === 'schema' ? 'xsd' : undefined;
    } catch (err) {
      throw new ConfigError(`WSDL ${real}: ${(err as Error).message}`, undefined, err);
    }
    if (!kind || (importer === undefined && kind !== 'wsdl')) throw new ConfigError(`WSDL ${real}: not a WSDL 1.1 document or an XML Schema`);
    const doc: Doc = { n: importer === undefined ? 0 : next++, kind, text, edits: [] };
    docs.set(real, doc);
    const references: Array<{ start: number; end: number; location?: string }> = [];
    scanStartTags(text, (tag) => {
      const { ns, localName } = tag.name;
      const attr = (name: string) => tag.attributes.find((a) => a.name.ns === '' && a.name.localName === name);
      if (localName === 'address' && soapVersionOf(ns)) {
        const location = attr('location');
        if (location) references.push({ start: location.start, end: location.end });
      } else if (ns === WSDL_NS && localName === 'import') {
        const location = attr('location');
        if (location) references.push({ ...location, location: decode(location.value) });
      } else if (ns === XSD_NS && ['import', 'include', 'redefine', 'override'].includes(localName)) {
        const location = attr('schemaLocation');
        if (location) references.push({ ...location, location: decode(location.value) });
      }
    });
    for (const ref of references) {
      if (ref.location === undefined) doc.edits.push({ start: ref.start, end: ref.end, to: 'endpoint' });
      else if (!/^https?:/i.test(ref.location)) {
        const target = await discover(fileOf(ref.location, nodePath.dirname(real), real), real);
        doc.edits.push({ start: ref.start, end: ref.end, to: target });
      }
    }
    return doc;
  };

  const root = await discover(main, undefined);
  const documents = new Map<number, PublishedDocument>();
  for (const doc of docs.values()) if (doc !== root) documents.set(doc.n, { kind: doc.kind, text: rewrite(doc, endpoint) });
  return { wsdl: rewrite(root, endpoint), documents };
}

const defaultCodec = createXmlCodec();

/**
 * The published document a `GET <path>?<query>` asks for: `wsdl` (any case, no value) is the main WSDL,
 * `wsdl=<n>` and `xsd=<n>` an imported one of that kind. Undefined for anything else (answer 404).
 */
export function publishedDocument(published: PublishedWsdl, query: string): string | undefined {
  const params = new URLSearchParams(query.startsWith('?') ? query.slice(1) : query);
  for (const [key, value] of params) {
    const kind = key.toLowerCase();
    if (kind !== 'wsdl' && kind !== 'xsd') continue;
    if (kind === 'wsdl' && value === '') return published.wsdl;
    if (!/^[1-9]\d{0,8}$/.test(value)) return undefined;
    const doc = published.documents.get(Number(value));
    return doc && doc.kind === kind ? doc.text : undefined;
  }
  return undefined;
}

function endpointOf(publicBaseUrl: string, path: string): string {
  const base = publicBaseUrl.replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(base + path);
  } catch {
    throw new ConfigError(`publicBaseUrl '${publicBaseUrl}' with path '${path}' is not a URL`);
  }
  if (!/^https?:$/.test(url.protocol) || !path.startsWith('/') || url.search || url.hash) {
    throw new ConfigError(`publicBaseUrl must be an http(s) URL and path an absolute path without a query: '${publicBaseUrl}', '${path}'`);
  }
  return url.href;
}

/** A file location (relative, absolute or `file:`) as a path, without its fragment. */
function fileOf(location: string, dir: string, importer: string): string {
  const bare = location.replace(/#.*$/, '');
  try {
    if (/^file:/i.test(bare)) return fileURLToPath(bare);
    return nodePath.resolve(dir, decodeURIComponent(bare));
  } catch (err) {
    throw new ConfigError(`WSDL ${importer}: unreadable location '${location}'`, undefined, err);
  }
}

/** The real path of `file`, refused when it, or the file a link leads to, lies outside `folder`. */
async function confined(file: string, folder: string, importer: string): Promise<string> {
  const outside = (p: string) => {
    const rel = nodePath.relative(folder, p);
    return rel === '' || rel.startsWith('..') || nodePath.isAbsolute(rel);
  };
  const refuse = () => new ConfigError(`WSDL ${importer}: the location '${file}' lies outside the WSDL's folder ${folder}`);
  // Checked on the path as written first, so that a missing file outside the folder is reported as outside.
  if (outside(file)) throw refuse();
  const real = await realpath(file).catch((err: unknown) => {
    throw new ConfigError(`WSDL ${importer}: cannot read ${file}`, undefined, err);
  });
  if (outside(real)) throw refuse();
  return real;
}

function rewrite(doc: Doc, endpoint: string): string {
  let text = doc.text;
  for (const edit of [...doc.edits].sort((a, b) => b.start - a.start)) {
    const url = edit.to === 'endpoint' ? endpoint : edit.to.n === 0 ? `${endpoint}?wsdl` : `${endpoint}?${edit.to.kind}=${edit.to.n}`;
    text = text.slice(0, edit.start) + escapeAttribute(url) + text.slice(edit.end);
  }
  return text;
}

function escapeAttribute(value: string): string {
  return value.replace(/[&<"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const DECLARED_ENCODING = /^(<\?xml[^>]*?\sencoding\s*=\s*["'])([A-Za-z][\w.:-]{0,39})(["'])/;

/** Decodes a file as its BOM or declaration says (UTF-8 by default); a declaration naming another encoding is set to UTF-8. */
function decodeDocument(bytes: Buffer): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return fixDeclaration(new TextDecoder(bytes[0] === 0xff ? 'utf-16le' : 'utf-16be', { fatal: true }).decode(bytes));
  }
  const declared = DECLARED_ENCODING.exec(bytes.toString('latin1', 0, 200))?.[2] ?? 'utf-8';
  return fixDeclaration(new TextDecoder(declared, { fatal: true }).decode(bytes));
}

function fixDeclaration(text: string): string {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return body.replace(DECLARED_ENCODING, (whole, open: string, label: string, close: string) =>
    /^utf-?8$/i.test(label) ? whole : `${open}UTF-8${close}`,
  );
}
