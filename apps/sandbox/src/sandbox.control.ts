import type { FaultInjector } from './sandbox.faults';
import { dispatch, isSystemName, jsonReply, type SandboxReply, type SandboxRequest, type SystemName } from './sandbox.http';
import type { SandboxRecorder } from './sandbox.recorder';

/** Path prefix of the sandbox's own endpoints; requests to them are never recorded nor failed. */
export const CONTROL_PREFIX = '/_sandbox';

/**
 * The sandbox's own API, for tests and for people watching the demo:
 * - `GET /_sandbox/health` -> 200 `{ status: 'ok' }`
 * - `GET /_sandbox/received[?system=crm|erp|legacy]` -> 200, array of ReceivedRequest, oldest first
 * - `DELETE /_sandbox/received[?system=...]` -> 204, forgets entries and counts
 * - `GET /_sandbox/stats` -> 200 `{ counts: { crm: { received, failed }, ... }, pendingFaults: { crm: [503] } }`
 * - `POST /_sandbox/faults` `{ system, status, count? = 1 }` -> 201: the next `count` requests to that system answer
 *   `status` (for retry tests, where the caller cannot put a header on each attempt)
 * - `DELETE /_sandbox/faults` -> 204, drops scheduled faults
 */
export function handleControl(req: SandboxRequest, recorder: SandboxRecorder, faults: FaultInjector): SandboxReply {
  const error = (status: number, reason: string): SandboxReply => jsonReply(status, { error: reason, status });

  const systemParam = (): { ok: true; system?: SystemName } | { ok: false; reply: SandboxReply } => {
    const system = req.query.get('system');
    if (system === null || system === '') return { ok: true };
    if (isSystemName(system)) return { ok: true, system };
    return { ok: false, reply: error(400, `unknown system "${system}": expected crm, erp or legacy`) };
  };

  return dispatch(
    [
      { method: 'GET', path: /^\/_sandbox\/health$/, handle: () => jsonReply(200, { status: 'ok' }) },
      {
        method: 'GET',
        path: /^\/_sandbox\/received$/,
        handle: () => {
          const param = systemParam();
          return param.ok ? jsonReply(200, recorder.list(param.system)) : param.reply;
        },
      },
      {
        method: 'DELETE',
        path: /^\/_sandbox\/received$/,
        handle: () => {
          const param = systemParam();
          if (!param.ok) return param.reply;
          recorder.clear(param.system);
          return { status: 204, headers: {}, body: '' };
        },
      },
      {
        method: 'GET',
        path: /^\/_sandbox\/stats$/,
        handle: () => jsonReply(200, { counts: recorder.counts(), pendingFaults: faults.pending() }),
      },
      {
        method: 'POST',
        path: /^\/_sandbox\/faults$/,
        handle: () => {
          let spec: { system?: unknown; status?: unknown; count?: unknown };
          try {
            spec = JSON.parse(req.body) as typeof spec;
          } catch {
            return error(400, 'expected JSON { system, status, count? }');
          }
          const { system, status, count = 1 } = spec ?? {};
          if (typeof system !== 'string' || !isSystemName(system)) return error(400, 'system must be crm, erp or legacy');
          if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 599) {
            return error(400, 'status must be an integer within 400..599');
          }
          if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 1000) {
            return error(400, 'count must be an integer within 1..1000');
          }
          faults.schedule(system, status, count);
          return jsonReply(201, { pendingFaults: faults.pending() });
        },
      },
      {
        method: 'DELETE',
        path: /^\/_sandbox\/faults$/,
        handle: () => {
          faults.clearScheduled();
          return { status: 204, headers: {}, body: '' };
        },
      },
    ],
    req,
    error,
  );
}
