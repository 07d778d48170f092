import path from 'node:path';
import type { FromSchema } from 'json-schema-to-ts';
import type { ConfigSchema } from '../../connect/api/index.ts';
import { ConnectError, ConnectErrorCode } from '../../connect/api/index.ts';
import { ajv, formatAjvErrors } from '../../core/base/index.ts';

/**
 * The file sink's own settings: `file` is Kafka's FileStreamSink name (`topics` and
 * `topics.regex` are the runtime's common sink settings); the rest are Brook's.
 */
export const FILE_SINK_CONFIG_SCHEMA = {
  type: 'object',
  properties: {
    file: {
      type: 'string',
      pattern: '^[^\\u0000]+$',
      title: 'File',
      description: "The file to append each record's value to, one line per record. Relative paths are resolved against the worker's working directory.",
    },
    'offsets.sidecar.enable': {
      type: 'boolean',
      default: true,
      description:
        'Keep the last written offset of each partition, and the file length they go with, in <file>.brook-offsets (written after the file is synced, at each flush). After a crash the unflushed tail this sink wrote is cut back to that length and records redelivered from the last commit are skipped, so each record is in the file once; records the consumer is rewound to (offsets reset) are written again. Off: a crash can repeat the records written since the last commit.',
    },
    'write.buffer.bytes': {
      type: 'integer',
      minimum: 1,
      maximum: 67_108_864,
      default: 262_144,
      description: 'Lines are written to the file once this many bytes are waiting, and at every flush.',
    },
  },
  required: ['file'],
  additionalProperties: false,
} as const satisfies ConfigSchema;

export type FileSinkConfig = FromSchema<typeof FILE_SINK_CONFIG_SCHEMA>;

export interface ParsedFileSinkConfig {
  /** Absolute. */
  readonly file: string;
  readonly sidecar: boolean;
  readonly writeBufferBytes: number;
}

let validator: ReturnType<typeof ajv.compile> | undefined;

/** Validates a file sink config (a copy: ajv fills defaults in). Throws a config ConnectError naming each wrong field. */
export function parseFileSinkConfig(raw: Readonly<Record<string, unknown>>): ParsedFileSinkConfig {
  validator ??= ajv.compile(FILE_SINK_CONFIG_SCHEMA);
  // The runtime's common settings may come along in a task config: they are not ours to check.
  const config: Record<string, unknown> = {};
  for (const key of Object.keys(FILE_SINK_CONFIG_SCHEMA.properties)) if (key in raw) config[key] = raw[key];
  for (const key of Object.keys(raw)) if (!(key in config) && !isCommonSinkKey(key)) config[key] = raw[key];
  if (!validator(config)) throw new ConnectError(ConnectErrorCode.CONFIG, `Invalid file sink config: ${formatAjvErrors(validator.errors, 'config')}`);
  const valid = config as FileSinkConfig;
  return { file: path.resolve(valid.file), sidecar: valid['offsets.sidecar.enable'], writeBufferBytes: valid['write.buffer.bytes'] };
}

function isCommonSinkKey(key: string): boolean {
  return key === 'topics' || key === 'topics.regex';
}

/** The sidecar that keeps the sink's checkpoint: next to the file, named after it. */
export function sidecarPath(file: string): string {
  return `${file}.brook-offsets`;
}
