import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

export interface TempDir {
  /** Absolute path of the new, empty directory. */
  readonly path: string;
  /** Removes the directory and everything in it; safe to call twice. */
  cleanup(): Promise<void>;
}

/** Creates a fresh directory under the system's temp directory, named `<prefix>-<random>`. */
export async function tempDir(prefix: string): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), `${prefix.replace(/[^A-Za-z0-9._-]/g, '_')}-`));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/**
 * Writes route files (or any files) into `dir`: keys are paths relative to `dir` (sub-directories are created),
 * values the content, written as is. Rejects a key that is absolute or leads outside `dir`. Resolves with the
 * absolute paths written, in the order given.
 */
export async function writeRoutes(dir: string, files: Record<string, string>): Promise<string[]> {
  const root = resolve(dir);
  const written: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    const path = resolve(root, name);
    const rel = relative(root, path);
    if (isAbsolute(name) || rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      throw new Error(`writeRoutes: "${name}" is not a file path inside ${root}`);
    }
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content, 'utf8');
    written.push(path);
  }
  return written;
}
