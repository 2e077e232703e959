import { compileExpression } from '@junction/transform';

/**
 * Whether a JSONata expression of a target's config (a topic or routing key computed per message) reads the message
 * body. A target whose only expressions read headers can send the body's bytes as they are, unparsed; an expression
 * that does not compile counts as reading it (the connector's check reports it).
 */
export function expressionReadsBody(source: string | undefined): boolean {
  if (source === undefined) return false;
  try {
    return compileExpression(source).readsInput;
  } catch {
    return true;
  }
}
