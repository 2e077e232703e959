import { posix } from 'node:path';
import { toBusError, type BusError, type Incoming, type Logger, type MessageSink } from '@junction/core';
import type { LeaseStore } from '@junction/store';
import picomatch from 'picomatch';
import { dispatchUntilTaken } from '../bus-dispatch';
import type { FolderSourceDef } from './folder.config';
import { compileFlatFormat, type FlatCodec } from '@junction/transform';
import { fileMessage } from './file-message';
import { fileMessages } from './file-records';
import { folderErrorKind, type FileEntry, type RemoteFolder } from './remote-folder';

/** How long the count of a split file's records taken is kept (a file taken again later than this starts over). */
const PROGRESS_HOLD_MS = 86_400_000;

/** What became of a file whose message the bus took, for a move that failed and is tried again at the next poll. */
export interface Unmoved {
  readonly outcome: 'done' | 'error';
  readonly reason?: string;
}

/** What the files of one route came to on this instance, for the status. */
export interface FolderCounts {
  /** Files whose message the bus took (stored for async routes, delivered for sync ones). */
  taken: number;
  /** Files refused by the route (or too large), moved to the error folder. */
  refused: number;
  /** Files another instance had claimed first. */
  claimedElsewhere: number;
  /** Files that changed or went between the listing and the claim (another instance finished them, a writer). */
  changed: number;
  /** Files left where they were after a failure here (read, move, store), taken again at a later poll. */
  failed: number;
}

export interface FolderPollerOptions {
  readonly routeId: string;
  readonly kind: string;
  /** The server as shown in logs and message addresses (`sftp://host:22`), no credentials. */
  readonly shown: string;
  readonly config: FolderSourceDef;
  readonly folder: RemoteFolder;
  readonly leases: LeaseStore;
  readonly sink: MessageSink;
  readonly log: Logger;
  /** True once the ingress closes: a store outage then leaves the file for later. */
  readonly closing: () => boolean;
  /** The session is unusable: the ingress closes this poller and connects again. */
  readonly lost: (err: unknown) => void;
  /** Shared across the route's sessions: committed files whose move failed, by claim key. */
  readonly unmoved: Map<string, Unmoved>;
  readonly counts: FolderCounts;
}

/**
 * One route's polling of one folder session. Every `pollMs` it lists the folder, keeps the files whose names match
 * `include` and not `exclude`, and takes those that are complete (`ready`), oldest first, `concurrency` at a time.
 * Taking a file, at least once:
 * 1. claim it in the store (`file:<route>:<path>:<size>:<mtime>`, LeaseStore.tryLease for `claimMs`, renewed while
 *    it is processed), so that of several instances polling the folder one takes it;
 * 2. check it is still there, unchanged (another instance may have finished it since the listing), and read it;
 * 3. hand its message to the bus (a store outage is waited out, holding the file);
 * 4. only then move it to `doneDir` (or delete it); a file the route refused goes to `errorDir` with
 *    `<name>.reason.txt` beside it (the bus has journaled and dead-lettered its message, content included).
 * A crash between 3 and 4 leaves the file in place with its claim; once the claim runs out, a poll takes it again:
 * the message is then handed over twice (at least once). A move that fails is tried again at the next poll without
 * handing the message over again. A session error ends the poller (`lost`); other errors leave the file for later.
 */
export class FolderPoller {
  private stopped = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private readonly seen = new Map<string, FileEntry>();
  private readonly isIncluded: (name: string) => boolean;
  private readonly isExcluded: (name: string) => boolean;
  private readonly isTemp: (name: string) => boolean;
  private readonly madeDirs = new Set<string>();
  private failing?: string;
  private readonly codec?: FlatCodec;
  /** Matching files in the last listing (complete or not), for the status. */
  backlog = 0;
  /** Matching files not yet complete in the last listing. */
  waiting = 0;
  lastPollAt?: number;

  constructor(private readonly options: FolderPollerOptions) {
    const { include, exclude, tempPattern } = options.config;
    this.isIncluded = picomatch([...include]);
    this.isExcluded = exclude.length > 0 ? picomatch([...exclude], { dot: true }) : () => false;
    this.isTemp = picomatch([...tempPattern], { dot: true });
    this.codec = options.config.format ? compileFlatFormat(options.config.format) : undefined;
  }

  /** Starts polling; the first listing is at once. */
  start(): void {
    this.loop ??= this.run();
  }

  /** Stops polling and waits (at most `timeoutMs`) for the files in hand. Never rejects. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopped = true;
    this.wake?.();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.loop, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.poll();
      } catch (err) {
        if (!this.stopped) this.options.lost(err);
        return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.config.pollMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** One listing and the files it found complete; rejects only when the session is unusable. */
  private async poll(): Promise<void> {
    const { config, folder } = this.options;
    const listed = await folder.list(config.dir);
    this.lastPollAt = Date.now();
    const names = new Set(listed.map((f) => f.name));
    const matching = listed.filter((f) => this.matches(f.name, names));
    const ready = matching.filter((f) => this.complete(f, names));
    this.seen.clear();
    for (const f of matching) this.seen.set(f.name, f);
    this.backlog = matching.length;
    this.waiting = matching.length - ready.length;
    ready.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : 1));
    let next = 0;
    let lost: unknown;
    const worker = async () => {
      while (next < ready.length && !this.stopped && lost === undefined) {
        const entry = ready[next++];
        try {
          await this.take(entry);
        } catch (err) {
          lost ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(config.concurrency, ready.length) }, worker));
    if (lost !== undefined) throw lost;
  }

  private matches(name: string, names: ReadonlySet<string>): boolean {
    const { ready, doneFileSuffix } = this.options.config;
    if (!this.isIncluded(name) || this.isExcluded(name)) return false;
    // A done-file marks another file; it is no message itself.
    if (ready === 'doneFile' && name.endsWith(doneFileSuffix) && names.has(name.slice(0, -doneFileSuffix.length))) return false;
    return true;
  }

  private complete(f: FileEntry, names: ReadonlySet<string>): boolean {
    const { ready, doneFileSuffix } = this.options.config;
    if (ready === 'doneFile') return names.has(f.name + doneFileSuffix);
    if (ready === 'rename') return !this.isTemp(f.name);
    const before = this.seen.get(f.name);
    return before !== undefined && before.size === f.size && before.mtimeMs === f.mtimeMs;
  }

  /** Claims, reads, dispatches and commits one file. Rejects only with a session error (after counting it). */
  private async take(entry: FileEntry): Promise<void> {
    const { config, folder, leases, routeId, counts } = this.options;
    const path = posix.join(config.dir, entry.name);
    const key = `file:${routeId}:${path}:${entry.size}:${entry.mtimeMs}`;
    let claimed: boolean;
    try {
      claimed = await leases.tryLease(key, config.claimMs);
    } catch (err) {
      // Without the store no instance can tell who takes the file: it stays for a later poll.
      counts.failed++;
      return this.warn(`store: ${toBusError(err).message}`, { path }, 'file left for later: the store cannot be reached to claim it');
    }
    if (!claimed) {
      counts.claimedElsewhere++;
      return;
    }
    const renew = setInterval(() => void leases.tryLease(key, config.claimMs).catch(() => undefined), Math.max(500, config.claimMs / 3));
    renew.unref();
    // Kept after a commit whose move failed, so that no other instance takes the file before this one moved it.
    let release = true;
    try {
      const unmoved = this.options.unmoved.get(key);
      if (unmoved) {
        release = false;
        await this.commit(entry, path, unmoved);
        this.options.unmoved.delete(key);
        release = true;
        return;
      }
      const now = await folder.stat(path);
      if (!now || now.size !== entry.size || now.mtimeMs !== entry.mtimeMs) {
        counts.changed++;
        return;
      }
      if (entry.size > config.maxBytes) {
        release = false;
        await this.commit(entry, path, { outcome: 'error', reason: `the file has ${entry.size} bytes, more than maxBytes (${config.maxBytes}): not read` });
        counts.refused++;
        release = true;
        return;
      }
      const body = await folder.read(path);
      if (body.length !== entry.size) {
        counts.changed++;
        return;
      }
      const outcome = await this.dispatch(entry, path, body, key);
      if (outcome === undefined) return;
      release = false;
      if (outcome.outcome === 'done') counts.taken++;
      else counts.refused++;
      try {
        await this.commit(entry, path, outcome);
      } catch (err) {
        this.options.unmoved.set(key, outcome);
        throw err;
      }
      release = true;
      this.failing = undefined;
    } catch (err) {
      counts.failed++;
      if (folderErrorKind(err) === 'connection') throw err;
      this.warn(`file: ${toBusError(err).message}`, { path }, 'file left for a later poll');
    } finally {
      clearInterval(renew);
      if (release) await leases.releaseLease(key).catch(() => undefined);
    }
  }

  /**
   * Hands the file's messages to the bus, in order; undefined when the ingress closed during a store outage (the file
   * is left, and the records already taken are remembered). The records of a split file are counted off in the store
   * (LeaseStore.claimTick under `filerec:<claim key>`) as the bus takes them, so that a file taken again after a crash
   * resumes after the last record counted: at most the one record in hand at the crash is handed over twice.
   */
  private async dispatch(entry: FileEntry, path: string, body: Buffer, key: string): Promise<Unmoved | undefined> {
    const { kind, shown, config, sink, routeId, closing, log, leases } = this.options;
    let messages: Incoming[];
    try {
      messages = fileMessages(kind, shown, entry, path, body, config, this.codec);
    } catch (err) {
      // The file as it is, refused with the codec's reason: the bus journals and dead-letters it with its content.
      const refused = { ...fileMessage(kind, shown, entry, path, body, config.contentType), refused: toBusError(err) };
      let result;
      try {
        result = await dispatchUntilTaken(sink, routeId, refused, () => closing() || this.stopped);
      } catch (closed) {
        log.warn({ route: routeId, path, err: toBusError(closed).message }, `${kind} source closed before the bus took the file: left for later`);
        return undefined;
      }
      const e = result.taken ? toBusError(err) : result.error;
      log.warn({ route: routeId, path, code: e.code, messageId: e.messageId, err: e.message }, `${kind} file does not read as its format: dead-lettered, moved to ${config.errorDir}`);
      return { outcome: 'error', reason: reasonText(routeId, e) };
    }
    const split = messages.length !== 1 || config.split === 'records';
    const progressKey = `filerec:${key.slice('file:'.length)}`;
    const start = split ? ((await leases.readLease(progressKey))?.tick ?? 0) : 0;
    const refused: string[] = [];
    for (let i = start; i < messages.length; i++) {
      let result;
      try {
        result = await dispatchUntilTaken(sink, routeId, messages[i], () => closing() || this.stopped);
      } catch (err) {
        log.warn({ route: routeId, path, err: toBusError(err).message }, `${kind} source closed before the bus took the file: left for later`);
        return undefined;
      }
      if (!result.taken) {
        const e: BusError = result.error;
        const where = split ? `record ${i + 1} (line ${messages[i].headers['x-file-line']}): ` : '';
        log.warn({ route: routeId, path, code: e.code, messageId: e.messageId, err: e.message }, `${kind} ${where}refused by its route: dead-lettered`);
        refused.push(split ? `${where}${reasonText(routeId, e)}` : reasonText(routeId, e));
      }
      // Counted off only once taken; a count that fails to be written costs a duplicate after a crash, nothing more.
      if (split) await leases.claimTick(progressKey, i + 1, PROGRESS_HOLD_MS).catch(() => undefined);
    }
    if (refused.length === 0) return { outcome: 'done' };
    if (split) refused.unshift(`${refused.length} of ${messages.length} records refused (the others were taken)`, '');
    return { outcome: 'error', reason: refused.join('\n') };
  }

  /** Moves (or deletes) a file whose message the bus took, or moves a refused one to errorDir with its reason. */
  private async commit(entry: FileEntry, path: string, what: Unmoved): Promise<void> {
    const { config, folder } = this.options;
    if (what.outcome === 'error') {
      const dir = posix.join(config.dir, config.errorDir);
      await this.ensureDir(dir);
      // The reason first: a crash before the move leaves the file to be taken again, and its reason rewritten.
      await folder.write(posix.join(dir, `${entry.name}.reason.txt`), Buffer.from(what.reason ?? 'refused', 'utf8'));
      await folder.rename(path, posix.join(dir, entry.name), true);
    } else if (config.after === 'delete') {
      await folder.remove(path);
    } else {
      const dir = posix.join(config.dir, config.doneDir);
      await this.ensureDir(dir);
      await folder.rename(path, posix.join(dir, entry.name), true);
    }
    if (config.ready === 'doneFile') await folder.remove(path + config.doneFileSuffix);
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return;
    await this.options.folder.mkdir(dir);
    this.madeDirs.add(dir);
  }

  /** Logs a failure at warn once while it repeats, at debug after. */
  private warn(cause: string, fields: Record<string, unknown>, message: string): void {
    const repeated = this.failing === cause;
    this.failing = cause;
    const all = { route: this.options.routeId, kind: this.options.kind, err: cause, ...fields };
    if (repeated) this.options.log.debug(all, message);
    else this.options.log.warn(all, message);
  }
}

/** The text of `<name>.reason.txt`: when, which route, the error and the dead-lettered message's id. */
function reasonText(routeId: string, e: BusError): string {
  return [
    `time: ${new Date().toISOString()}`,
    `route: ${routeId}`,
    `code: ${e.code}`,
    ...(e.messageId ? [`messageId: ${e.messageId}`] : []),
    `reason: ${e.message}`,
    '',
  ].join('\n');
}
