import { WORKER_MALLOC_ARENA_MAX, workerEnv, workerExecArgv } from './worker-env';

describe('workerExecArgv', () => {
  it("adds the heap's growth to the flags the primary runs with", () => {
    expect(workerExecArgv(['--enable-source-maps'], {})).toEqual(['--enable-source-maps', '--heap-growing-percent=100']);
  });

  it("keeps the operator's own value, on the command line or in NODE_OPTIONS (dashes or underscores)", () => {
    expect(workerExecArgv(['--heap-growing-percent=50'], {})).toEqual(['--heap-growing-percent=50']);
    expect(workerExecArgv([], { NODE_OPTIONS: '--max-old-space-size=1024 --heap_growing_percent=50' })).toEqual([]);
  });
});

describe('workerEnv', () => {
  it('bounds the malloc arenas of a worker', () => {
    expect(workerEnv({})).toEqual({ MALLOC_ARENA_MAX: WORKER_MALLOC_ARENA_MAX });
  });

  it("keeps the operator's MALLOC_ARENA_MAX (the worker inherits it)", () => {
    expect(workerEnv({ MALLOC_ARENA_MAX: '4' })).toEqual({});
  });
});
