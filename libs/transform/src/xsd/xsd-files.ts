import { readFileSync, realpathSync } from 'node:fs';
import * as nodePath from 'node:path';
import { ConfigError } from '@junction/core';
import { type XmlCodec, defaultXmlCodec } from '../xml/xml-codec';
import type { XsdModel } from './xsd-model';
import { type XsdLoader, type XsdSource, readXsdModel } from './xsd-reader';

/**
 * A loader of schema files from disk: a `schemaLocation` resolves against the importing file, and must lie in
 * `folder` or below once symbolic links are resolved (else ConfigError). Locations with a URL scheme (http:, file:)
 * are never fetched: an import of such a location is a ConfigError, since the bus reads no schema over the network.
 * `known`, when given, is asked first (documents already read, by absolute path or URL).
 */
export function fileXsdLoader(folder: string, known?: ReadonlyMap<string, string>): XsdLoader {
  const root = realPath(nodePath.resolve(folder));
  return (location, base) => {
    if (/^[a-z][a-z0-9+.-]+:/i.test(base)) {
      const url = new URL(location, base).toString();
      const text = known?.get(url);
      if (text === undefined) throw new ConfigError(`schema ${base}: '${location}' would be fetched over the network; the bus does not`);
      return { uri: url, text };
    }
    if (/^[a-z][a-z0-9+.-]+:/i.test(location) && !/^[a-z]:[\\/]/i.test(location)) {
      throw new ConfigError(`schema ${base}: '${location}' would be fetched over the network; the bus does not`);
    }
    const file = realPath(nodePath.resolve(nodePath.dirname(base), location));
    const known_ = known?.get(file);
    if (known_ !== undefined) return { uri: file, text: known_ };
    const rel = nodePath.relative(root, file);
    if (rel === '' || rel.startsWith('..') || nodePath.isAbsolute(rel)) {
      throw new ConfigError(`schema ${base}: '${location}' lies outside the folder ${root}`);
    }
    return { uri: file, text: readText(file, base) };
  };
}

/**
 * Reads an XSD file (or a WSDL's schemas) and everything it imports or includes, confined to `folder` (default: the
 * file's own folder; the file itself must lie in it too). Throws ConfigError naming the file on any failure.
 */
export function loadXsdFile(file: string, options: { folder?: string; codec?: XmlCodec } = {}): XsdModel {
  const main = realPath(nodePath.resolve(file));
  const folder = options.folder ?? nodePath.dirname(main);
  const rel = nodePath.relative(realPath(nodePath.resolve(folder)), main);
  if (rel.startsWith('..') || nodePath.isAbsolute(rel)) throw new ConfigError(`schema ${file} lies outside the folder ${folder}`);
  const source: XsdSource = { uri: main, text: readText(main, undefined) };
  return readXsdModel([source], fileXsdLoader(folder), options.codec ?? defaultXmlCodec);
}

function readText(file: string, from: string | undefined): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${from ? `schema ${from}: ` : ''}cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, undefined, err);
  }
}

function realPath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}
