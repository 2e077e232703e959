import { BusError, ConfigError, DeliveryError, toBusError, ValidationError } from '@junction/core';
import { createXmlCodec, type XmlCodec, violationError } from '@junction/transform';
import type { SoapVersion } from './soap-envelope';
import type { WsdlOperation } from './wsdl-catalog';
import { loadWsdlSchemas, type WsdlSchemas } from './wsdl-schemas';

/** `validate` of a SOAP source or target: which payloads are checked against the WSDL's own schemas. */
export type SoapValidate = 'request' | 'response' | 'both';

/**
 * Validation of SOAP payloads against the schemas of the WSDL (see wsdl-schemas.ts), read once when the route loads.
 * What each side does with a violation:
 * - source, request: the caller's envelope is checked as received (lines are the caller's); a violation refuses the
 *   call with a Client/Sender Fault listing every violation, and the request is journaled as dead.
 * - source, response: the response the bus is about to write; a violation is a Server/Receiver Fault.
 * - target, request: the payload the bus is about to send; a violation is a delivery failure that is not retried
 *   (dead letter with the violations): it is never sent.
 * - target, response: the target's envelope as received; a violation is a delivery failure that is not retried.
 */
export class SoapValidation {
  private constructor(
    private readonly schemas: WsdlSchemas,
    readonly request: boolean,
    readonly response: boolean,
  ) {}

  /** Loads the WSDL's schemas when `validate` is set; a WSDL given by URL cannot be validated against (no fetch). */
  static load(validate: SoapValidate | undefined, wsdl: string, file: string, codec: XmlCodec): SoapValidation | undefined {
    if (!validate) return undefined;
    if (/^https?:\/\//i.test(wsdl)) throw new ConfigError(`validate: ${validate} needs the WSDL as a local file, not ${wsdl} (schemas are not fetched)`);
    return new SoapValidation(loadWsdlSchemas(file, codec), validate !== 'response', validate !== 'request');
  }

  /**
   * Why `validate` cannot serve these operations, or undefined: an rpc-style operation's Body element is a wrapper
   * named after the operation that no schema declares (only document/literal payloads are validated).
   */
  static styleProblem(validate: SoapValidate | undefined, operations: readonly WsdlOperation[]): string | undefined {
    const rpc = validate ? operations.filter((o) => o.style === 'rpc') : [];
    if (rpc.length === 0) return undefined;
    return `validate: ${validate} checks document/literal payloads; ${[...new Set(rpc.map((o) => o.name))].join(', ')} ${rpc.length === 1 ? 'is' : 'are'} rpc-style, whose Body element no schema declares`;
  }

  /** Offline check (`junction validate`, every load): what stops the WSDL's schemas from being used, or undefined. */
  static async problem(validate: SoapValidate | undefined, wsdl: string, file: string): Promise<string | undefined> {
    try {
      const validation = SoapValidation.load(validate, wsdl, file, createXmlCodec());
      await validation?.schemas.payload.compiles();
      return undefined;
    } catch (err) {
      return toBusError(err).message;
    }
  }

  /** Source, request: the refusal of a received envelope (decoded text), or undefined when its Body is valid. */
  async refusal(envelope: string, version: SoapVersion): Promise<ValidationError | undefined> {
    if (!this.request) return undefined;
    const violations = await this.schemas.envelope(version).validate(envelope);
    return violations.length === 0 ? undefined : violationError(violations, "The request does not match the WSDL's schema");
  }

  /** Source, response: throws `SOAP_RESPONSE_INVALID` (a Server/Receiver Fault) when the response element is invalid. */
  async checkResponse(xml: string): Promise<void> {
    if (!this.response) return;
    const violations = await this.schemas.payload.validate(xml);
    if (violations.length === 0) return;
    const listed = violationError(violations, "The response the route produced does not match the WSDL's schema");
    throw new BusError('SOAP_RESPONSE_INVALID', listed.message, { retriable: false, cause: listed });
  }

  /** Target, request: throws a DeliveryError that is not retried when the payload about to be sent is invalid. */
  async checkOutgoing(payload: string, description: string): Promise<void> {
    if (!this.request) return;
    const violations = await this.schemas.payload.validate(payload);
    if (violations.length === 0) return;
    const listed = violationError(violations, `${description}: the request does not match the WSDL's schema; not sent`);
    throw new DeliveryError('SOAP_REQUEST_INVALID', listed.message, { retriable: false, cause: listed });
  }

  /** Target, response: throws a DeliveryError that is not retried when the received envelope's Body is invalid. */
  async checkReply(envelope: string, version: SoapVersion, description: string): Promise<void> {
    if (!this.response) return;
    const violations = await this.schemas.envelope(version).validate(envelope);
    if (violations.length === 0) return;
    const listed = violationError(violations, `${description}: the response does not match the WSDL's schema`);
    throw new DeliveryError('SOAP_RESPONSE_INVALID', listed.message, { retriable: false, cause: listed, reply: envelope.slice(0, 2048) });
  }
}
