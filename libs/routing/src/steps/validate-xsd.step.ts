import { BusError, StepError, ValidationError, type Message } from '@junction/core';
import { BytesBody, loadXsdSchema, xmlTextOf, XsdValidator } from '@junction/transform';
import type { Transformer } from '../compiled-route';
import { fail, type CompileContext, type DefPath } from '../compile-context';

/**
 * `validate: { xsd: file }`: the XML body against an XML Schema, read with everything it imports or includes when the
 * route loads (see loadXsdSchema: files in the route folder only, nothing fetched). The body must be XML; it has been
 * read by the bus's hardened parser before (DTD refused), and libxml2 sees nothing but it and the schema files.
 * - The body as received (the caller's input): ValidationError listing every violation with its line (422 to an HTTP
 *   caller, a Client/Sender Fault to a SOAP one), the message journaled as dead.
 * - A body the bus produced (a mapping, a conversion): `XSD_OUTPUT_INVALID`, a failure of the route, not of the
 *   caller's input: the message is dead-lettered with the violations and never sent.
 */
export function compileValidateXsd(ctx: CompileContext, file: string, path: DefPath): Transformer | undefined {
  let validator: XsdValidator;
  try {
    validator = new XsdValidator(file, loadXsdSchema(file, ctx.baseDir, ctx.codec));
  } catch (err) {
    return fail(ctx, path, err instanceof Error ? err.message : String(err));
  }
  return async (m: Message) => {
    if (m.body.format !== 'xml') throw new StepError('validate', `xsd ${file} validates XML bodies; this one is ${m.body.format}`);
    const received = m.body instanceof BytesBody;
    try {
      await validator.check(xmlTextOf(m.body), received ? 'The message' : 'The message the route produced');
    } catch (err) {
      if (received || !(err instanceof ValidationError)) throw err;
      throw new BusError('XSD_OUTPUT_INVALID', err.message, { retriable: false, cause: err });
    }
    m.hop('validate', file);
    return m;
  };
}
