/**
 * Variables the primary adds to each worker's environment (beside its own, which the worker inherits), unless the
 * operator set them. MALLOC_ARENA_MAX=2: glibc gives threads that allocate (libuv's pool, the XML worker threads)
 * arenas of their own, each keeping freed memory; two bound that at no measurable cost in CPU. glibc reads it at
 * process start: it must be in the worker's environment, a worker cannot set it for itself.
 *
 * V8's heap flags are left to the operator (NODE_OPTIONS reaches the workers): a smaller young generation
 * (`--max-semi-space-size=4`) with a slower growing old one (`--heap-growing-percent=50`) keeps a worker under 200 MB
 * at 500 concurrent requests, but costs it several times the time in GC (BENCHMARKS.md, worker memory).
 */
export const WORKER_MALLOC_ARENA_MAX = '2';

export function workerEnv(env: Record<string, string | undefined>): Record<string, string> {
  return env.MALLOC_ARENA_MAX === undefined ? { MALLOC_ARENA_MAX: WORKER_MALLOC_ARENA_MAX } : {};
}
