import { XMLValidator } from 'fast-xml-parser';
import { dispatch, xmlReply, type SandboxReply, type SandboxSystem } from './sandbox.http';

/**
 * The legacy order system: XML over HTTP, as old as it sounds.
 * - `POST /legacy/orders` takes any well-formed XML document and answers 200 `<Ack>OK</Ack>` (as `text/xml`).
 * - Malformed XML gets 400 `<Ack>ERROR</Ack>`; every other error the same body with its status. It ignores the
 *   content type, as the real one does.
 */
export function createLegacySystem(): SandboxSystem {
  const ack = (status: number, text: 'OK' | 'ERROR'): SandboxReply => xmlReply(status, `<Ack>${text}</Ack>`, 'text/xml');
  const error = (status: number): SandboxReply => ack(status, 'ERROR');

  const operations = [
    {
      method: 'POST',
      path: /^\/legacy\/orders\/?$/,
      handle: (req: { body: string }): SandboxReply => (XMLValidator.validate(req.body) === true ? ack(200, 'OK') : error(400)),
    },
  ];

  return {
    name: 'legacy',
    prefix: '/legacy',
    handle: (req) => dispatch(operations, req, error),
    fault: error,
  };
}
