import { StreamsError, StreamsErrorCode } from '../errors.ts';
import type { InputRecord, TopicPartitionOffset } from './task-api.ts';
import type { SourcePosition } from './record.ts';

/** A hold on one input offset, given back to `release` exactly once. */
export interface Hold {
  readonly partition: PartitionOffsets;
  readonly offset: bigint;
  /** Counts toward flush(): a send or an async stage, not a buffering user operator. */
  readonly async: boolean;
}

interface Pending {
  count: number;
  /** The consumed record, kept while its offset is held: dead letters carry its raw bytes. */
  readonly raw: InputRecord | undefined;
}

/**
 * The offsets of one input partition that records inside the task still hold back. The
 * committable offset is the smallest held one, or last processed + 1 when none is.
 */
export class PartitionOffsets {
  readonly topic: string;
  readonly partition: number;
  private readonly pending = new Map<bigint, Pending>();
  private lastProcessed = -1n;
  /** The highest committable offset reported: holds below it can no longer hold anything back. */
  private reported = -1n;

  constructor(topic: string, partition: number) {
    this.topic = topic;
    this.partition = partition;
  }

  begin(record: InputRecord): void {
    if (record.offset <= this.lastProcessed) {
      throw new StreamsError(
        StreamsErrorCode.INVALID_INPUT,
        `record at offset ${record.offset} of topic '${this.topic}' partition ${this.partition} came after offset ${this.lastProcessed}: a task takes each partition in offset order`,
      );
    }
    this.lastProcessed = record.offset;
    this.pending.set(record.offset, { count: 1, raw: record });
  }

  /**
   * Holds `offset` back. A hold on an offset already reported committable (a record a user
   * operator made up from an old one) attaches to the newest processed offset instead: the
   * best that can still be done is to make later commits wait for it.
   */
  hold(offset: bigint): bigint {
    let at = offset;
    let entry = this.pending.get(at);
    if (entry === undefined && at < this.reported) at = this.lastProcessed;
    entry ??= this.pending.get(at);
    if (entry === undefined) this.pending.set(at, { count: 1, raw: undefined });
    else entry.count++;
    return at;
  }

  release(offset: bigint): void {
    const entry = this.pending.get(offset);
    if (entry === undefined) return;
    if (--entry.count === 0) this.pending.delete(offset);
  }

  /** The consumed record at `offset`, while something holds it. */
  raw(offset: bigint): InputRecord | undefined {
    return this.pending.get(offset)?.raw;
  }

  /** The next offset safe to commit, or undefined before the first record. */
  committable(): bigint | undefined {
    if (this.lastProcessed < 0n) return undefined;
    // A scan, not a heap: holds come and go per record, this is read once per commit, and
    // the pending set is bounded by the records the runtime lets into the task.
    let min = this.lastProcessed + 1n;
    for (const offset of this.pending.keys()) if (offset < min) min = offset;
    if (min > this.reported) this.reported = min;
    return min;
  }
}

/** Offset bookkeeping of one task: one PartitionOffsets per input partition, and the counts flush() waits on. */
export class TaskOffsets {
  private readonly partitions = new Map<string, PartitionOffsets>();
  private last: PartitionOffsets | undefined;
  /** Holds of any kind: records inside the topology and unacked sends. */
  inFlight = 0;
  /** Holds by sends and async stages. */
  private asyncHolds = 0;
  private waiters: (() => void)[] = [];

  of(position: { readonly topic: string; readonly partition: number }): PartitionOffsets {
    // Per record, and nearly always the partition of the record before: no key string to build.
    const last = this.last;
    if (last !== undefined && last.partition === position.partition && last.topic === position.topic) return last;
    const key = `${position.partition}:${position.topic}`;
    let partition = this.partitions.get(key);
    if (partition === undefined) this.partitions.set(key, (partition = new PartitionOffsets(position.topic, position.partition)));
    this.last = partition;
    return partition;
  }

  hold(position: SourcePosition, async: boolean): Hold {
    const partition = this.of(position);
    const offset = partition.hold(position.offset);
    this.inFlight++;
    if (async) this.asyncHolds++;
    return { partition, offset, async };
  }

  release(hold: Hold): void {
    hold.partition.release(hold.offset);
    this.inFlight--;
    if (hold.async && --this.asyncHolds === 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  raw(position: SourcePosition): InputRecord | undefined {
    return this.of(position).raw(position.offset);
  }

  /** Resolves once no send or async stage holds anything. */
  settled(): Promise<void> {
    if (this.asyncHolds === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  committable(): TopicPartitionOffset[] {
    const out: TopicPartitionOffset[] = [];
    for (const partition of this.partitions.values()) {
      const offset = partition.committable();
      if (offset !== undefined) out.push({ topic: partition.topic, partition: partition.partition, offset });
    }
    return out;
  }
}
