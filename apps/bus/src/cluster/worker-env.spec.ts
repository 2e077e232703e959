import { WORKER_MALLOC_ARENA_MAX, workerEnv } from './worker-env';

describe('workerEnv', () => {
  it('bounds the malloc arenas of a worker', () => {
    expect(workerEnv({})).toEqual({ MALLOC_ARENA_MAX: WORKER_MALLOC_ARENA_MAX });
  });

  it("keeps the operator's MALLOC_ARENA_MAX (the worker inherits it)", () => {
    expect(workerEnv({ MALLOC_ARENA_MAX: '4' })).toEqual({});
  });
});
