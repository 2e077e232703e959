import { ConfigError } from '@junction/core';

export type StoreTarget =
  | { driver: 'sqlite'; /** A file path, or ':memory:'. */ path: string }
  | { driver: 'postgres'; /** The connection URL without the `schema` parameter. */ url: string; schema?: string };

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Reads a store URL: `sqlite:<path>`, `sqlite::memory:`, or `postgres://user@host:port/db?schema=name`
 * (`postgresql:` too). A schema name must be a plain identifier: it goes into `search_path` unquoted.
 */
export function parseStoreUrl(url: string): StoreTarget {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (!path) throw new ConfigError(`store URL "${url}" has no file path`);
    return { driver: 'sqlite', path };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (err) {
      throw new ConfigError(`store URL is not a valid PostgreSQL URL`, undefined, err);
    }
    const schema = parsed.searchParams.get('schema') ?? undefined;
    parsed.searchParams.delete('schema');
    if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
      throw new ConfigError(`store URL schema "${schema}" is not a plain identifier (letters, digits, _)`);
    }
    return { driver: 'postgres', url: parsed.toString(), schema };
  }
  throw new ConfigError(`store URL must start with sqlite: or postgres:// (got "${redact(url)}")`);
}

/** The URL with its password removed, for logs and errors. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
