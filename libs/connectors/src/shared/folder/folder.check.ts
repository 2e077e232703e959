import type { CheckProblem } from '@junction/config';
import { ConfigError } from '@junction/core';
import { compileExpression } from '@junction/transform';
import type { FolderSourceDef, FolderTargetDef } from './folder.config';

/** Offline check of a folder target: its name expression compiles. */
export function checkFolderTarget(config: FolderTargetDef): CheckProblem[] {
  if (config.name === undefined) return [];
  try {
    compileExpression(config.name);
    return [];
  } catch (err) {
    return [{ path: ['name'], message: err instanceof ConfigError ? err.problems[0] : String(err) }];
  }
}

/** Offline check of a folder source: its done and error folders are not the polled folder's files. */
export function checkFolderSource(config: FolderSourceDef): CheckProblem[] {
  const problems: CheckProblem[] = [];
  if (config.after === 'move' && config.doneDir === config.errorDir) {
    problems.push({ path: ['errorDir'], message: 'errorDir must differ from doneDir' });
  }
  return problems;
}
