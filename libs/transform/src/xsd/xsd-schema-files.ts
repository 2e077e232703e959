import { readFileSync, realpathSync } from 'node:fs';
import * as nodePath from 'node:path';
import { ConfigError } from '@junction/core';
import type { XmlCodec } from '../xml/xml-codec';
import { decodeXmlInput } from '../xml/xml-encoding';

/** The XML Schema namespace. */
export const XSD_NS = 'http://www.w3.org/2001/XMLSchema';

/** One document of a schema set, named by its path relative to the set's folder, `/`-separated. */
export interface XsdFile {
  readonly fileName: string;
  readonly contents: string;
}

/** Everything a validation needs, read once: the main schema's name and every document (the main one included). */
export interface XsdSchemaSet {
  readonly main: string;
  readonly files: readonly XsdFile[];
}

/** Largest schema document read (a schema is configuration, not traffic). */
const MAX_SCHEMA_BYTES = 16 * 1024 * 1024;

/**
 * Reads an XML Schema file (`file`, relative to `folder`) and every document it brings in through `xs:import`,
 * `xs:include`, `xs:redefine` and `xs:override`, recursively. See withSchemaImports for the rules.
 */
export function loadXsdSchema(file: string, folder: string, codec: XmlCodec): XsdSchemaSet {
  const main = relativeName(confined(nodePath.resolve(folder, file), folder, file), folder);
  return { main, files: withSchemaImports([], [main], folder, codec) };
}

/**
 * The given documents (generated ones, e.g. the schemas embedded in a WSDL, named as if they sat in `folder`) plus
 * the files named by `fileNames`, plus every file any of them imports or includes, each once, read from disk. Every
 * document is read by the hardened codec (no DTD, limits). A location is resolved against the document holding it;
 * an http(s) location, or one that resolves (symbolic links included) outside `folder`, is refused: schemas are
 * never fetched over the network. An `xs:import` without a schemaLocation is left to the documents already there.
 * Throws ConfigError naming the document and the location.
 */
export function withSchemaImports(given: readonly XsdFile[], fileNames: readonly string[], folder: string, codec: XmlCodec): XsdFile[] {
  const root = realOf(nodePath.resolve(folder)) ?? nodePath.resolve(folder);
  const out = new Map<string, XsdFile>();
  const visit = (doc: XsdFile) => {
    if (out.has(doc.fileName)) return;
    out.set(doc.fileName, doc);
    for (const location of schemaLocations(doc, codec)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(location) && !/^file:/i.test(location)) {
        throw new ConfigError(`XSD ${doc.fileName}: the location '${location}' is not a local file; schemas are not fetched over the network (keep a copy beside the schema)`);
      }
      const bare = decodeURIComponent(location.replace(/^file:(\/\/)?/i, '').replace(/#.*$/, ''));
      const dir = nodePath.dirname(nodePath.resolve(root, doc.fileName));
      const generated = byName.get(relativeName(nodePath.resolve(dir, bare), root));
      if (generated) {
        visit(generated);
        continue;
      }
      const real = confined(nodePath.resolve(dir, bare), root, `${doc.fileName}: '${location}'`);
      const name = relativeName(real, root);
      if (!out.has(name)) visit(readSchemaFile(real, name, codec));
    }
  };
  const byName = new Map(given.map((doc) => [doc.fileName, { fileName: doc.fileName, contents: withoutDeclaration(doc.contents) }]));
  for (const doc of byName.values()) visit(doc);
  for (const name of fileNames) if (!out.has(name)) visit(readSchemaFile(nodePath.resolve(root, name), name, codec));
  return [...out.values()];
}

function readSchemaFile(file: string, fileName: string, codec: XmlCodec): XsdFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new ConfigError(`cannot read XSD ${fileName}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, undefined, err);
  }
  let text: string;
  try {
    text = decodeXmlInput(bytes, MAX_SCHEMA_BYTES);
  } catch (err) {
    throw new ConfigError(`XSD ${fileName}: ${(err as Error).message}`, undefined, err);
  }
  return { fileName, contents: withoutDeclaration(text) };
}

/**
 * The text handed to the validator: decoded already, so the declaration (whose encoding may name the file's) is
 * dropped; the line ends after it stay, so line numbers do not move.
 */
export function withoutDeclaration(text: string): string {
  return text.replace(/^\uFEFF?<\?xml[^?]*\?>/, '');
}

/** The schemaLocation of every import, include, redefine and override of a schema document. */
function schemaLocations(doc: XsdFile, codec: XmlCodec): string[] {
  let tree: Record<string, unknown>;
  try {
    tree = codec.parse(doc.contents);
  } catch (err) {
    throw new ConfigError(`XSD ${doc.fileName}: ${(err as Error).message}`, undefined, err);
  }
  const rootKey = Object.keys(tree).find((k) => k !== '?xml');
  const rootScope = scopeOf(rootKey ? tree[rootKey] : undefined, new Map());
  if (!rootKey || nameOf(rootKey, rootScope).ns !== XSD_NS || nameOf(rootKey, rootScope).local !== 'schema') {
    throw new ConfigError(`XSD ${doc.fileName}: not an XML Schema (its root is not xs:schema)`);
  }
  const found: string[] = [];
  const walk = (qname: string, value: unknown, outer: ReadonlyMap<string, string>) => {
    if (Array.isArray(value)) return value.forEach((v) => walk(qname, v, outer));
    if (typeof value !== 'object' || value === null) return;
    const scope = scopeOf(value, outer);
    const name = nameOf(qname, scope);
    const v = value as Record<string, unknown>;
    if (name.ns === XSD_NS && ['import', 'include', 'redefine', 'override'].includes(name.local) && typeof v['@schemaLocation'] === 'string') {
      found.push(v['@schemaLocation']);
    }
    for (const [key, child] of Object.entries(v)) {
      if (key === '#mixed' && Array.isArray(child)) {
        for (const entry of child) {
          if (typeof entry === 'object' && entry !== null && !('#cdata' in entry)) {
            for (const [k, c] of Object.entries(entry)) walk(k, c, scope);
          }
        }
      } else if (!key.startsWith('@') && !key.startsWith('#')) walk(key, child, scope);
    }
  };
  walk(rootKey, tree[rootKey], new Map());
  return found;
}

function scopeOf(value: unknown, outer: ReadonlyMap<string, string>): ReadonlyMap<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return outer;
  let scope: Map<string, string> | undefined;
  for (const [key, v] of Object.entries(value)) {
    if (key === '@xmlns') (scope ??= new Map(outer)).set('', String(v));
    else if (key.startsWith('@xmlns:')) (scope ??= new Map(outer)).set(key.slice(7), String(v));
  }
  return scope ?? outer;
}

function nameOf(qname: string, scope: ReadonlyMap<string, string>): { ns: string; local: string } {
  const colon = qname.indexOf(':');
  const prefix = colon === -1 ? '' : qname.slice(0, colon);
  return { ns: scope.get(prefix) ?? '', local: qname.slice(colon + 1) };
}

function realOf(file: string): string | undefined {
  try {
    return realpathSync(file);
  } catch {
    return undefined;
  }
}

/** The real path of `file`, refused when it, or where a link leads, lies outside `folder`. */
function confined(file: string, folder: string, what: string): string {
  const root = realOf(folder) ?? folder;
  const outside = (p: string) => {
    const rel = nodePath.relative(root, p);
    return rel === '' || rel.startsWith('..') || nodePath.isAbsolute(rel);
  };
  const refuse = () => new ConfigError(`XSD ${what}: the file lies outside the route's folder ${root}`);
  if (outside(nodePath.resolve(root, nodePath.relative(folder, file)))) throw refuse();
  const real = realOf(file);
  if (real === undefined) throw new ConfigError(`cannot read XSD ${what}: no such file`);
  if (outside(real)) throw refuse();
  return real;
}

function relativeName(real: string, folder: string): string {
  const root = realOf(folder) ?? folder;
  return nodePath.relative(root, real).split(nodePath.sep).join('/');
}
