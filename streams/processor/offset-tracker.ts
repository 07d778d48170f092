import { StreamsError, StreamsErrorCode } from '../errors.ts';
import type { InputRecord, TopicPartitionOffset } from './task-api.ts';
import type { SourcePosition } from './record.ts';

/** A hold on one input offset, given back to `release` exactly once. */
export interface Hold {
  readonly partition: PartitionOffsets;
  /** The slot's sequence number in the partition's queue. */
  readonly seq: number;
  /** Counts toward flush(): a send or an async stage, not a buffering user operator. */
  readonly async: boolean;
}

/** Slots consumed at the head before the arrays are compacted (the queue reuses its arrays). */
const COMPACT_AT = 4096;

/** Integers below this in magnitude are exact as numbers. */
const EXACT = 2n ** 53n;

/** A hold that holds nothing: `release` ignores it. */
const NO_HOLD = Number.MIN_SAFE_INTEGER;

/**
 * The offsets of one input partition that records inside the task still hold back. The
 * committable offset is the smallest held one, or last processed + 1 when none is.
 *
 * Offsets arrive in increasing order (`begin`), so the bookkeeping is a queue of slots, one per
 * processed offset still held, in offset order: the head is the minimum, a slot is found by
 * binary search (or at once for the record being processed), and a slot whose count drops to
 * zero leaves when it reaches the head. Slots live in plain number arrays (offsets as numbers
 * relative to a bigint base, counts) so that records in flight cost the garbage collector
 * nothing; a hold is the slot's sequence number, stable while the arrays are compacted.
 */
export class PartitionOffsets {
  readonly topic: string;
  readonly partition: number;
  /** Keep each consumed record while its offset is held (dead letters carry its raw bytes). */
  private readonly keepRaw: boolean;
  /** Slot i (head <= i < offsets.length) holds offset base + offsets[i] with counts[i] holds. */
  private offsets: number[] = [];
  private counts: number[] = [];
  private raws: (InputRecord | undefined)[] = [];
  private head = 0;
  /** The sequence number of array index 0: seq = seqBase + index. */
  private seqBase = 0;
  private base: bigint | undefined;
  /** `base` as a number, when it is exact. */
  private baseNumber = 0;
  private lastProcessed = -1n;
  /** `lastProcessed - base` as a number, valid once a record was processed. */
  private lastRel = 0;
  /** The highest committable offset reported: holds below it can no longer hold anything back. */
  private reported = -1n;

  constructor(topic: string, partition: number, keepRaw = false) {
    this.topic = topic;
    this.partition = partition;
    this.keepRaw = keepRaw;
  }

  /** Opens the hold of the processing pass on `record`; returns it for `release`. */
  begin(record: InputRecord): number {
    const offset = record.offset;
    if (offset <= this.lastProcessed) {
      throw new StreamsError(
        StreamsErrorCode.INVALID_INPUT,
        `record at offset ${offset} of topic '${this.topic}' partition ${this.partition} came after offset ${this.lastProcessed}: a task takes each partition in offset order`,
      );
    }
    this.lastProcessed = offset;
    this.lastRel = this.rel(offset);
    return this.push(this.lastRel, this.keepRaw ? record : undefined);
  }

  /**
   * Holds `offset` back; returns the hold for `release`. A hold on an offset already reported
   * committable (a record a user operator made up from an old one) attaches to the newest
   * processed offset instead: the best that can still be done is to make later commits wait
   * for it. An offset that has no slot (never processed: a gap, or a made-up offset) attaches
   * to the nearest held offset below it, which holds it back too.
   */
  hold(offset: bigint): number {
    const end = this.offsets.length;
    // Nearly every hold is a send of the record being processed: the tail slot.
    if (offset === this.lastProcessed && end > this.head && this.offsets[end - 1] === this.lastRel) {
      this.counts[end - 1]!++;
      return this.seqBase + end - 1;
    }
    const rel = this.rel(offset);
    const at = this.floor(rel);
    if (at >= 0) {
      this.counts[at]!++;
      return this.seqBase + at;
    }
    // No slot at or below `offset`. Before any record there is nothing a commit could pass.
    if (this.lastProcessed < 0n) return NO_HOLD;
    if (offset >= this.reported && offset <= this.lastProcessed) return this.unshift(rel);
    return this.holdNewest();
  }

  /** Gives back a hold from `begin` or `hold`. */
  release(seq: number): void {
    const i = seq - this.seqBase;
    if (i < this.head || i >= this.offsets.length || this.counts[i] === 0) return;
    if (--this.counts[i]! === 0 && i === this.head) this.dropReleased();
  }

  /** The offset a hold from `begin` or `hold` is on, while it is held. */
  offsetOf(seq: number): bigint | undefined {
    const i = seq - this.seqBase;
    if (i < this.head || i >= this.offsets.length || this.counts[i] === 0) return undefined;
    return this.base! + BigInt(this.offsets[i]!);
  }

  /** The consumed record at `offset`, while something holds it (kept only when asked to). */
  raw(offset: bigint): InputRecord | undefined {
    if (!this.keepRaw || this.base === undefined) return undefined;
    const i = this.floor(this.rel(offset));
    return i >= 0 && this.offsets[i] === this.rel(offset) ? this.raws[i] : undefined;
  }

  /** The next offset safe to commit, or undefined before the first record. */
  committable(): bigint | undefined {
    if (this.lastProcessed < 0n) return undefined;
    this.dropReleased();
    const min = this.head < this.offsets.length ? this.base! + BigInt(this.offsets[this.head]!) : this.lastProcessed + 1n;
    if (min > this.reported) this.reported = min;
    return min;
  }

  /** Holds currently open on this partition (tests). */
  get held(): number {
    let n = 0;
    for (let i = this.head; i < this.counts.length; i++) n += this.counts[i]!;
    return n;
  }

  private rel(offset: bigint): number {
    if (this.base === undefined) {
      this.base = offset;
      this.baseNumber = Number(offset);
    }
    // Below 2^53 both numbers are exact and so is their difference: no bigint to allocate per record.
    if (offset < EXACT && offset >= -EXACT && this.base < EXACT && this.base >= -EXACT) return Number(offset) - this.baseNumber;
    return Number(offset - this.base);
  }

  /** The index of the last slot whose offset is <= rel, or -1. */
  private floor(rel: number): number {
    const offsets = this.offsets;
    let lo = this.head;
    let hi = offsets.length - 1;
    if (hi < lo || offsets[lo]! > rel) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (offsets[mid]! <= rel) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private push(rel: number, raw: InputRecord | undefined): number {
    const i = this.offsets.length;
    this.offsets.push(rel);
    this.counts.push(1);
    if (this.keepRaw) this.raws.push(raw);
    return this.seqBase + i;
  }

  /** The tail slot if it is the newest processed offset's, else a new slot for it. */
  private holdNewest(): number {
    const end = this.offsets.length;
    if (end > this.head && this.offsets[end - 1] === this.lastRel) {
      this.counts[end - 1]!++;
      return this.seqBase + end - 1;
    }
    return this.push(this.lastRel, undefined);
  }

  /** A slot before every other (rare: a hold on a released offset not yet reported). */
  private unshift(rel: number): number {
    if (this.head === 0) {
      const room = 16;
      this.offsets = [...new Array<number>(room).fill(0), ...this.offsets];
      this.counts = [...new Array<number>(room).fill(0), ...this.counts];
      if (this.keepRaw) this.raws = [...new Array<undefined>(room), ...this.raws];
      this.head = room;
      this.seqBase -= room;
    }
    const i = --this.head;
    this.offsets[i] = rel;
    this.counts[i] = 1;
    if (this.keepRaw) this.raws[i] = undefined;
    return this.seqBase + i;
  }

  /** Moves the head past released slots, and reuses the arrays once enough of them are dead. */
  private dropReleased(): void {
    const counts = this.counts;
    const end = counts.length;
    let head = this.head;
    while (head < end && counts[head] === 0) {
      if (this.keepRaw) this.raws[head] = undefined;
      head++;
    }
    this.head = head;
    if (head >= COMPACT_AT && head * 2 >= end) {
      this.offsets.copyWithin(0, head);
      this.offsets.length = end - head;
      counts.copyWithin(0, head);
      counts.length = end - head;
      if (this.keepRaw) {
        this.raws.copyWithin(0, head);
        this.raws.length = end - head;
      }
      this.seqBase += head;
      this.head = 0;
    }
  }
}

/** Offset bookkeeping of one task: one PartitionOffsets per input partition, and the counts flush() waits on. */
export class TaskOffsets {
  private readonly partitions = new Map<string, PartitionOffsets>();
  private last: PartitionOffsets | undefined;
  private readonly keepRaw: boolean;
  /** Holds of any kind: records inside the topology and unacked sends. */
  inFlight = 0;
  /** Holds by sends and async stages: what the runtime bounds, and what flush() waits for. */
  asyncInFlight = 0;
  private waiters: (() => void)[] = [];

  /** `keepRaw`: keep each consumed record while it is held (a dead-letter topic needs its bytes). */
  constructor(keepRaw = false) {
    this.keepRaw = keepRaw;
  }

  of(position: { readonly topic: string; readonly partition: number }): PartitionOffsets {
    // Per record, and nearly always the partition of the record before: no key string to build.
    const last = this.last;
    if (last !== undefined && last.partition === position.partition && last.topic === position.topic) return last;
    const key = `${position.partition}:${position.topic}`;
    let partition = this.partitions.get(key);
    if (partition === undefined) this.partitions.set(key, (partition = new PartitionOffsets(position.topic, position.partition, this.keepRaw)));
    this.last = partition;
    return partition;
  }

  hold(position: SourcePosition, async: boolean): Hold {
    const partition = this.of(position);
    const seq = partition.hold(position.offset);
    this.inFlight++;
    if (async) this.asyncInFlight++;
    return { partition, seq, async };
  }

  release(hold: Hold): void {
    hold.partition.release(hold.seq);
    this.inFlight--;
    if (hold.async && --this.asyncInFlight === 0) this.wake();
  }

  /** A send's hold, without a Hold object: the caller keeps the partition and the number. */
  holdSend(partition: PartitionOffsets, offset: bigint): number {
    this.inFlight++;
    this.asyncInFlight++;
    return partition.hold(offset);
  }

  /** Releases the first `n` send holds of these parallel lists. */
  releaseSends(partitions: readonly PartitionOffsets[], seqs: readonly number[], n: number): void {
    for (let i = 0; i < n; i++) partitions[i]!.release(seqs[i]!);
    this.inFlight -= n;
    this.asyncInFlight -= n;
    if (n > 0 && this.asyncInFlight === 0) this.wake();
  }

  raw(position: SourcePosition): InputRecord | undefined {
    return this.keepRaw ? this.of(position).raw(position.offset) : undefined;
  }

  /** Resolves once no send or async stage holds anything. */
  settled(): Promise<void> {
    if (this.asyncInFlight === 0) return Promise.resolve();
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

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
