import path from 'node:path';
import type { FromSchema } from 'json-schema-to-ts';
import type { ConfigSchema } from '../../connect/api/index.ts';
import { ConnectError, ConnectErrorCode } from '../../connect/api/index.ts';
import { ajv, formatAjvErrors } from '../../core/base/index.ts';
import { globMatcher } from './glob.ts';

/** A path: any text without a NUL byte, which no file system accepts in a name. */
const PATH_PATTERN = '^[^\\u0000]+$';

/**
 * The file source's own settings. `file`, `topic` and `batch.size` are Kafka's
 * FileStreamSource names; the rest are Brook's. Exactly one of `file` and `glob` is set (checked
 * in parseFileSourceConfig: a oneOf would report itself rather than the field).
 */
export const FILE_SOURCE_CONFIG_SCHEMA = {
  type: 'object',
  properties: {
    file: {
      type: 'string',
      pattern: PATH_PATTERN,
      title: 'File',
      description: 'The file to tail. Relative paths are resolved against the worker\'s working directory. Set this or glob, not both.',
    },
    glob: {
      type: 'string',
      pattern: PATH_PATTERN,
      title: 'Glob',
      description:
        'A pattern of files to tail (*, ?, [abc], {a,b} within one path segment, ** for any number of directories). Files that appear later and match are picked up. A leading dot is matched only explicitly, and directories reached through symbolic links are not searched. Set this or file, not both.',
    },
    topic: { type: 'string', minLength: 1, title: 'Topic', description: 'The topic to write each line to.' },
    'batch.size': { type: 'integer', minimum: 1, maximum: 1_000_000, default: 2000, description: 'The most lines one poll returns.' },
    'start.position': {
      type: 'string',
      enum: ['beginning', 'end'],
      default: 'beginning',
      description:
        'Where to start in a file found at task start that has no stored position: its beginning, or after its last complete line. Files that appear while the task runs (a new file after rotation, a new match of the glob) are always read from their beginning.',
    },
    'poll.interval.ms': {
      type: 'integer',
      minimum: 1,
      maximum: 3_600_000,
      default: 1000,
      description: 'How often every file is checked for new data, rotation, truncation and new matches even when no file-system event said so (network file systems send none).',
    },
    'flush.after.idle.ms': {
      type: 'integer',
      minimum: -1,
      maximum: 86_400_000,
      default: -1,
      description: 'A last line without its newline is sent as it is once its file has not grown for this long; its remainder, if the line goes on, becomes the next record. -1 waits for the newline forever.',
    },
    'rotated.close.idle.ms': {
      type: 'integer',
      minimum: 0,
      maximum: 86_400_000,
      default: 5000,
      description:
        'A file that was renamed away from a tailed path or deleted is read to its end, and closed once it has not grown for this long (a writer may still be finishing its last lines before it reopens its log).',
    },
    'max.line.bytes': {
      type: 'integer',
      minimum: 64,
      maximum: 104_857_600,
      default: 1_000_000,
      description: 'A line longer than this is sent as several records of at most this many bytes, cut between characters.',
    },
    'read.buffer.bytes': { type: 'integer', minimum: 8, maximum: 16_777_216, default: 65_536, description: 'How many bytes one read from a file asks for.' },
  },
  required: ['topic'],
  additionalProperties: false,
} as const satisfies ConfigSchema;

export type FileSourceConfig = FromSchema<typeof FILE_SOURCE_CONFIG_SCHEMA>;

/** Which files to tail: one path, or a glob pattern. Both absolute and normalised. */
export type FileSelection = { readonly kind: 'file'; readonly path: string } | { readonly kind: 'glob'; readonly pattern: string };

/** A validated config with its defaults filled in, and the files it selects. */
export interface ParsedFileSourceConfig {
  readonly topic: string;
  readonly selection: FileSelection;
  readonly batchSize: number;
  readonly startPosition: 'beginning' | 'end';
  readonly pollIntervalMs: number;
  /** null: partial lines wait for their newline. */
  readonly flushAfterIdleMs: number | null;
  readonly rotatedCloseIdleMs: number;
  readonly maxLineBytes: number;
  readonly readBufferBytes: number;
}

let validator: ReturnType<typeof ajv.compile> | undefined;

function configError(message: string): ConnectError {
  return new ConnectError(ConnectErrorCode.CONFIG, message);
}

/**
 * Validates a file source config (a copy: ajv fills defaults in) and resolves its paths. Throws
 * a config ConnectError that names each wrong field.
 */
export function parseFileSourceConfig(raw: Readonly<Record<string, unknown>>): ParsedFileSourceConfig {
  validator ??= ajv.compile(FILE_SOURCE_CONFIG_SCHEMA);
  const config = { ...raw };
  if (!validator(config)) throw configError(`Invalid file source config: ${formatAjvErrors(validator.errors, 'config')}`);
  const valid = config as FileSourceConfig;
  const { file, glob } = valid;
  if ((file === undefined) === (glob === undefined)) throw configError('Invalid file source config: set exactly one of file and glob');
  let selection: FileSelection;
  if (file !== undefined) {
    selection = { kind: 'file', path: path.resolve(file) };
  } else {
    selection = { kind: 'glob', pattern: path.resolve(glob!) };
    try {
      globMatcher(selection.pattern);
    } catch (error) {
      throw configError(`Invalid file source config: glob: ${(error as Error).message}`);
    }
  }
  return {
    topic: valid.topic,
    selection,
    batchSize: valid['batch.size'],
    startPosition: valid['start.position'],
    pollIntervalMs: valid['poll.interval.ms'],
    flushAfterIdleMs: valid['flush.after.idle.ms'] < 0 ? null : valid['flush.after.idle.ms'],
    rotatedCloseIdleMs: valid['rotated.close.idle.ms'],
    maxLineBytes: valid['max.line.bytes'],
    readBufferBytes: valid['read.buffer.bytes'],
  };
}
