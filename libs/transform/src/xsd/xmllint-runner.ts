import { availableParallelism } from 'node:os';
import * as nodePath from 'node:path';
import { Worker } from 'node:worker_threads';
import { validateXML } from 'xmllint-wasm';

/** One file of xmllint's in-memory file system. */
export interface XmllintFile {
  readonly fileName: string;
  readonly contents: string;
}

/** What one xmllint run reports: its exit code (0 valid, 3 or 4 invalid, 1 unreadable input, 5 bad schema) and stderr. */
export interface XmllintResult {
  readonly code: number;
  readonly stderr: string;
}

/** WebAssembly memory of a run, in 64 KiB pages: 16 MiB to start, at most 512 MiB. */
const INITIAL_PAGES = 256;
const MAX_PAGES = 8192;
/** Runs at a time in the process: each holds a worker thread. */
export const MAX_RUNS = Math.max(2, Math.min(4, availableParallelism()));

/**
 * Runs xmllint (libxml2, from xmllint-wasm) over in-memory files: `--noout --nonet --schema <schema> <docs...>`.
 *
 * xmllint-wasm's `validateXML` starts a worker thread and compiles its WebAssembly on every call, which costs far more
 * than validating a small document (tens to hundreds of milliseconds). Here a few long-lived worker threads each
 * compile the package's own `xmllint.wasm` once and run its Emscripten module (the same `xmllint-node.js` the
 * package's workers run) per call, on a fresh memory and file system each time. Should that module not load (a
 * release of the package that ships it otherwise), runs fall back to `validateXML` for good.
 */
export async function runXmllint(schema: string, files: readonly XmllintFile[], docs: readonly string[]): Promise<XmllintResult> {
  const args = ['--noout', '--nonet', '--schema', schema, ...docs];
  if (pooled) {
    try {
      return await pool().run({ args, inputFiles: files, initialMemory: INITIAL_PAGES, maxMemory: MAX_PAGES });
    } catch (err) {
      if (!(err instanceof WorkerLoadError)) throw err;
      pooled = false;
    }
  }
  return runXmllintPerCall(schema, files, docs);
}

let pooled = true;

/** runXmllint through the documented API: one worker and one WebAssembly compilation per call (the fallback). */
export async function runXmllintPerCall(schema: string, files: readonly XmllintFile[], docs: readonly string[]): Promise<XmllintResult> {
  const xml = files.filter((f) => docs.includes(f.fileName));
  const main = files.find((f) => f.fileName === schema)!;
  const preload = files.filter((f) => f !== main && !docs.includes(f.fileName));
  try {
    const r = await validateXML({ xml, schema: [main], preload, initialMemoryPages: INITIAL_PAGES, maxMemoryPages: MAX_PAGES, modifyArguments: (a) => ['--nonet', ...a] });
    return { code: r.valid ? 0 : 3, stderr: r.rawOutput };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return { code: typeof code === 'number' ? code : -1, stderr: (err as Error).message ?? String(err) };
  }
}

class WorkerLoadError extends Error {}

interface Job {
  readonly args: readonly string[];
  readonly inputFiles: readonly XmllintFile[];
  readonly initialMemory: number;
  readonly maxMemory: number;
}

/** The worker: compiles the module once, then one xmllint run per message. Evaluated as a script (no file to ship). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const Module = require(path.join(workerData.dir, 'xmllint-node.js'));
if (typeof Module !== 'function') throw new Error('xmllint-node.js exports no module factory');
const compiled = new WebAssembly.Module(fs.readFileSync(path.join(workerData.dir, 'xmllint.wasm')));
parentPort.on('message', (job) => {
  if (!job || job.junction !== true) return;
  let stderr = '';
  let finished = false;
  const done = (code) => {
    if (finished) return;
    finished = true;
    parentPort.postMessage({ junction: true, code, stderr });
  };
  Promise.resolve(Module({
    inputFiles: job.inputFiles,
    arguments: job.args,
    print() {},
    printErr(text) { stderr += text + '\\n'; },
    onExit: done,
    onAbort(reason) { stderr += 'WASM abort: ' + reason + '\\n'; done(-1); },
    wasmMemory: new WebAssembly.Memory({ initial: job.initialMemory, maximum: job.maxMemory }),
    instantiateWasm(imports, ready) {
      WebAssembly.instantiate(compiled, imports).then((instance) => ready(instance, compiled), (err) => { stderr += String(err); done(-1); });
      return {};
    },
  })).then(() => setImmediate(() => done(0)), (err) => { stderr += String(err && err.message || err) + '\\n'; done(-1); });
});
parentPort.postMessage({ junction: true, ready: true });
`;

interface Slot {
  worker?: Worker;
  ready?: Promise<void>;
  busy: boolean;
}

class XmllintPool {
  private readonly slots: Slot[] = Array.from({ length: MAX_RUNS }, () => ({ busy: false }));
  private readonly queue: Array<{ job: Job; resolve: (r: XmllintResult) => void; reject: (e: unknown) => void }> = [];
  private readonly dir = nodePath.dirname(require.resolve('xmllint-wasm'));

  run(job: Job): Promise<XmllintResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    for (const slot of this.slots) {
      if (slot.busy || this.queue.length === 0) continue;
      const { job, resolve, reject } = this.queue.shift()!;
      slot.busy = true;
      this.start(slot, job).then(resolve, reject).finally(() => {
        slot.busy = false;
        this.next();
      });
    }
  }

  private async start(slot: Slot, job: Job): Promise<XmllintResult> {
    if (!slot.worker) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { dir: this.dir } });
      // An idle worker does not keep the process alive.
      worker.unref();
      slot.worker = worker;
      slot.ready = new Promise<void>((resolve, reject) => {
        const onMessage = (m: { junction?: boolean; ready?: boolean }) => {
          if (m?.junction !== true || !m.ready) return;
          worker.off('error', onError);
          worker.off('message', onMessage);
          resolve();
        };
        const onError = (err: unknown) => reject(new WorkerLoadError(`xmllint worker did not start: ${(err as Error)?.message ?? err}`));
        worker.on('message', onMessage);
        worker.once('error', onError);
      });
      slot.ready.catch(() => undefined);
    }
    const worker = slot.worker;
    try {
      await slot.ready;
    } catch (err) {
      slot.worker = undefined;
      void worker.terminate();
      throw err;
    }
    return new Promise<XmllintResult>((resolve, reject) => {
      const onMessage = (m: { junction?: boolean; code?: number; stderr?: string }) => {
        if (m?.junction !== true || m.code === undefined) return;
        cleanup();
        resolve({ code: m.code, stderr: m.stderr ?? '' });
      };
      // A crashed worker (out of memory, say) is replaced by the next run.
      const onError = (err: unknown) => {
        cleanup();
        slot.worker = undefined;
        reject(err);
      };
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.unref();
      };
      // Held while it runs, so that a caller awaiting the result keeps the process alive.
      worker.ref();
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.postMessage({ junction: true, ...job });
    });
  }
}

let shared: XmllintPool | undefined;
function pool(): XmllintPool {
  return (shared ??= new XmllintPool());
}
