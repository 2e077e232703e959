import { InputError } from '@junction/core';
import { WorkerPool, type WorkerPoolOptions } from '../workers/worker-pool';

/**
 * The pool XML codecs read large inputs on (see createXmlCodec): a document whose reading needs more than a worker's
 * heap is refused as a breached limit, like one too deep or too large, and the pool goes on with a new worker.
 */
export function createXmlWorkers(options: Omit<WorkerPoolOptions, 'outOfMemory'>): WorkerPool {
  return new WorkerPool({
    ...options,
    outOfMemory: (heapMb) =>
      new InputError('XML_LIMIT', `XML limit heapMb (${heapMb}) exceeded: reading the document needs more memory than a worker has`, 400),
  });
}
