import { endSpan, startInnerSpan, toBusError, tracing } from '@junction/core';
import type { Context } from '@opentelemetry/api';

/** Runs a commit to the store as a `store commit` span under `parent` (named by `operation`), when spans are
 *  recorded; else just runs it. */
export function storeCommit<T>(parent: Context, operation: string, commit: () => Promise<T>): Promise<T> {
  return tracing() ? traced(parent, operation, commit) : commit();
}

async function traced<T>(parent: Context, operation: string, commit: () => Promise<T>): Promise<T> {
  const span = startInnerSpan('store commit', parent, () => ({ 'junction.store.operation': operation }));
  try {
    const result = await commit();
    endSpan(span);
    return result;
  } catch (err) {
    endSpan(span, toBusError(err));
    throw err;
  }
}
