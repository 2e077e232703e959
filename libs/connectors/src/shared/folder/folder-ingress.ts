import { toBusError, type IngressBinding, type Logger, type MessageSink, type SourceStatus } from '@junction/core';
import type { LeaseStore } from '@junction/store';
import { BrokerIngress, type BrokerConsumer, type ConsumerLink } from '../broker-ingress';
import type { FolderSourceDef } from './folder.config';
import { FolderPoller, type FolderCounts, type Unmoved } from './folder-poller';
import type { FolderConnection } from './remote-folder';

/** How often lease rows that ran out long ago are purged while folder sources run, and how old they must be. */
const PURGE_EVERY_MS = 3_600_000;
const PURGE_AFTER_MS = 86_400_000;

/** What one route keeps across its sessions: counts for the status, and committed files whose move failed. */
interface RouteMemory {
  readonly counts: FolderCounts;
  readonly unmoved: Map<string, Unmoved>;
}

/**
 * The ingress every folder connector (file, sftp, ftp) is: hosted by the bus's broker transport like a broker ingress,
 * so that a server that cannot be reached never holds up the bus, and a lost session (the server closed it, the
 * network dropped, the folder went) is opened again with backoff. Each bound route gets one session and one
 * FolderPoller on it, which claims files through the store's leases (one instance takes a file) and moves a file
 * only after the bus took its message. Subclasses say how to connect (`connection`) and may check configs.
 */
export abstract class FolderIngress<C extends FolderSourceDef> extends BrokerIngress<C> {
  private readonly memory = new Map<string, RouteMemory>();
  private readonly pollers = new Map<string, FolderPoller>();
  private purgeTimer?: NodeJS.Timeout;

  constructor(
    log: Logger,
    private readonly leases: LeaseStore,
  ) {
    super(log, { minMs: 500, maxMs: 30_000 });
  }

  /** The connection a route's source config describes (no I/O). */
  protected abstract connection(config: C, baseDir: string): FolderConnection;

  override async start(sink: MessageSink): Promise<void> {
    await super.start(sink);
    this.purgeTimer ??= setInterval(() => void this.purge(), PURGE_EVERY_MS);
    this.purgeTimer.unref();
  }

  override async close(timeoutMs?: number): Promise<void> {
    clearInterval(this.purgeTimer);
    await super.close(timeoutMs);
  }

  override async status(): Promise<SourceStatus[]> {
    return (await super.status()).map((s) => {
      const memory = this.memory.get(s.routeId);
      const poller = this.pollers.get(s.routeId);
      const binding = this.dirOf.get(s.routeId);
      return {
        ...s,
        ...(poller && s.state === 'connected' ? { backlog: poller.backlog } : {}),
        detail: {
          ...(binding ? { dir: binding } : {}),
          ...(poller ? { waiting: poller.waiting, lastPollAt: poller.lastPollAt ? new Date(poller.lastPollAt).toISOString() : null } : {}),
          ...(memory?.counts ?? {}),
        },
      };
    });
  }

  private readonly dirOf = new Map<string, string>();

  protected async open(b: IngressBinding<C>, link: ConsumerLink): Promise<BrokerConsumer> {
    const connection = this.connection(b.config, b.baseDir);
    const folder = await connection.connect(link.signal);
    let memory = this.memory.get(b.routeId);
    if (!memory) {
      memory = { counts: { taken: 0, refused: 0, claimedElsewhere: 0, changed: 0, failed: 0 }, unmoved: new Map() };
      this.memory.set(b.routeId, memory);
    }
    const poller = new FolderPoller({
      routeId: b.routeId,
      kind: this.kind,
      shown: connection.shown,
      config: b.config,
      folder,
      leases: this.leases,
      sink: link.sink,
      log: this.log,
      closing: link.closing,
      lost: (err) => link.lost(err),
      unmoved: memory.unmoved,
      counts: memory.counts,
    });
    folder.onLost((err) => link.lost(err));
    this.pollers.set(b.routeId, poller);
    this.dirOf.set(b.routeId, `${connection.shown}${b.config.dir}`);
    poller.start();
    let closed: Promise<void> | undefined;
    return {
      close: (timeoutMs) =>
        (closed ??= (async () => {
          await poller.stop(timeoutMs);
          if (this.pollers.get(b.routeId) === poller) this.pollers.delete(b.routeId);
          await folder.close();
        })()),
    };
  }

  private async purge(): Promise<void> {
    try {
      await this.leases.purgeLeases(PURGE_AFTER_MS);
    } catch (err) {
      this.log.debug({ kind: this.kind, err: toBusError(err).message }, 'purging lease rows failed; tried again later');
    }
  }
}
