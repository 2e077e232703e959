import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { FolderError, type FileEntry, type FolderConnection, type RemoteFolder } from './remote-folder';

/** A Node file system error as a FolderError. */
function localError(err: unknown, what: string): FolderError {
  const code = (err as NodeJS.ErrnoException).code;
  const message = `${what}: ${(err as Error).message}`;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new FolderError('missing', message, { cause: err });
  if (code === 'EEXIST') return new FolderError('exists', message, { cause: err });
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'EISDIR') return new FolderError('denied', message, { cause: err });
  return new FolderError('other', message, { cause: err });
}

async function attempt<T>(what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw localError(err, what);
  }
}

/**
 * The local file system (and whatever is mounted into it) as a RemoteFolder. Never lost. A rename that may not
 * overwrite is a hard link followed by an unlink, which fails atomically when the name is taken (rename(2) would
 * replace it).
 */
export class LocalFolder implements RemoteFolder {
  async list(dir: string): Promise<FileEntry[]> {
    return attempt(`list ${dir}`, async () => {
      const entries = await fs.readdir(dir, { withFileTypes: true });
      const files: FileEntry[] = [];
      for (const e of entries) {
        if (!e.isFile() && !e.isSymbolicLink()) continue;
        const s = await fs.stat(join(dir, e.name)).catch(() => undefined);
        if (s?.isFile()) files.push({ name: e.name, size: s.size, mtimeMs: Math.trunc(s.mtimeMs) });
      }
      return files;
    });
  }

  async stat(path: string): Promise<FileEntry | undefined> {
    try {
      const s = await fs.stat(path);
      return s.isFile() ? { name: path.slice(path.lastIndexOf('/') + 1), size: s.size, mtimeMs: Math.trunc(s.mtimeMs) } : undefined;
    } catch (err) {
      const e = localError(err, `stat ${path}`);
      if (e.kind === 'missing') return undefined;
      throw e;
    }
  }

  read(path: string): Promise<Buffer> {
    return attempt(`read ${path}`, () => fs.readFile(path));
  }

  write(path: string, data: Buffer): Promise<void> {
    return attempt(`write ${path}`, () => fs.writeFile(path, data));
  }

  append(path: string, data: Buffer): Promise<void> {
    return attempt(`append to ${path}`, () => fs.appendFile(path, data));
  }

  async rename(from: string, to: string, overwrite: boolean): Promise<void> {
    if (overwrite) return attempt(`rename ${from} to ${to}`, () => fs.rename(from, to));
    await attempt(`rename ${from} to ${to}`, () => fs.link(from, to));
    await attempt(`remove ${from}`, () => fs.unlink(from));
  }

  async remove(path: string): Promise<void> {
    await attempt(`remove ${path}`, () => fs.rm(path, { force: true }));
  }

  async mkdir(dir: string): Promise<void> {
    await attempt(`create ${dir}`, () => fs.mkdir(dir, { recursive: true }));
  }

  async close(): Promise<void> {}

  onLost(): void {}
}

/** Sessions on the local file system: one shared LocalFolder, nothing to open. */
export const localConnection: FolderConnection = {
  shown: 'file://',
  connect: async () => new LocalFolder(),
};
