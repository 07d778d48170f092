import type { SourceOffset, SourcePartition } from '../api/index.ts';
import { canonicalJson } from './storage/offset-store.ts';

/** Where an acknowledged record landed: `topic:partition` and its Kafka offset. */
export interface WrittenAt {
  readonly topicPartition: string;
  readonly offset: bigint;
}

/**
 * The records of one source partition sent and not yet committable, in send order, and the
 * latest offset that became committable since the last committable() call.
 */
class PartitionQueue {
  readonly key: string;
  readonly partition: SourcePartition;
  records: SubmittedRecord[] = [];
  /** Index of the first record not yet acknowledged. */
  head = 0;
  /** Set when acks moved the head since the last committable(). */
  latest: { readonly offset: SourceOffset } | undefined = undefined;

  constructor(key: string, partition: SourcePartition) {
    this.key = key;
    this.partition = partition;
  }

  /** Moves past the acknowledged records at the head; they need no keeping once passed. */
  advance(): void {
    const records = this.records;
    let head = this.head;
    let last: SubmittedRecord | undefined;
    while (head < records.length && records[head]!.acked) last = records[head++];
    if (last === undefined) return;
    this.latest = last;
    if (head === records.length) {
      this.records = [];
      this.head = 0;
    } else if (head > 1024 && head * 2 > records.length) {
      records.splice(0, head);
      this.head = 0;
    } else this.head = head;
  }
}

/**
 * One record sent and not yet committable. A class with its ack on the prototype: one small
 * object per record in flight, no closures; it is let go as soon as it and every record before
 * it are acknowledged, so records do not pile up between offset flushes.
 */
export class SubmittedRecord {
  readonly offset: SourceOffset;
  acked = false;
  /** Where the record landed, once acknowledged (undefined: dropped, or acks=0). */
  written: WrittenAt | undefined = undefined;
  private readonly queue: PartitionQueue;
  private readonly owner: SubmittedRecords;

  constructor(owner: SubmittedRecords, queue: PartitionQueue, offset: SourceOffset) {
    this.owner = owner;
    this.queue = queue;
    this.offset = offset;
  }

  ack(written?: WrittenAt): void {
    if (this.acked) return;
    this.acked = true;
    this.written = written;
    this.owner.acknowledged();
    const queue = this.queue;
    if (queue.records[queue.head] === this) queue.advance();
  }
}

/**
 * Kafka's SubmittedRecords: the source records sent but not yet stored as offsets, per source
 * partition in send order. An offset becomes committable only once it and every record before it
 * in its partition are acknowledged, so a stored offset never skips an unacknowledged record.
 */
export class SubmittedRecords {
  private readonly queues = new Map<string, PartitionQueue>();
  private outstanding = 0;
  /**
   * The queue of the last partition object submitted: a task usually reuses one object per
   * source partition, which then needs no canonical JSON key per record.
   */
  private lastPartition: SourcePartition | undefined;
  private lastQueue: PartitionQueue | undefined;

  submit(partition: SourcePartition, offset: SourceOffset): SubmittedRecord {
    let queue = this.lastQueue;
    if (partition !== this.lastPartition || queue === undefined) {
      const key = canonicalJson(partition);
      queue = this.queues.get(key);
      if (queue === undefined) {
        queue = new PartitionQueue(key, partition);
        this.queues.set(key, queue);
      }
      this.lastPartition = partition;
      this.lastQueue = queue;
    }
    const entry = new SubmittedRecord(this, queue, offset);
    queue.records.push(entry);
    this.outstanding++;
    return entry;
  }

  /** Called by a record's ack(). */
  acknowledged(): void {
    this.outstanding--;
  }

  /** Records sent and not yet acknowledged. */
  get pending(): number {
    return this.outstanding;
  }

  /** The latest committable offset of each partition that moved since the last call. */
  committable(): { partition: SourcePartition; offset: SourceOffset }[] {
    const out: { partition: SourcePartition; offset: SourceOffset }[] = [];
    for (const [key, queue] of this.queues) {
      if (queue.latest !== undefined) {
        out.push({ partition: queue.partition, offset: queue.latest.offset });
        queue.latest = undefined;
      }
      if (queue.records.length === 0) {
        this.queues.delete(key);
        if (this.lastQueue === queue) this.lastQueue = undefined;
      }
    }
    return out;
  }

  /**
   * Per output `topic:partition`, the lowest Kafka offset of an acknowledged record whose source
   * offset is not committable yet: a reader of written records must start there to see every
   * record the stored offsets do not cover.
   */
  uncoveredWrites(): Map<string, bigint> {
    const lowest = new Map<string, bigint>();
    for (const queue of this.queues.values()) {
      for (let i = queue.head; i < queue.records.length; i++) {
        const written = queue.records[i]!.written;
        if (written === undefined) continue;
        const known = lowest.get(written.topicPartition);
        if (known === undefined || written.offset < known) lowest.set(written.topicPartition, written.offset);
      }
    }
    return lowest;
  }
}
