import { encodeRecordBatch } from './record-batch-encoder.ts';
import { RecordsError, RecordsErrorCode } from './errors.ts';

export const ControlRecordType = { ABORT: 0, COMMIT: 1 } as const;
export type ControlRecordType = (typeof ControlRecordType)[keyof typeof ControlRecordType];

/** Key and value of a transaction marker: key = int16 version, int16 type; value = int16 version, int32 coordinatorEpoch. */
export function encodeControlRecord(type: ControlRecordType, coordinatorEpoch: number): { key: Buffer; value: Buffer } {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(type, 2);
  const value = Buffer.alloc(6);
  value.writeInt16BE(0, 0);
  value.writeInt32BE(coordinatorEpoch, 2);
  return { key, value };
}

export function decodeControlRecordType(key: Buffer | null): ControlRecordType {
  if (key === null || key.length < 4) {
    throw new RecordsError(RecordsErrorCode.CORRUPT_BATCH, 'control record key must be at least 4 bytes');
  }
  const type = key.readInt16BE(2);
  if (type !== ControlRecordType.ABORT && type !== ControlRecordType.COMMIT) {
    throw new RecordsError(RecordsErrorCode.CORRUPT_BATCH, `unknown control record type ${type}`);
  }
  return type;
}

export interface ControlBatchOptions {
  producerId: bigint;
  producerEpoch: number;
  type: ControlRecordType;
  coordinatorEpoch: number;
  /** The marker's timestamp (the broker's time when it writes it). */
  timestamp: bigint;
}

/**
 * A transaction marker batch as Kafka's broker writes it: one control record, transactional
 * and control attributes, the producer's id and epoch, no sequence.
 */
export function encodeControlBatch(options: ControlBatchOptions): Buffer {
  const { key, value } = encodeControlRecord(options.type, options.coordinatorEpoch);
  return encodeRecordBatch([{ timestamp: options.timestamp, key, value }], {
    control: true,
    transactional: true,
    producerId: options.producerId,
    producerEpoch: options.producerEpoch,
    baseSequence: -1,
  });
}
