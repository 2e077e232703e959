/**
 * The one seam between the folder connectors (file, sftp, ftp) and the systems they reach: a small set of file
 * operations on one connected session. The polling, claiming and committing of files (FolderPoller) and the
 * write-then-rename of targets (FolderEgress) are written once against it; each system implements it once (the local
 * file system, an SFTP session over ssh2, an FTP/FTPS control connection over basic-ftp).
 *
 * Lifecycle: a `FolderConnection` opens sessions (`connect`), with no I/O before that call. A session is used until
 * `close` or until it is lost (`onLost` fires once: the server closed it, the network dropped): its owner then drops
 * it and connects again. Paths are POSIX paths as the server understands them (absolute, or relative to its login
 * folder). Operations reject with a FolderError that says what happened in terms the callers act on (`kind`).
 */
export interface RemoteFolder {
  /** The regular files directly in `dir` (not folders, not links to folders), with size and modification time. */
  list(dir: string): Promise<FileEntry[]>;
  /** One file's size and modification time, or undefined when there is no such file. */
  stat(path: string): Promise<FileEntry | undefined>;
  /** The whole content of a file. */
  read(path: string): Promise<Buffer>;
  /** Creates or truncates `path` and writes `data` into it. */
  write(path: string, data: Buffer): Promise<void>;
  /** Writes `data` at the end of `path`, creating it when missing. */
  append(path: string, data: Buffer): Promise<void>;
  /**
   * Renames `from` to `to` on the server. With `overwrite` an existing `to` is replaced (atomically where the
   * protocol allows); without, an existing `to` fails with kind `exists` and `from` is left as it was.
   */
  rename(from: string, to: string, overwrite: boolean): Promise<void>;
  /** Deletes a file; a missing one is not an error. */
  remove(path: string): Promise<void>;
  /** Creates a folder and its parents; an existing one is not an error. */
  mkdir(dir: string): Promise<void>;
  /** Ends the session. Never rejects. */
  close(): Promise<void>;
  /** Called once when the session is lost (not after `close`). */
  onLost(listener: (err: Error) => void): void;
}

/** A file as a listing shows it. */
export interface FileEntry {
  readonly name: string;
  readonly size: number;
  /** Modification time, epoch ms, at the resolution the server gives (whole seconds for SFTP and FTP). */
  readonly mtimeMs: number;
}

/** Opens sessions to one folder server; `shown` names it in logs, statuses and addresses (no credentials). */
export interface FolderConnection {
  readonly shown: string;
  connect(signal?: AbortSignal): Promise<RemoteFolder>;
}

/**
 * What a failed operation means to its caller: `missing` (no such file or folder), `exists` (a rename that may not
 * overwrite met a file), `denied` (permissions: trying again will not help), `connection` (the session is unusable:
 * connect again), `other` (a server failure that may pass).
 */
export type FolderErrorKind = 'missing' | 'exists' | 'denied' | 'connection' | 'other';

export class FolderError extends Error {
  constructor(
    readonly kind: FolderErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FolderError';
  }
}

/** The kind of any error a folder operation gave (a FolderError's own, else `other`). */
export function folderErrorKind(err: unknown): FolderErrorKind {
  return err instanceof FolderError ? err.kind : 'other';
}
