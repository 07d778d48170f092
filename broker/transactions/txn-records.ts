import { coordinatorPartitionFor } from '../coordinator/index.ts';
import { TransactionError, TransactionErrorCode } from './errors.ts';
import { TxnState } from './transaction-metadata.ts';

/** A topic's partitions in a transaction, as Kafka's TransactionLogValue.PartitionsSchema. */
export interface TxnTopicPartitions {
  readonly topic: string;
  readonly partitions: readonly number[];
}

/** One transactional id's state as stored in `__transaction_state` (Kafka's TransactionLogValue v0). */
export interface StoredTxn {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly timeoutMs: number;
  readonly state: TxnState;
  readonly partitions: readonly TxnTopicPartitions[];
  readonly lastUpdateMs: bigint;
  readonly startMs: bigint;
}

const KEY_VERSION = 0;
const VALUE_VERSION = 0;

/** Kafka's TransactionState ids, as stored. */
const STATE_IDS: Readonly<Record<TxnState, number>> = {
  [TxnState.EMPTY]: 0,
  [TxnState.ONGOING]: 1,
  [TxnState.PREPARE_COMMIT]: 2,
  [TxnState.PREPARE_ABORT]: 3,
  [TxnState.COMPLETE_COMMIT]: 4,
  [TxnState.COMPLETE_ABORT]: 5,
  [TxnState.DEAD]: 6,
  [TxnState.PREPARE_EPOCH_FENCE]: 7,
};
const STATES_BY_ID = new Map(Object.entries(STATE_IDS).map(([state, id]) => [id, state as TxnState]));

/** The partition of `__transaction_state` that holds a transactional id: Kafka's rule for every coordinator key. */
export function transactionStatePartitionFor(transactionalId: string, partitions: number): number {
  return coordinatorPartitionFor(transactionalId, partitions);
}

/** Key: int16 version 0, string transactionalId. */
export function encodeTxnKey(transactionalId: string): Buffer {
  const id = Buffer.from(transactionalId, 'utf8');
  const buf = Buffer.alloc(4 + id.length);
  buf.writeInt16BE(KEY_VERSION, 0);
  buf.writeInt16BE(id.length, 2);
  id.copy(buf, 4);
  return buf;
}

export function decodeTxnKey(key: Buffer): string {
  const reader = new Reader(key, 'key');
  const version = reader.int16();
  if (version !== KEY_VERSION) throw corrupt(`key version ${version} is not ${KEY_VERSION}`);
  return reader.string();
}

/** Value v0: producerId, producerEpoch, timeout, status, partitions (nullable array), last update and start times. */
export function encodeTxnValue(txn: StoredTxn): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(2 + 8 + 2 + 4 + 1 + 4);
  head.writeInt16BE(VALUE_VERSION, 0);
  head.writeBigInt64BE(txn.producerId, 2);
  head.writeInt16BE(txn.producerEpoch, 10);
  head.writeInt32BE(txn.timeoutMs, 12);
  head.writeInt8(STATE_IDS[txn.state], 16);
  // Kafka writes a null partition list for a transaction without partitions.
  head.writeInt32BE(txn.partitions.length === 0 ? -1 : txn.partitions.length, 17);
  parts.push(head);
  for (const tp of txn.partitions) {
    const topic = Buffer.from(tp.topic, 'utf8');
    const entry = Buffer.alloc(2 + topic.length + 4 + 4 * tp.partitions.length);
    entry.writeInt16BE(topic.length, 0);
    topic.copy(entry, 2);
    entry.writeInt32BE(tp.partitions.length, 2 + topic.length);
    tp.partitions.forEach((p, i) => entry.writeInt32BE(p, 6 + topic.length + 4 * i));
    parts.push(entry);
  }
  const tail = Buffer.alloc(16);
  tail.writeBigInt64BE(txn.lastUpdateMs, 0);
  tail.writeBigInt64BE(txn.startMs, 8);
  parts.push(tail);
  return Buffer.concat(parts);
}

export function decodeTxnValue(value: Buffer): StoredTxn {
  const reader = new Reader(value, 'value');
  const version = reader.int16();
  // Later versions only add tagged fields after these; a value this broker cannot read is refused.
  if (version !== VALUE_VERSION) throw corrupt(`value version ${version} is not ${VALUE_VERSION}`);
  const producerId = reader.int64();
  const producerEpoch = reader.int16();
  const timeoutMs = reader.int32();
  const stateId = reader.int8();
  const state = STATES_BY_ID.get(stateId);
  if (state === undefined) throw corrupt(`unknown transaction status ${stateId}`);
  const count = reader.int32();
  const partitions: TxnTopicPartitions[] = [];
  for (let i = 0; i < count; i++) {
    const topic = reader.string();
    const n = reader.int32();
    reader.need(4 * Math.max(n, 0));
    const ids: number[] = [];
    for (let j = 0; j < n; j++) ids.push(reader.int32());
    partitions.push({ topic, partitions: ids });
  }
  return { producerId, producerEpoch, timeoutMs, state, partitions, lastUpdateMs: reader.int64(), startMs: reader.int64() };
}

function corrupt(message: string): TransactionError {
  return new TransactionError(TransactionErrorCode.CORRUPT_RECORD, `__transaction_state record: ${message}`);
}

/** Bounds-checked reads: every length is checked against the bytes present before use. */
class Reader {
  private pos = 0;
  private readonly buf: Buffer;
  private readonly what: string;

  constructor(buf: Buffer, what: string) {
    this.buf = buf;
    this.what = what;
  }

  need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) throw corrupt(`${this.what} ends after ${this.buf.length} bytes, ${n} more were needed at byte ${this.pos}`);
  }

  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.pos++);
  }

  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  int64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  string(): string {
    const n = this.int16();
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}
