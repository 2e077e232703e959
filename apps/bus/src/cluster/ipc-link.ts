/** One end of an IPC channel: a cluster worker as the primary sees it, or `process` inside a worker. */
export interface IpcChannel {
  send(message: unknown): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** Answers one kind of request; what it returns (or throws) goes back to the asker. */
export type IpcHandler = (args: unknown) => unknown;

interface Ask {
  readonly junction: 'ask';
  readonly id: number;
  readonly op: string;
  readonly args: unknown;
}

interface Answer {
  readonly junction: 'answer';
  readonly id: number;
  readonly result?: unknown;
  readonly error?: string;
}

/** How long an answer may take by default: a process that does not answer by then is left out, not waited for. */
export const ASK_TIMEOUT_MS = 5000;

/**
 * Requests and answers over a Node IPC channel, both ways: `ask` sends a request and resolves with the other end's
 * answer (rejects with its error, or after the timeout); requests from the other end go to `handlers`. Messages
 * that are not the link's (a cluster's own) are left alone.
 */
export class IpcLink {
  private next = 1;
  private readonly waiting = new Map<number, { resolve(value: unknown): void; reject(err: Error): void; timer: NodeJS.Timeout }>();

  constructor(
    private readonly channel: IpcChannel,
    private readonly handlers: Readonly<Record<string, IpcHandler>>,
    onError: (err: Error) => void = () => undefined,
  ) {
    channel.on('message', (message) => void this.receive(message));
    // A send on a channel that has closed (the other process died while an answer was being made) does not throw:
    // it emits 'error' on the next tick, which, unheard, would end this process too. The ask it belonged to, if any,
    // fails by its timeout; an answer nobody waits for is simply lost.
    channel.on('error', onError);
  }

  ask<T>(op: string, args: unknown = null, timeoutMs = ASK_TIMEOUT_MS): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => this.settle(id, undefined, `no answer to ${op} within ${timeoutMs} ms`), timeoutMs);
      timer.unref();
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      const ask: Ask = { junction: 'ask', id, op, args };
      try {
        this.channel.send(ask);
      } catch (err) {
        this.settle(id, undefined, `cannot ask ${op}: ${(err as Error).message}`);
      }
    });
  }

  /** Fails every request still waiting (the other end is gone). */
  close(reason: string): void {
    for (const id of [...this.waiting.keys()]) this.settle(id, undefined, reason);
  }

  private async receive(message: unknown): Promise<void> {
    if (!message || typeof message !== 'object') return;
    const m = message as { junction?: unknown; id?: unknown; op?: unknown; args?: unknown; result?: unknown; error?: string };
    if (m.junction === 'answer' && typeof m.id === 'number') return this.settle(m.id, m.result, m.error);
    if (m.junction !== 'ask' || typeof m.id !== 'number' || typeof m.op !== 'string') return;
    let answer: Answer;
    try {
      const handler = Object.hasOwn(this.handlers, m.op) ? this.handlers[m.op] : undefined;
      if (!handler) throw new Error(`unknown request ${m.op}`);
      // undefined does not survive the channel's JSON: null stands for it.
      answer = { junction: 'answer', id: m.id, result: (await handler(m.args)) ?? null };
    } catch (err) {
      answer = { junction: 'answer', id: m.id, error: (err as Error).message };
    }
    try {
      this.channel.send(answer);
    } catch {
      // The asker is gone: nobody waits for this answer.
    }
  }

  private settle(id: number, result: unknown, error: string | undefined): void {
    const waiting = this.waiting.get(id);
    if (!waiting) return;
    this.waiting.delete(id);
    clearTimeout(waiting.timer);
    if (error !== undefined) waiting.reject(new Error(error));
    else waiting.resolve(result);
  }
}
