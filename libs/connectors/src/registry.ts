import type { EgressConnector, IngressConnector } from '@junction/core';

/**
 * The explicit list of connectors the bus runs with. Registration is by this list only (no side-effect imports),
 * and a duplicate kind fails at start-up rather than one silently shadowing the other.
 */
export function connectorRegistry<T extends EgressConnector | IngressConnector>(connectors: readonly T[]): Map<string, T> {
  const byKind = new Map<string, T>();
  for (const c of connectors) {
    if (byKind.has(c.kind)) throw new Error(`two connectors of kind "${c.kind}"`);
    byKind.set(c.kind, c);
  }
  return byKind;
}
