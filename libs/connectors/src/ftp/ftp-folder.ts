import { isIP } from 'node:net';
import { posix } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { Client } from 'basic-ftp';
import { FolderError, type FileEntry, type FolderConnection, type RemoteFolder } from '../shared/folder/remote-folder';
import type { FtpConnectionDef } from './ftp.config';

let basicFtp: typeof import('basic-ftp') | undefined;

/**
 * basic-ftp, loaded by the first connection rather than with this module: every bus process loads every connector,
 * and one whose routes use no FTP need not hold the client (its errors are only met once a connection exists).
 */
function loadBasicFtp(): typeof import('basic-ftp') {
  return (basicFtp ??= require('basic-ftp') as typeof import('basic-ftp'));
}

/** Connections to one FTP server as `ftp://host:port` (or `ftps://`). */
export function ftpConnection(config: FtpConnectionDef): FolderConnection & { readonly key: string } {
  const shown = `${config.secure === false ? 'ftp' : 'ftps'}://${config.host}:${config.port}`;
  return {
    shown,
    key: `${shown} ${config.username}`,
    connect: (signal) => FtpFolder.connect(config, shown, signal),
  };
}

/**
 * One FTP control connection, as a RemoteFolder. FTP does one command at a time on a connection: operations are
 * queued here and run in turn. The session is lost when a command fails for want of the connection (a closed
 * socket, a time-out); listeners registered with `onLost` are told once.
 */
export class FtpFolder implements RemoteFolder {
  private queue: Promise<unknown> = Promise.resolve();
  private lostError?: Error;
  private closing = false;
  private readonly listeners: Array<(err: Error) => void> = [];

  private constructor(
    private readonly client: Client,
    private readonly home: string,
    private readonly shown: string,
    private readonly secrets: readonly string[],
  ) {}

  /** Connects, secures (FTPS) and signs in; rejects with a FolderError (`connection`). */
  static async connect(config: FtpConnectionDef, shown: string, signal?: AbortSignal): Promise<FtpFolder> {
    const { Client } = loadBasicFtp();
    const client = new Client(config.timeoutMs);
    const onAbort = () => client.close();
    signal?.addEventListener('abort', onAbort, { once: true });
    const secrets = [config.password ?? ''].filter((s) => s.length >= 4);
    try {
      await client.access({
        host: config.host,
        port: config.port,
        user: config.username,
        password: config.password,
        secure: config.secure,
        secureOptions: {
          ca: config.ca,
          rejectUnauthorized: config.rejectUnauthorized,
          // SNI takes host names only; a certificate for an IP address is still checked against it.
          ...(isIP(config.host) ? {} : { servername: config.host }),
        },
      });
      const home = await client.pwd();
      return new FtpFolder(client, home, shown, secrets);
    } catch (err) {
      client.close();
      const why = signal?.aborted ? 'connection attempt given up' : (err as Error).message;
      throw new FolderError('connection', redact(`${shown}: ${why}`, secrets), { cause: err });
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  onLost(listener: (err: Error) => void): void {
    this.listeners.push(listener);
  }

  list(dir: string): Promise<FileEntry[]> {
    return this.run(`list ${dir}`, async (c) =>
      (await c.list(dir)).filter((f) => f.isFile).map((f) => ({ name: f.name, size: f.size, mtimeMs: f.modifiedAt?.getTime() ?? 0 })),
    );
  }

  stat(path: string): Promise<FileEntry | undefined> {
    return this.run(`stat ${path}`, async (c) => {
      let size: number;
      try {
        size = await c.size(path);
      } catch (err) {
        if (err instanceof loadBasicFtp().FTPError && err.code === 550) return undefined;
        throw err;
      }
      const modified = await c.lastMod(path).catch(() => undefined);
      return { name: posix.basename(path), size, mtimeMs: modified?.getTime() ?? 0 };
    });
  }

  read(path: string): Promise<Buffer> {
    return this.run(`read ${path}`, async (c) => {
      const chunks: Buffer[] = [];
      const sink = new PassThrough();
      sink.on('data', (chunk: Buffer) => chunks.push(chunk));
      await c.downloadTo(sink, path);
      return Buffer.concat(chunks);
    });
  }

  write(path: string, data: Buffer): Promise<void> {
    return this.run(`write ${path}`, async (c) => void (await c.uploadFrom(Readable.from([data]), path)));
  }

  append(path: string, data: Buffer): Promise<void> {
    return this.run(`append to ${path}`, async (c) => void (await c.appendFrom(Readable.from([data]), path)));
  }

  rename(from: string, to: string, overwrite: boolean): Promise<void> {
    return this.run(`rename ${from} to ${to}`, async (c) => {
      // FTP has no rename that refuses a taken name: it is checked first (two writers at once may both pass).
      if (!overwrite && (await c.size(to).then(() => true, () => false))) throw new FolderError('exists', `rename ${from} to ${to}: ${to} exists`);
      try {
        await c.rename(from, to);
      } catch (err) {
        // Servers that refuse to replace a file (RNTO 550/553): remove it first, when allowed to.
        if (!overwrite || !(err instanceof loadBasicFtp().FTPError)) throw err;
        await c.remove(to).catch(() => undefined);
        await c.rename(from, to);
      }
    });
  }

  remove(path: string): Promise<void> {
    return this.run(`remove ${path}`, async (c) => {
      try {
        await c.remove(path);
      } catch (err) {
        if (!(err instanceof loadBasicFtp().FTPError && err.code === 550)) throw err;
      }
    });
  }

  mkdir(dir: string): Promise<void> {
    return this.run(`create ${dir}`, async (c) => {
      // ensureDir walks into the folder: back to where paths are relative to.
      await c.ensureDir(dir);
      await c.cd(this.home);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    this.client.close();
  }

  /** Runs one operation after those queued before it; errors become FolderErrors. */
  private run<T>(what: string, op: (client: Client) => Promise<T>): Promise<T> {
    const turn = this.queue.then(async () => {
      if (this.lostError) throw new FolderError('connection', `${what}: ${this.lostError.message}`, { cause: this.lostError });
      try {
        return await op(this.client);
      } catch (err) {
        throw this.error(err, what);
      }
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private error(err: unknown, what: string): FolderError {
    if (err instanceof FolderError) return err;
    const message = redact(`${what} on ${this.shown}: ${(err as Error).message}`, this.secrets);
    if (err instanceof loadBasicFtp().FTPError) {
      if (err.code === 550 && /no such|not found|not exist|cannot find/i.test(err.message)) return new FolderError('missing', message, { cause: err });
      if (err.code === 550 || err.code === 553 || err.code === 530 || err.code === 532) return new FolderError('denied', message, { cause: err });
      if (err.code === 421) return this.lose(message, err);
      return new FolderError('other', message, { cause: err });
    }
    // Anything but a server reply (a closed socket, a time-out, a TLS failure) leaves the connection unusable.
    return this.lose(message, err);
  }

  private lose(message: string, cause: unknown): FolderError {
    const error = new FolderError('connection', message, { cause });
    if (!this.lostError && !this.closing) {
      this.lostError = error;
      this.client.close();
      for (const l of this.listeners) l(error);
    }
    return error;
  }
}

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('***');
  return out;
}
