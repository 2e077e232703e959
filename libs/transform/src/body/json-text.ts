import { InputError } from '@junction/core';
import { describePosition } from '../text-position';
import { type JsonProblem, scanJson } from './json-scan';

/** What JSON input may be beyond being well-formed. */
export interface JsonLimits {
  /** Most arrays and objects nested in one another (a top-level object or array is depth 1). At most 1000. */
  readonly maxDepth: number;
}

export const DEFAULT_JSON_LIMITS: JsonLimits = Object.freeze({ maxDepth: 100 });

// Long enough to recognise a key, short enough that a refusal cannot echo a payload hidden in one.
const KEY_SHOWN = 64;

/**
 * Parses JSON text after one validating scan (see json-scan.ts); a leading byte order mark is ignored. Throws
 * InputError (400): `JSON_MALFORMED` with the parser's reason and the line and column of the first offending character,
 * `JSON_LIMIT` for nesting deeper than `limits.maxDepth`, `JSON_DUPLICATE_KEY` naming the key and where it is repeated.
 */
export function parseJsonText(text: string, limits: JsonLimits = DEFAULT_JSON_LIMITS): unknown {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  check(text, limits);
  return JSON.parse(text);
}

/**
 * The refusals of parseJsonText without building the value, for bodies the bus passes on without reading: as strict
 * as the parse, for about the cost of reading the text once. Bytes are read as UTF-8.
 */
export function screenJson(input: string | Buffer, limits: JsonLimits = DEFAULT_JSON_LIMITS): void {
  let text = typeof input === 'string' ? input : input.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  check(text, limits);
}

function check(text: string, limits: JsonLimits): void {
  const problem = scanJson(text, { maxDepth: limits.maxDepth, duplicates: true });
  if (problem) throw refusal(problem, text, limits);
}

function refusal(problem: JsonProblem, text: string, limits: JsonLimits): InputError {
  const where = describePosition(text, problem.at);
  switch (problem.kind) {
    case 'depth':
      return new InputError('JSON_LIMIT', `JSON limit maxDepth (${limits.maxDepth}) exceeded: arrays and objects are nested deeper (${where})`, 400);
    case 'duplicate': {
      const key = problem.key.length > KEY_SHOWN ? `${problem.key.slice(0, KEY_SHOWN)}...` : problem.key;
      return new InputError('JSON_DUPLICATE_KEY', `Duplicate JSON key ${JSON.stringify(key)}: an object gives it twice (${where})`, 400);
    }
    case 'malformed':
      return new InputError('JSON_MALFORMED', `Malformed JSON: ${parserReason(text)} (${where})`, 400);
  }
}

/** JSON.parse's own words for what is wrong; only called for text the scan found malformed. */
function parserReason(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    // V8 quotes (part of) the input in some messages; the position says where, without echoing the payload.
    return (err as Error).message.replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '');
  }
  // The scan and the parser disagree: the scan is stricter than JSON, which must not happen; say so rather than guess.
  return 'refused by the scan although the parser accepts it';
}
