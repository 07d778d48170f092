import { BrookError } from '../core/base/index.ts';

export const StreamsErrorCode = {
  /** The topology cannot be built as written (a name used twice, a branch after defaultBranch…). */
  TOPOLOGY: 'ERR_STREAMS_TOPOLOGY',
  /** The app's config does not match its schema. */
  INVALID_CONFIG: 'ERR_STREAMS_INVALID_CONFIG',
  /** A record's key or value could not be deserialized and the handler said fail. */
  DESERIALIZATION: 'ERR_STREAMS_DESERIALIZATION',
  /** A user function threw (or an async one rejected) and the handler said fail. */
  PROCESSING: 'ERR_STREAMS_PROCESSING',
  /** A sink could not serialize or send a record. */
  PRODUCTION: 'ERR_STREAMS_PRODUCTION',
  /** A record was given to a task that does not read its topic and partition, or out of order. */
  INVALID_INPUT: 'ERR_STREAMS_INVALID_INPUT',
  /** The task is closed or failed; it takes no more records. */
  TASK_CLOSED: 'ERR_STREAMS_TASK_CLOSED',
} as const;
export type StreamsErrorCode = (typeof StreamsErrorCode)[keyof typeof StreamsErrorCode];

/** A Streams fault. Processing faults are not retriable: the same record fails the same way. */
export class StreamsError extends BrookError {
  declare readonly code: StreamsErrorCode;

  constructor(code: StreamsErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(code, message, options);
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
