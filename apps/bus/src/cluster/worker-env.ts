/**
 * How the primary starts each worker process: memory settings added to its own, each unless the operator chose
 * otherwise (the flag on the primary's command line or in NODE_OPTIONS, the variable in its environment). Measured
 * with bench/footprint.js (BENCHMARKS.md, worker memory):
 *
 * - `--heap-growing-percent=100`: after each full GC, V8 lets the old generation grow to twice what survived rather
 *   than up to 4 times; at 500 concurrent requests the largest worker peaked 50-100 MB lower (212-245 MB against
 *   246-352), with no more time in GC per request.
 * - MALLOC_ARENA_MAX=2: glibc gives threads that allocate (libuv's pool, the XML worker threads) arenas of their
 *   own, each keeping freed memory; two bound that, at no measurable cost. glibc reads it at process start: it must
 *   be in the worker's environment, a worker cannot set it for itself.
 *
 * Flags that bound the heap further (a 2-4 MB young generation, a 1.5 growing factor) met 200 MB per worker but cost
 * 2 to 9 times the time in GC: left to the operator.
 */
export const WORKER_V8_FLAGS: ReadonlyArray<readonly [name: string, value: string]> = [['--heap-growing-percent', '100']];
export const WORKER_MALLOC_ARENA_MAX = '2';

/** The worker's Node flags: the primary's, with the defaults it lacks. */
export function workerExecArgv(execArgv: readonly string[], env: Record<string, string | undefined>): string[] {
  // V8 takes its flags with dashes or underscores alike.
  const given = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].map((f) => `--${f.replace(/^--/, '').split('=')[0].replace(/_/g, '-')}`);
  return [...execArgv, ...WORKER_V8_FLAGS.filter(([name]) => !given.includes(name)).map(([name, value]) => `${name}=${value}`)];
}

/** Variables added to the worker's environment (beside the primary's, which it inherits). */
export function workerEnv(env: Record<string, string | undefined>): Record<string, string> {
  return env.MALLOC_ARENA_MAX === undefined ? { MALLOC_ARENA_MAX: WORKER_MALLOC_ARENA_MAX } : {};
}
