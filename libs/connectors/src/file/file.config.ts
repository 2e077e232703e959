import { z } from 'zod';
import { folderSourceFields, folderTargetFields } from '../shared/folder/folder.config';

/**
 * Route file schema of the file connector: a local folder (or one mounted into the machine) polled as a source, a
 * folder written as a target. Relative paths resolve from the route file's folder.
 */

export const FileSourceSchema = z
  .strictObject({ ...folderSourceFields })
  .describe('Files from a local folder, at least once: each file claimed by one instance, moved to doneDir only after the bus took it.');

export const FileTargetSchema = z
  .strictObject({ ...folderTargetFields })
  .describe('Writes each message as a file into a local folder, under a temporary name renamed when complete.');

export type FileSourceDef = z.output<typeof FileSourceSchema>;
export type FileTargetDef = z.output<typeof FileTargetSchema>;
