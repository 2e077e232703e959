import { z } from 'zod';
import { FlatFormatSchema, type FlatFormatConfig } from '../flat-format.config';

/**
 * The route file fields every folder connector (file, sftp, ftp) shares: which files a source takes and when, what
 * becomes of them, and how a target names and writes its files. Each connector adds its connection fields.
 */

const glob = z.string().min(1);
const globs = z
  .union([glob, z.array(glob)])
  .transform((g) => (Array.isArray(g) ? g : [g]));

/** A file or folder name in a folder: no separators, not `.` or `..`. */
const plainName = z
  .string()
  .min(1)
  .regex(/^(?!\.\.?$)[^/\\\0]+$/, { error: 'expected a name without / or \\' });

export const folderSourceFields = {
  dir: z.string().min(1).describe('Folder to poll (on the server: absolute, or relative to the login folder).'),
  include: globs.default(['*']).describe('Glob(s) a file name must match, e.g. *.csv (names starting with a dot only when the glob says so).'),
  exclude: globs.default([]).describe('Glob(s) of file names to leave alone, e.g. *.tmp.'),
  ready: z
    .enum(['stable', 'doneFile', 'rename'])
    .default('stable')
    .describe(
      'When a file is complete: stable (same size and time over two polls), doneFile (once <name><doneFileSuffix> exists), rename (at once, unless its name matches tempPattern: the writer renames it when done).',
    ),
  doneFileSuffix: z.string().min(1).default('.done').describe('With ready: doneFile, the suffix of the marker file (removed with the file).'),
  tempPattern: globs.default(['*.tmp', '*.part']).describe('With ready: rename, the glob(s) of names a writer uses while it writes.'),
  after: z.enum(['move', 'delete']).default('move').describe('What becomes of a file once the bus took its message: moved to doneDir, or deleted.'),
  doneDir: plainName.default('.done').describe('Folder inside dir that taken files move to (after: move).'),
  errorDir: plainName.default('.error').describe('Folder inside dir that refused files move to, each with <name>.reason.txt beside it.'),
  pollMs: z.int().min(50).max(3_600_000).default(1_000).describe('Time between two listings of the folder.'),
  claimMs: z
    .int()
    .min(1_000)
    .max(3_600_000)
    .default(60_000)
    .describe('How long a claim on a file lasts in the store (renewed while it is processed): after a crash, another poll takes the file again after this.'),
  concurrency: z.int().min(1).max(64).default(4).describe('Files processed at once (an FTP session does one at a time whatever this says).'),
  maxBytes: z
    .int()
    .min(1)
    .max(1_073_741_824)
    .default(64 * 1024 * 1024)
    .describe('Largest file taken; a larger one goes to errorDir with its reason.'),
  contentType: z.string().min(1).optional().describe('Content type of the messages; default: from the file extension (.json, .xml, .csv, .txt), else guessed from the content.'),
  format: FlatFormatSchema.optional().describe('Read each file as CSV or fixed-width records ({ csv: {...} } or { fixedWidth: {...} }): the message is the JSON array of its records. A file that does not parse goes to errorDir with the malformed lines as its reason.'),
  split: z
    .enum(['records'])
    .optional()
    .describe('With format: one message per record (headers x-file-record, x-file-records, x-file-line), handed over in order; the file moves once every record was taken.'),
};

export const folderTargetFields = {
  dir: z.string().min(1).describe('Folder to write into (created when missing).'),
  name: z
    .string()
    .min(1)
    .optional()
    .describe("JSONata giving the file name from the message ($headers, $messageId bound), e.g. \"'ORD-' & orderId & '.xml'\"; default: the message id."),
  exists: z
    .enum(['fail', 'overwrite', 'append'])
    .default('fail')
    .describe('When the file exists: fail (the delivery fails for good), overwrite (replaced whole, atomically), append (the bytes are added at its end).'),
  format: FlatFormatSchema.optional().describe('Write the message (an array of records, or one record) as CSV or fixed-width records; appended records leave out a CSV header the file already has.'),
};

/** What the shared poller and writer read of a source config (connection fields aside). */
export interface FolderSourceDef {
  readonly dir: string;
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  readonly ready: 'stable' | 'doneFile' | 'rename';
  readonly doneFileSuffix: string;
  readonly tempPattern: readonly string[];
  readonly after: 'move' | 'delete';
  readonly doneDir: string;
  readonly errorDir: string;
  readonly pollMs: number;
  readonly claimMs: number;
  readonly concurrency: number;
  readonly maxBytes: number;
  readonly contentType?: string;
  readonly format?: FlatFormatConfig;
  readonly split?: 'records';
}

export interface FolderTargetDef {
  readonly dir: string;
  readonly name?: string;
  readonly exists: 'fail' | 'overwrite' | 'append';
  readonly format?: FlatFormatConfig;
}
