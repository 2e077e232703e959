import { BusError } from '@junction/core';

/**
 * A JSON value that does not fit the schema: `path` names the place (`Order.Lines.Line[1].@sku`). Not retriable:
 * the same value fails again. A SOAP target dead-letters the message, a SOAP service answers a Server/Receiver Fault.
 */
export class XsdWriteError extends BusError {
  constructor(
    readonly path: string,
    why: string,
  ) {
    super('XML_SCHEMA_MISMATCH', `${path}: ${why}`, { retriable: false });
  }
}

