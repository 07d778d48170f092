import { KafkaError } from '../../client/index.ts';
import type { Producer, ProducerRecord, RecordMetadata } from '../../client/index.ts';
import { RecordsRefused } from '../processor/task-api.ts';
import type { OutputRecord, RecordCollector, RecordSendFailure } from '../processor/task-api.ts';

/** Records per sendBatch: large enough to amortize a call, small enough not to overrun bufferMemory at once. */
const MAX_BATCH = 1000;

/**
 * Broker errors about one record alone (Kafka hands them to the production exception handler):
 * the rest of the batch is unaffected, so the batch waits for its other records' answers.
 */
const RECORD_ERRORS: ReadonlySet<string> = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'INVALID_TIMESTAMP']);

export function isRecordError(error: unknown): boolean {
  return error instanceof KafkaError && RECORD_ERRORS.has(error.errorName);
}

interface PendingBatch {
  readonly records: ProducerRecord[];
  readonly done: Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Sink output through the app's one Producer (idempotent, acks=all). A record's promise
 * resolves when the broker answered it, which is when the task lets its input offset be
 * committed. Records sent in one turn of the event loop (a task processes a fetched batch
 * synchronously) go out together through `sendBatch`, up to MAX_BATCH at a time, and share one
 * promise: a promise and a sink per record were a large part of the per-record cost. Order is
 * kept (batches are handed over in send order). A record the broker refuses on its own (too
 * large for the topic, invalid) does not fail its batch at once: once every record is answered
 * the promise rejects with RecordsRefused, naming the refused records and their errors, for the
 * tasks' production handler.
 * Any other failure fails every record of its batch, which fails their tasks, so nothing past it
 * is committed.
 */
export class ProducerCollector implements RecordCollector {
  private producer: Producer;
  private readonly counts = new Map<string, number>();
  private readonly looking = new Set<string>();
  private readonly lookup: (topic: string) => Promise<number>;
  /** Called after each acknowledged batch with its metadata (the runtime gives tasks room again, and notes changelog offsets). */
  private readonly acked: (metadata: readonly RecordMetadata[]) => void;
  /** Exactly-once: begins the instance's transaction when none is open (a send must be inside one). */
  private readonly beforeSend: (() => void) | undefined;
  private pending: PendingBatch | undefined;
  /** Exactly-once: a commit is ending the transaction; what is sent now waits for the next one. */
  private handOverHeld = false;
  private readonly flushPending = (): void => {
    const batch = this.pending;
    if (batch === undefined || this.handOverHeld) return;
    this.pending = undefined;
    try {
      this.beforeSend?.();
    } catch (error) {
      batch.reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    const records = batch.records;
    // Only a batch with a refused record needs these: its promise settles on the last answer.
    const acknowledged: RecordMetadata[] = [];
    let failures: RecordSendFailure[] | undefined;
    let answered = 0;
    let settled = false;
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      batch.reject(error instanceof Error ? error : new Error(String(error)));
    };
    const settleRefused = (): void => {
      if (settled || failures === undefined || answered < records.length) return;
      settled = true;
      batch.reject(new RecordsRefused(failures));
      this.acked(acknowledged);
    };
    this.producer
      .sendBatch(
        records,
        (_index, metadata) => {
          answered++;
          acknowledged.push(metadata);
          settleRefused();
        },
        (index, error) => {
          answered++;
          if (!isRecordError(error)) {
            fail(error);
            return;
          }
          (failures ??= []).push({ record: records[index] as OutputRecord, error });
          settleRefused();
        },
      )
      .then(
        (metadata) => {
          if (settled) return;
          settled = true;
          batch.resolve();
          this.acked(metadata);
        },
        (error: unknown) => {
          // A refused record leaves the batch to its other records' answers; anything else fails it.
          if (isRecordError(error) && failures?.some((f) => f.error === error) === true) return;
          fail(error);
        },
      );
  };

  constructor(producer: Producer, lookup: (topic: string) => Promise<number>, acked: (metadata: readonly RecordMetadata[]) => void, beforeSend?: () => void) {
    this.producer = producer;
    this.lookup = lookup;
    this.acked = acked;
    this.beforeSend = beforeSend;
  }

  /** Exactly-once: the fenced producer was replaced; what is sent from now on goes to the new one. */
  replaceProducer(producer: Producer): void {
    this.producer = producer;
  }

  /** `source` is for the task's own accounting; at-least-once needs only the record. */
  send(record: OutputRecord): Promise<void> {
    let batch = this.pending;
    if (batch === undefined) {
      let resolve!: () => void;
      let reject!: (error: Error) => void;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      batch = { records: [], done, resolve, reject };
      this.pending = batch;
      queueMicrotask(this.flushPending);
    }
    // An OutputRecord is a ProducerRecord but for spelling a default partition as `undefined`
    // rather than leaving it out, which the producer reads the same way: no copy per record.
    batch.records.push(record as ProducerRecord);
    if (batch.records.length >= MAX_BATCH) this.flushPending();
    return batch.done;
  }

  /**
   * From a cache filled ahead (internal topics at start) or by a lookup this call starts; until
   * it answers the task skips the custom partitioner, as the contract allows.
   */
  partitionCount(topic: string): number | undefined {
    const known = this.counts.get(topic);
    if (known === undefined && !this.looking.has(topic)) {
      this.looking.add(topic);
      this.lookup(topic).then(
        (count) => {
          this.counts.set(topic, count);
          this.looking.delete(topic);
        },
        () => {
          this.looking.delete(topic);
        },
      );
    }
    return known;
  }

  /** A topic's partition count, known ahead. */
  remember(topic: string, partitions: number): void {
    this.counts.set(topic, partitions);
  }

  /** Hands over what this turn collected (before a flush or close). */
  flush(): void {
    this.flushPending();
  }

  /**
   * Exactly-once: from the moment a commit has taken its offsets until its transaction ended,
   * records sent (by a timer: a wall-clock pipe operator, a suppress idle flush) wait here. In the
   * open transaction they would commit without the offsets of their inputs, and once the commit
   * has begun the producer refuses them.
   */
  holdHandOver(): void {
    this.handOverHeld = true;
  }

  /** The transaction ended: what waited goes into the next one. */
  resumeHandOver(): void {
    this.handOverHeld = false;
    this.flushPending();
  }

  /** The transaction was aborted: what waited belongs to tasks dropped with it, and fails with `error`. */
  discardHeld(error: Error): void {
    const batch = this.pending;
    if (batch === undefined || !this.handOverHeld) return;
    this.pending = undefined;
    batch.reject(error);
  }
}
