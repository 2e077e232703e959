import { BusError, InputError } from '@junction/core';

/**
 * A function a worker thread runs: the module exporting it (an absolute path without extension, so that the built
 * `.js` and the `.ts` sources both resolve) and its name. The function takes and returns values the structured clone
 * algorithm can copy, and throws BusErrors for what it refuses.
 */
export interface WorkerTask<I, O> {
  readonly module: string;
  readonly name: string;
  /** Carries the input and output types; never set. */
  readonly types?: (input: I) => O;
}

export function workerTask<I, O>(module: string, name: string): WorkerTask<I, O> {
  return { module, name };
}

/** An error as it crosses between threads: enough of a BusError to raise the same one on the other side. */
export interface CarriedError {
  readonly input: boolean;
  readonly code: string;
  readonly message: string;
  readonly status?: number;
  readonly retriable: boolean;
}

/** What a worker sends back for one task. */
export type TaskReply = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: CarriedError };

/** What the pool sends a worker for one task. */
export interface TaskRequest {
  readonly module: string;
  readonly name: string;
  readonly input: unknown;
}

export function carry(err: unknown): CarriedError {
  if (err instanceof InputError) return { input: true, code: err.code, message: err.message, status: err.status, retriable: false };
  if (err instanceof BusError) return { input: false, code: err.code, message: err.message, retriable: err.retriable };
  return { input: false, code: 'INTERNAL', message: err instanceof Error ? err.message : String(err), retriable: false };
}

export function revive(e: CarriedError): BusError {
  return e.input ? new InputError(e.code, e.message, e.status) : new BusError(e.code, e.message, { retriable: e.retriable });
}
