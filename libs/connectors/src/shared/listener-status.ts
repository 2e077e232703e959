import type { SourceStatus } from '@junction/core';

/**
 * The status of routes served on the bus's own listener (HTTP, SOAP): connected from the moment they are mounted,
 * stopped once the ingress closes. Kept per route so that `since` survives reloads that keep a route.
 */
export class ListenerStatus {
  private since = new Map<string, number>();
  private closed = false;

  /** The routes mounted now. */
  mounted(routeIds: readonly string[]): void {
    const now = Date.now();
    this.since = new Map(routeIds.map((id) => [id, this.since.get(id) ?? now]));
  }

  stopped(): void {
    this.closed = true;
  }

  status(): SourceStatus[] {
    return [...this.since].map(([routeId, since]) => ({ routeId, state: this.closed ? 'stopped' : 'connected', since }));
  }
}
