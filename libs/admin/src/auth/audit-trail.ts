import type { Logger } from '@junction/core';
import type { NewAuditEntry, Store } from '@junction/store';
import type { AdminRequest } from './admin-auth.guard';

/**
 * Writes admin actions to the store's audit log. An audit write that fails is logged and does not undo or fail the
 * action it describes (the action already happened); the log line keeps the record.
 */
export class AuditTrail {
  constructor(
    private readonly store: Store,
    private readonly log: Logger,
  ) {}

  async record(request: AdminRequest, entry: Omit<NewAuditEntry, 'actor' | 'remote'> & { actor?: string }): Promise<void> {
    const full: NewAuditEntry = {
      ...entry,
      actor: entry.actor ?? request.adminPrincipal?.user ?? 'anonymous',
      remote: request.ip ?? null,
    };
    try {
      await this.store.recordAudit(full);
    } catch (err) {
      this.log.error({ audit: full, err: (err as Error).message }, 'audit log write failed');
    }
  }
}
