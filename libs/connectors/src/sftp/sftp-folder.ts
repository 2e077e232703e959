import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { Client, ConnectConfig, FileEntryWithStats, SFTPWrapper, Stats } from 'ssh2';
import { FolderError, type FileEntry, type FolderConnection, type RemoteFolder } from '../shared/folder/remote-folder';
import type { SftpConnectionDef } from './sftp.config';

let ssh2: typeof import('ssh2') | undefined;

/**
 * ssh2, loaded by the first connection rather than with this module: every bus process loads every connector, and
 * one whose routes use no SFTP need not hold the library.
 */
function loadSsh2(): typeof import('ssh2') {
  return (ssh2 ??= require('ssh2') as typeof import('ssh2'));
}

/** SFTP status codes (draft-ietf-secsh-filexfer-02) that ssh2 puts on its errors' `code`. */
const NO_SUCH_FILE = 2;
const PERMISSION_DENIED = 3;
const NO_CONNECTION = 6;
const CONNECTION_LOST = 7;

/** The SHA256 fingerprint of an SSH public key blob, as `ssh-keygen -lf` prints it. */
export function hostKeyFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** Removes what must never be shown (passwords, keys) from a text. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('***');
  return out;
}

/** Connections to one SSH server as `sftp://user@host:port`. */
export function sftpConnection(config: SftpConnectionDef): FolderConnection & { readonly key: string } {
  const shown = `sftp://${config.host}:${config.port}`;
  return {
    shown,
    key: `${shown} ${config.username} ${config.hostKey?.join(',') ?? 'any'}`,
    connect: (signal) => SftpFolder.connect(config, shown, signal),
  };
}

/**
 * One SSH connection with its SFTP channel, as a RemoteFolder. The server's host key is checked against the pinned
 * fingerprints before any credential is sent. Operations run concurrently on the channel (SFTP pipelines requests).
 * The session is lost when the connection ends or errs; every listener registered with `onLost` is told once.
 */
export class SftpFolder implements RemoteFolder {
  private lostError?: Error;
  private closing = false;
  private readonly listeners: Array<(err: Error) => void> = [];

  private constructor(
    private readonly client: Client,
    private readonly sftp: SFTPWrapper,
    private readonly shown: string,
  ) {
    const lose = (err?: Error) => {
      if (this.closing || this.lostError) return;
      this.lostError = err ?? new Error(`${shown}: the SSH connection closed`);
      for (const l of this.listeners) l(this.lostError);
    };
    client.on('error', (err) => lose(new Error(`${shown}: ${err.message}`)));
    client.on('close', () => lose());
    client.on('end', () => lose());
    sftp.on('close', () => lose(new Error(`${shown}: the SFTP channel closed`)));
  }

  /** Connects, checks the host key, signs in and opens the SFTP channel; rejects with a FolderError (`connection`). */
  static connect(config: SftpConnectionDef, shown: string, signal?: AbortSignal): Promise<SftpFolder> {
    const { Client } = loadSsh2();
    const client = new Client();
    let presented: string | undefined;
    const secrets = [config.password, config.privateKey, config.passphrase];
    return new Promise<SftpFolder>((resolve, reject) => {
      let settled = false;
      const fail = (message: string, cause?: unknown) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        client.end();
        reject(new FolderError('connection', redactSecrets(message, secrets), { cause }));
      };
      const onAbort = () => fail(`${shown}: connection attempt given up`);
      signal?.addEventListener('abort', onAbort, { once: true });
      client.once('ready', () => {
        client.sftp((err, sftp) => {
          if (err) return fail(`${shown}: cannot open the SFTP channel: ${err.message}`, err);
          if (settled) return client.end();
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          client.removeAllListeners('error');
          resolve(new SftpFolder(client, sftp, shown));
        });
      });
      client.on('error', (err) => {
        if (presented !== undefined && config.hostKey && !config.hostKey.includes(presented)) {
          return fail(`${shown}: host key ${presented} is not the pinned one (hostKey): refused`, err);
        }
        fail(`${shown}: ${err.message}`, err);
      });
      client.once('close', () => fail(`${shown}: the connection closed while signing in`));
      const options: ConnectConfig = {
        host: config.host,
        port: config.port,
        username: config.username,
        password: config.password,
        privateKey: config.privateKey,
        passphrase: config.passphrase,
        readyTimeout: config.connectTimeoutMs,
        keepaliveInterval: config.keepaliveMs,
        keepaliveCountMax: 3,
        hostVerifier: (key: Buffer) => {
          presented = hostKeyFingerprint(key);
          return config.acceptAnyHostKey || (config.hostKey?.includes(presented) ?? false);
        },
      };
      try {
        client.connect(options);
      } catch (err) {
        fail(`${shown}: ${(err as Error).message}`, err);
      }
    });
  }

  onLost(listener: (err: Error) => void): void {
    this.listeners.push(listener);
  }

  list(dir: string): Promise<FileEntry[]> {
    return this.call<FileEntryWithStats[]>(`list ${dir}`, (cb) => this.sftp.readdir(dir, cb)).then((entries) =>
      entries.filter((e) => e.attrs.isFile()).map((e) => ({ name: e.filename, size: e.attrs.size, mtimeMs: e.attrs.mtime * 1000 })),
    );
  }

  async stat(path: string): Promise<FileEntry | undefined> {
    try {
      const s = await this.call<Stats>(`stat ${path}`, (cb) => this.sftp.stat(path, cb));
      return s.isFile() ? { name: posix.basename(path), size: s.size, mtimeMs: s.mtime * 1000 } : undefined;
    } catch (err) {
      if (err instanceof FolderError && err.kind === 'missing') return undefined;
      throw err;
    }
  }

  read(path: string): Promise<Buffer> {
    return this.call<Buffer>(`read ${path}`, (cb) => this.sftp.readFile(path, cb));
  }

  write(path: string, data: Buffer): Promise<void> {
    return this.call<void>(`write ${path}`, (cb) => this.sftp.writeFile(path, data, cb));
  }

  append(path: string, data: Buffer): Promise<void> {
    return this.call<void>(`append to ${path}`, (cb) => this.sftp.appendFile(path, data, cb));
  }

  async rename(from: string, to: string, overwrite: boolean): Promise<void> {
    if (overwrite) {
      // posix-rename@openssh.com replaces the target atomically; plain SFTP rename refuses an existing one.
      try {
        return await this.call<void>(`rename ${from} to ${to}`, (cb) => this.sftp.ext_openssh_rename(from, to, cb));
      } catch (err) {
        if (!(err instanceof Error && /not supported/i.test(err.message))) throw err;
        await this.remove(to);
      }
    }
    try {
      await this.call<void>(`rename ${from} to ${to}`, (cb) => this.sftp.rename(from, to, cb));
    } catch (err) {
      // SFTP says FAILURE for a taken name, as for much else: the target tells.
      if (err instanceof FolderError && err.kind === 'other' && (await this.stat(to).catch(() => undefined))) {
        throw new FolderError('exists', `rename ${from} to ${to}: ${to} exists`, { cause: err });
      }
      throw err;
    }
  }

  async remove(path: string): Promise<void> {
    try {
      await this.call<void>(`remove ${path}`, (cb) => this.sftp.unlink(path, cb));
    } catch (err) {
      if (!(err instanceof FolderError && err.kind === 'missing')) throw err;
    }
  }

  async mkdir(dir: string): Promise<void> {
    const parts = dir.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const sub = parts.slice(0, i).join('/');
      if (sub === '' || sub === '.') continue;
      try {
        await this.call<void>(`create ${sub}`, (cb) => this.sftp.mkdir(sub, cb));
      } catch (err) {
        // Failing because it exists is what we wanted; anything else shows as the folder not being one.
        const s = await this.call<Stats>(`stat ${sub}`, (cb) => this.sftp.stat(sub, cb)).catch(() => undefined);
        if (!s?.isDirectory()) throw err;
      }
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    this.client.end();
  }

  /** Runs one SFTP request, its error as a FolderError. */
  private call<T>(what: string, op: (cb: (err?: Error | null, value?: T) => void) => void): Promise<T> {
    if (this.lostError) return Promise.reject(new FolderError('connection', `${what}: ${this.lostError.message}`, { cause: this.lostError }));
    return new Promise<T>((resolve, reject) => {
      try {
        op((err, value) => (err ? reject(this.error(err, what)) : resolve(value as T)));
      } catch (err) {
        reject(this.error(err as Error, what));
      }
    });
  }

  private error(err: Error, what: string): FolderError {
    const code = (err as { code?: unknown }).code;
    const message = `${what} on ${this.shown}: ${err.message}`;
    if (this.lostError || code === NO_CONNECTION || code === CONNECTION_LOST || typeof code === 'string' || /no response|not connected|channel/i.test(err.message)) {
      return new FolderError('connection', message, { cause: err });
    }
    if (code === NO_SUCH_FILE) return new FolderError('missing', message, { cause: err });
    if (code === PERMISSION_DENIED) return new FolderError('denied', message, { cause: err });
    return new FolderError('other', message, { cause: err });
  }
}
