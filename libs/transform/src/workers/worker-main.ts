import { parentPort, workerData } from 'node:worker_threads';
import { lowerThreadPriority } from './worker-priority';
import { carry, type TaskReply, type TaskRequest } from './worker-task';

/**
 * The body of every pool worker: it runs one task at a time, as the pool sends them, and answers each with its value
 * or its error. A task's module is loaded on first use and stays loaded (a codec cached there serves the next tasks).
 */
type TaskModule = Record<string, (input: unknown) => unknown>;

const nice = (workerData as { nice?: number } | null)?.nice ?? 0;
if (nice > 0) lowerThreadPriority(nice);

parentPort!.on('message', (task: TaskRequest) => {
  let reply: TaskReply;
  try {
    const run = (require(task.module) as TaskModule)[task.name];
    if (typeof run !== 'function') throw new Error(`${task.module} exports no task ${task.name}`);
    reply = { ok: true, value: run(task.input) };
  } catch (err) {
    reply = { ok: false, error: carry(err) };
  }
  parentPort!.postMessage(reply);
});
