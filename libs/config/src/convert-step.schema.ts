import { z } from 'zod';
import { CsvFormatSchema, FixedWidthFormatSchema, FlatFormatSchema } from './flat-format.schema';

/**
 * The `convert` step: the body between JSON and XML (the XML convention), and from or to flat-file formats.
 * `{ to: json, from: { csv: {...} } }` reads the body's bytes as CSV into a JSON array of records;
 * `{ to: csv, csv: {...} }` and `{ to: fixedWidth, fixedWidth: {...} }` write the body's records (an array of objects,
 * or one object) as a file. `from` and a flat `to` combine: `{ from: { csv: {...} }, to: fixedWidth, fixedWidth: {...} }`.
 * `{ to: xml, schema: orders.xsd, element: '{urn:example:orders}Order' }` writes the body as that element of the
 * schema (see writeXsdElement in @junction/transform).
 */
export const ConvertStepSchema = z
  .strictObject({
    to: z.enum(['json', 'xml', 'csv', 'fixedWidth']).describe('The format the body is converted to: json, xml, csv or fixedWidth.'),
    root: z.string().optional().describe('to: xml: the root element when the value has no single top-level key.'),
    schema: z
      .string()
      .min(1)
      .optional()
      .describe(
        'to: xml: an XSD file (or a WSDL, for its schemas), relative to the route file, that drives the writing: @name keys become attributes, children follow the schema order, namespaces and value forms are the schema\'s; imports and includes are read from the route folder only.',
      ),
    element: z
      .string()
      .min(1)
      .optional()
      .describe('With schema: the global element written, as {namespace}Name, prefix:Name (a prefix the schema declares) or Name; default: the schema\'s only global element.'),
    from: FlatFormatSchema.optional().describe('Read the body first as this flat-file format ({ csv } or { fixedWidth }): its records become a JSON array.'),
    csv: CsvFormatSchema.optional().describe('to: csv: the CSV format written.'),
    fixedWidth: FixedWidthFormatSchema.optional().describe('to: fixedWidth: the record layout written.'),
  })
  .superRefine((c, ctx) => {
    if (c.schema !== undefined && c.to !== 'xml') ctx.addIssue({ code: 'custom', path: ['schema'], message: 'schema drives to: xml only' });
    if (c.schema !== undefined && c.root !== undefined) ctx.addIssue({ code: 'custom', path: ['root'], message: 'with schema, name the root with element' });
    if (c.element !== undefined && c.schema === undefined) ctx.addIssue({ code: 'custom', path: ['element'], message: 'element names an element of schema: set schema' });
    for (const flat of ['csv', 'fixedWidth'] as const) {
      if (c.to === flat && c[flat] === undefined) ctx.addIssue({ code: 'custom', path: [flat], message: `to: ${flat} needs its format under ${flat}` });
      if (c.to !== flat && c[flat] !== undefined) ctx.addIssue({ code: 'custom', path: [flat], message: `${flat} describes the format of to: ${flat}` });
    }
  })
  .meta({ id: 'Convert', description: 'Converts the body: JSON <-> XML, and from or to CSV and fixed-width files.' });

export type ConvertStepDef = z.output<typeof ConvertStepSchema>;
