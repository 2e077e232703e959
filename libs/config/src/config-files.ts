import { readdirSync, realpathSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** Which YAML files of a routes folder to list: route files, or the route test files beside them. */
export type ConfigFileKind = 'routes' | 'tests';

const TEST_FILE = /\.test\.ya?ml$/i;
const YAML_FILE = /\.ya?ml$/i;
/** Folders that hold files the routes refer to (WSDLs, JSON Schemas), not route files. */
const SKIPPED_FOLDERS = new Set(['wsdl', 'schemas']);

/**
 * The files of `dir` and its subfolders, absolute, sorted by their path relative to `dir` (so that the order, and
 * with it which of two duplicates is reported, never depends on the file system). Skipped: folders named `wsdl` or
 * `schemas`, and hidden entries (a Kubernetes ConfigMap volume keeps its real files in `..data/`, beside the links).
 * Symbolic links are followed, each real folder once. Throws the file system error when `dir` cannot be read.
 */
export function listConfigFiles(dir: string, kind: ConfigFileKind): string[] {
  const root = path.resolve(dir);
  const found: { rel: string; abs: string }[] = [];
  const seen = new Set<string>();

  const visit = (abs: string, rel: string): void => {
    const real = realpathSync(abs);
    if (seen.has(real)) return;
    seen.add(real);
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const childAbs = path.join(abs, entry.name);
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      const stats = entry.isSymbolicLink() ? statIfExists(childAbs) : entry;
      if (!stats) continue;
      if (stats.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name.toLowerCase())) visit(childAbs, childRel);
      } else if (stats.isFile() && YAML_FILE.test(entry.name) && TEST_FILE.test(entry.name) === (kind === 'tests')) {
        found.push({ rel: childRel, abs: childAbs });
      }
    }
  };
  visit(root, '');
  return found.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0)).map((f) => f.abs);
}

/** A dangling link is skipped, like a file that is not there. */
function statIfExists(p: string) {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

/** The code of a file system error (`ENOENT`...), for messages that must not carry a path or a value. */
export function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException | undefined)?.code ?? 'error';
}
