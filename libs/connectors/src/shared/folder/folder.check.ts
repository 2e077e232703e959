import type { CheckProblem } from '@junction/config';
import { ConfigError } from '@junction/core';
import { compileExpression, compileFlatFormat } from '@junction/transform';
import type { FolderSourceDef, FolderTargetDef } from './folder.config';

/** Offline check of a folder target: its name expression and its format compile. */
export function checkFolderTarget(config: FolderTargetDef): CheckProblem[] {
  const problems = formatProblems(config.format);
  if (config.name === undefined) return problems;
  try {
    compileExpression(config.name);
  } catch (err) {
    problems.push({ path: ['name'], message: err instanceof ConfigError ? err.problems[0] : String(err) });
  }
  return problems;
}

/** Offline check of a folder source: distinct done and error folders, a format to split by, a format that compiles. */
export function checkFolderSource(config: FolderSourceDef): CheckProblem[] {
  const problems: CheckProblem[] = [];
  if (config.after === 'move' && config.doneDir === config.errorDir) {
    problems.push({ path: ['errorDir'], message: 'errorDir must differ from doneDir' });
  }
  if (config.split !== undefined && config.format === undefined) problems.push({ path: ['split'], message: 'split: records needs a format (csv or fixedWidth)' });
  problems.push(...formatProblems(config.format));
  return problems;
}

/** A flat format that does not compile (an unknown encoding, a layout with gaps), at `format`. */
function formatProblems(format: FolderSourceDef['format']): CheckProblem[] {
  if (format === undefined) return [];
  try {
    compileFlatFormat(format);
    return [];
  } catch (err) {
    return [{ path: ['format'], message: err instanceof ConfigError ? err.problems[0] : String(err) }];
  }
}
