import { z } from 'zod';

/**
 * The `xslt` step: an XSLT 1.0 stylesheet applied to the XML body. `xslt: maps/order.xsl` names the stylesheet (a
 * path relative to the route file, inside the route's folder); the long form adds `params`, top-level `xsl:param`s
 * set per message from JSONata expressions (over the body, `$headers`, `$vars`...).
 */
export const XsltStepSchema = z
  .union([
    z.string().min(1),
    z.strictObject({
      stylesheet: z.string().min(1).describe('The stylesheet: a path relative to the route file, inside the route folder.'),
      params: z
        .record(
          z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, { error: 'expected an xsl:param name' }),
          z.string().min(1),
        )
        .optional()
        .describe('Top-level xsl:param values: name -> JSONata evaluated on the message (a string, number or boolean).'),
    }),
  ])
  .meta({
    id: 'Xslt',
    description:
      'Applies an XSLT 1.0 stylesheet to the XML body: a path relative to the route file, or { stylesheet, params }. The result is an XML body, or text with <xsl:output method="text"/>.',
  });

export type XsltStepDef = z.output<typeof XsltStepSchema>;
