import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import {
  DeliveryError,
  toBusError,
  type EgressConnector,
  type EgressEndpoint,
  type EndpointContext,
  type Message,
  type Reply,
} from '@junction/core';
import { BytesBody, compileExpression, compileFlatFormat, type FlatCodec } from '@junction/transform';
import type { FolderTargetDef } from './folder.config';
import { folderErrorKind, type FolderConnection, type RemoteFolder } from './remote-folder';

/** Why a file name may not be used, or undefined when it may. */
export function fileNameProblem(name: string): string | undefined {
  if (name === '') return 'the name expression gave no name';
  if (name === '.' || name === '..') return `"${name}" is no file name`;
  if (/[/\\\0]/.test(name)) return `"${name}" has a / or \\ in it: a target writes into its own folder`;
  if (name.length > 255) return 'the file name is longer than 255 characters';
  return undefined;
}

/** A session shared by every target on one server, opened on first use and dropped when lost. */
interface Shared {
  folder?: Promise<RemoteFolder>;
}

/**
 * The egress every folder connector (file, sftp, ftp) is: writes one file per message into a target's `dir`, named by
 * its `name` expression, so that a reader never sees half a file: the bytes go to a hidden temporary name beside it
 * (`.<name>.<random>.tmp`) and the file is renamed to its name once complete. An existing file is refused (`fail`,
 * a final DeliveryError; the rename itself refuses it where the server allows, so two writers cannot both win),
 * replaced whole (`overwrite`) or appended to in place (`append`; a missing file is written whole as above). One
 * session per server, opened on the first send (never at route load) and opened again after it was lost; a server
 * that cannot be reached is a retriable DeliveryError, a refusal the server would repeat (permissions) a final one.
 */
export abstract class FolderEgress<C extends FolderTargetDef> implements EgressConnector<C> {
  abstract readonly kind: string;
  private readonly shared = new Map<string, Shared>();
  /** Appends in progress by path: two messages appended to one file at once would interleave their bytes. */
  private readonly appending = new Map<string, Promise<unknown>>();
  private closed = false;

  /** The connection a target config describes (no I/O), and the key that tells servers (and users) apart. */
  protected abstract connection(config: C, baseDir: string): { readonly key: string; readonly connection: FolderConnection };

  endpoint(config: C, context: EndpointContext): EgressEndpoint {
    const { key, connection } = this.connection(config, context.baseDir);
    const nameExpr = config.name === undefined ? undefined : compileExpression(config.name, { step: 'name' });
    const description = `${this.kind} ${connection.shown}${config.dir}`;
    let dirReady = false;
    const codecs = config.format ? flatCodecs(config.format) : undefined;
    return {
      description,
      send: async (message: Message): Promise<Reply> => {
        const name = await this.nameOf(message, nameExpr, description);
        const path = posix.join(config.dir, name);
        await this.withFolder(key, connection, description, async (folder) => {
          if (!dirReady) {
            await folder.mkdir(config.dir);
            dirReady = true;
          }
          const bytes = codecs ? (existing: boolean) => flatBytes(codecs, message, existing, description) : () => message.body.bytes();
          await this.write(folder, config, name, path, bytes, description);
        });
        return { status: 201, headers: { 'x-file-path': path, 'x-file-name': name }, body: new BytesBody(Buffer.alloc(0), 'application/octet-stream') };
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.shared.values()];
    this.shared.clear();
    await Promise.all(all.map(async (s) => (await s.folder?.catch(() => undefined))?.close()));
  }

  private async write(folder: RemoteFolder, config: C, name: string, path: string, bytes: (existing: boolean) => Buffer, description: string): Promise<void> {
    if (config.exists === 'append') {
      const before = this.appending.get(path) ?? Promise.resolve();
      const turn = before.catch(() => undefined).then(async () => {
        if (await folder.stat(path)) return folder.append(path, bytes(true));
        // A new file is written whole under its temporary name; one made meanwhile (another instance) is appended to.
        const placed = await this.place(folder, config.dir, name, path, bytes(false), false).then(
          () => true,
          (err: unknown) => {
            if (folderErrorKind(err) === 'exists') return false;
            throw err;
          },
        );
        if (!placed) await folder.append(path, bytes(true));
      });
      this.appending.set(path, turn);
      try {
        await turn;
      } finally {
        if (this.appending.get(path) === turn) this.appending.delete(path);
      }
      return;
    }
    try {
      await this.place(folder, config.dir, name, path, bytes(false), config.exists === 'overwrite');
    } catch (err) {
      if (folderErrorKind(err) === 'exists') {
        throw new DeliveryError('FILE_EXISTS', `${description}: ${name} exists already (exists: fail)`, { retriable: false, cause: err });
      }
      throw err;
    }
  }

  /** Writes `bytes` under a temporary name in `dir`, then renames it to `path`; the temporary file never stays. */
  private async place(folder: RemoteFolder, dir: string, name: string, path: string, bytes: Buffer, overwrite: boolean): Promise<void> {
    const temp = posix.join(dir, `.${name.slice(0, 200)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await folder.write(temp, bytes);
      await folder.rename(temp, path, overwrite);
    } catch (err) {
      await folder.remove(temp).catch(() => undefined);
      throw err;
    }
  }

  private async nameOf(message: Message, expr: ReturnType<typeof compileExpression> | undefined, description: string): Promise<string> {
    let name: string;
    if (expr === undefined) {
      name = message.id;
    } else {
      const value = await expr.evaluate(expr.readsInput ? message.body.value() : undefined, { headers: message.headers, messageId: message.id });
      name = typeof value === 'string' || typeof value === 'number' ? String(value) : '';
    }
    const problem = fileNameProblem(name);
    if (problem) throw new DeliveryError('FILE_BAD_NAME', `${description}: ${problem}`, { retriable: false });
    return name;
  }

  /** Runs `op` on the server's session, opening it when needed; a failed session is dropped for the next send. */
  private async withFolder(key: string, connection: FolderConnection, description: string, op: (folder: RemoteFolder) => Promise<void>): Promise<void> {
    if (this.closed) throw new DeliveryError('FOLDER_CLOSED', `${description}: the connector is closed`, { retriable: true });
    let shared = this.shared.get(key);
    if (!shared) this.shared.set(key, (shared = {}));
    const s = shared;
    if (!s.folder) {
      const opening = connection.connect();
      s.folder = opening;
      opening.then(
        (folder) => folder.onLost(() => s.folder === opening && (s.folder = undefined)),
        () => s.folder === opening && (s.folder = undefined),
      );
    }
    const current = s.folder;
    let folder: RemoteFolder;
    try {
      folder = await current;
    } catch (err) {
      throw new DeliveryError('FOLDER_UNREACHABLE', `${description}: ${toBusError(err).message}`, { retriable: true, cause: err });
    }
    try {
      await op(folder);
    } catch (err) {
      if (err instanceof DeliveryError) throw err;
      const kind = folderErrorKind(err);
      if (kind === 'connection' && s.folder === current) {
        s.folder = undefined;
        void folder.close();
      }
      throw new DeliveryError(kind === 'denied' ? 'FOLDER_DENIED' : 'FOLDER_WRITE_FAILED', `${description}: ${toBusError(err).message}`, {
        retriable: kind !== 'denied',
        cause: err,
      });
    }
  }
}

/** A target's flat format: the codec of whole files, and one without the CSV header for records appended to a file. */
interface FlatCodecs {
  readonly whole: FlatCodec;
  readonly appended: FlatCodec;
}

function flatCodecs(format: NonNullable<FolderTargetDef['format']>): FlatCodecs {
  const whole = compileFlatFormat(format);
  if (!('csv' in format) || format.csv.header === false) return { whole, appended: whole };
  try {
    return { whole, appended: compileFlatFormat({ csv: { ...format.csv, header: false } }) };
  } catch {
    // A CSV whose columns come only from its header cannot be written without it: appends repeat it.
    return { whole, appended: whole };
  }
}

/** The message's records as flat-file bytes; records that cannot be written fail the delivery for good. */
function flatBytes(codecs: FlatCodecs, message: Message, existing: boolean, description: string): Buffer {
  try {
    return (existing ? codecs.appended : codecs.whole).write(message.body.value() as readonly unknown[] | object);
  } catch (err) {
    throw new DeliveryError('FILE_FORMAT', `${description}: ${toBusError(err).message}`, { retriable: false, cause: err });
  }
}
