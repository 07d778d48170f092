import type { SourceOffset, SourcePartition } from '../api/index.ts';
import { canonicalJson } from './storage/offset-store.ts';

/** Where an acknowledged record landed: `topic:partition` and its Kafka offset. */
export interface WrittenAt {
  readonly topicPartition: string;
  readonly offset: bigint;
}

interface Submitted {
  readonly offset: SourceOffset;
  acked: boolean;
  written: WrittenAt | undefined;
}

interface PartitionQueue {
  readonly partition: SourcePartition;
  readonly records: Submitted[];
  /** Index of the first record not yet committable. */
  head: number;
}

/**
 * Kafka's SubmittedRecords: the source records sent but not yet stored as offsets, per source
 * partition in send order. An offset becomes committable only once it and every record before it
 * in its partition are acknowledged, so a stored offset never skips an unacknowledged record.
 */
export class SubmittedRecords {
  private readonly queues = new Map<string, PartitionQueue>();
  private outstanding = 0;

  submit(partition: SourcePartition, offset: SourceOffset): { ack(written?: WrittenAt): void } {
    const key = canonicalJson(partition);
    let queue = this.queues.get(key);
    if (queue === undefined) {
      queue = { partition, records: [], head: 0 };
      this.queues.set(key, queue);
    }
    const entry: Submitted = { offset, acked: false, written: undefined };
    queue.records.push(entry);
    this.outstanding++;
    return {
      ack: (written?: WrittenAt) => {
        if (entry.acked) return;
        entry.acked = true;
        entry.written = written;
        this.outstanding--;
      },
    };
  }

  /** Records sent and not yet acknowledged. */
  get pending(): number {
    return this.outstanding;
  }

  /** The latest committable offset of each partition that moved, removing what it covers. */
  committable(): { partition: SourcePartition; offset: SourceOffset }[] {
    const out: { partition: SourcePartition; offset: SourceOffset }[] = [];
    for (const [key, queue] of this.queues) {
      let last: SourceOffset | undefined;
      while (queue.head < queue.records.length && queue.records[queue.head]!.acked) last = queue.records[queue.head++]!.offset;
      if (last !== undefined) out.push({ partition: queue.partition, offset: last });
      if (queue.head === queue.records.length) this.queues.delete(key);
      else if (queue.head > 1024) {
        queue.records.splice(0, queue.head);
        queue.head = 0;
      }
    }
    return out;
  }

  /**
   * Per output `topic:partition`, the lowest Kafka offset of an acknowledged record whose source
   * offset is not committable yet (call right after committable()): a reader of written records
   * must start there to see every record the stored offsets do not cover.
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
