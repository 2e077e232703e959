import { getPriority } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

const onLinux = process.platform === 'linux' ? it : it.skip;

describe('lowerThreadPriority', () => {
  onLinux('lowers the priority of the worker thread that calls it, not of the process', async () => {
    const before = getPriority(process.pid);
    const hook = JSON.stringify(join(__dirname, 'ts-source-hook.js'));
    const source = JSON.stringify(join(__dirname, 'worker-priority.ts'));
    const worker = new Worker(
      `require(${hook});
       const { readlinkSync } = require('node:fs');
       const { getPriority } = require('node:os');
       const { parentPort } = require('node:worker_threads');
       const lowered = require(${source}).lowerThreadPriority(10);
       const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
       parentPort.postMessage({ lowered, priority: getPriority(tid) });`,
      { eval: true },
    );
    const seen = await new Promise<{ lowered: boolean; priority: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(seen).toEqual({ lowered: true, priority: Math.max(before, 10) });
    expect(getPriority(process.pid)).toBe(before);
  });
});
