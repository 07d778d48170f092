export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** A record as read from a batch, with its absolute offset and timestamp. */
export interface Record {
  offset: bigint;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  /** Records without headers share one frozen empty list. */
  headers: readonly RecordHeader[];
}

/** A record to encode. offsetDelta defaults to its index in the batch. */
export interface RecordInput {
  timestamp: bigint;
  key?: Uint8Array | null;
  value: Uint8Array | null;
  headers?: readonly { key: string; value: Uint8Array | null }[];
  offsetDelta?: number;
}

export const TimestampType = { CREATE_TIME: 'create-time', LOG_APPEND_TIME: 'log-append-time' } as const;
export type TimestampType = (typeof TimestampType)[keyof typeof TimestampType];
