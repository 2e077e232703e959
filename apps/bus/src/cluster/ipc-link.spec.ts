import { EventEmitter } from 'node:events';
import { IpcLink, type IpcChannel } from './ipc-link';

/** Two ends of a channel in one process: what one sends, the other receives on a later turn, as over IPC (as JSON). */
function pair(): [IpcChannel & EventEmitter, IpcChannel & EventEmitter] {
  const a = new EventEmitter() as IpcChannel & EventEmitter;
  const b = new EventEmitter() as IpcChannel & EventEmitter;
  a.send = (m) => setImmediate(() => b.emit('message', JSON.parse(JSON.stringify(m)))) !== undefined;
  b.send = (m) => setImmediate(() => a.emit('message', JSON.parse(JSON.stringify(m)))) !== undefined;
  return [a, b];
}

describe('IpcLink', () => {
  test('asks both ways; an answer of undefined arrives as null, a throw as a rejection', async () => {
    const [primaryEnd, workerEnd] = pair();
    const primary = new IpcLink(primaryEnd, { twice: (n) => (n as number) * 2, nothing: () => undefined });
    const worker = new IpcLink(workerEnd, {
      fail: () => {
        throw new Error('not ready');
      },
      later: async () => 'done',
    });
    await expect(worker.ask('twice', 21)).resolves.toBe(42);
    await expect(worker.ask('nothing')).resolves.toBeNull();
    await expect(primary.ask('later')).resolves.toBe('done');
    await expect(primary.ask('fail')).rejects.toThrow('not ready');
    await expect(primary.ask('missing')).rejects.toThrow('unknown request missing');
  });

  test('a request nobody answers fails after its timeout; close fails those waiting', async () => {
    const [end] = pair();
    const link = new IpcLink(end, {});
    await expect(link.ask('void', null, 50)).rejects.toThrow('no answer to void within 50 ms');
    const waiting = link.ask('void', null, 60_000);
    link.close('the worker exited');
    await expect(waiting).rejects.toThrow('the worker exited');
  });

  test('leaves messages that are not its own alone', async () => {
    const [primaryEnd, workerEnd] = pair();
    const seen: unknown[] = [];
    const worker = new IpcLink(workerEnd, {});
    new IpcLink(primaryEnd, { ping: () => 'pong' });
    workerEnd.on('message', (m) => seen.push(m));
    primaryEnd.send({ cmd: 'NODE_CLUSTER', act: 'online' });
    primaryEnd.send({ junction: 'answer', id: 999, result: 'stray' });
    await new Promise((r) => setImmediate(r));
    expect(seen).toHaveLength(2);
    await expect(worker.ask('ping')).resolves.toBe('pong');
  });
  test('an answer to a process whose channel closed is lost, not thrown: the channel emits error, as a dead worker does', async () => {
    const [primaryEnd, workerEnd] = pair();
    const lost: string[] = [];
    new IpcLink(primaryEnd, { slow: () => new Promise((r) => setTimeout(() => r('late'), 20)) }, (err) => lost.push(err.message));
    const worker = new IpcLink(workerEnd, {});
    // The worker dies while its request is answered: Node's send on a closed channel returns false and emits
    // ERR_IPC_CHANNEL_CLOSED on a later turn, which an EventEmitter with no listener would throw.
    primaryEnd.send = () => {
      setImmediate(() => primaryEnd.emit('error', Object.assign(new Error('Channel closed'), { code: 'ERR_IPC_CHANNEL_CLOSED' })));
      return false;
    };
    await expect(worker.ask('slow', null, 200)).rejects.toThrow('no answer to slow within 200 ms');
    expect(lost).toEqual(['Channel closed']);
  });
});
