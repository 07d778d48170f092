import type { FetchedBatch, PartitionState } from './fetcher.ts';
import { tpKey } from './offsets.ts';
import type { TopicPartition } from './offsets.ts';

/** What the consumer knows of one assigned partition, beyond what the fetcher needs. */
export interface ConsumerPartition extends PartitionState {
  /** The position after the last batch handed to the application. */
  delivered: bigint | undefined;
  /** The offset after the last processed record: what a commit sends. */
  processed: bigint | undefined;
  committed: bigint | undefined;
  /** Bumped by seek, so a batch delivered before a seek does not move `processed`. */
  seeks: number;
}

/**
 * The partitions a consumer reads now, and the batches of them the application holds. Each
 * assignment of a partition gets a state object of its own: a partition revoked and assigned
 * again (or assign()ed anew) is a new state, so nothing fetched or delivered for the old one
 * counts for it.
 */
export class Assignment {
  private readonly states = new Map<string, ConsumerPartition>();
  /** Partition key → batches handed to the application and not yet processed. */
  private readonly inHand = new Map<string, number>();

  get(topic: string, partition: number): ConsumerPartition | undefined {
    return this.states.get(tpKey(topic, partition));
  }

  values(): IterableIterator<ConsumerPartition> {
    return this.states.values();
  }

  /** Whether `state` is its partition's current state (not revoked or replaced). */
  has(state: ConsumerPartition): boolean {
    return this.states.get(state.key) === state;
  }

  /** A new state for a partition (without a position yet), replacing any former one. */
  add(topic: string, partition: number): ConsumerPartition {
    const state: ConsumerPartition = {
      topic,
      partition,
      key: tpKey(topic, partition),
      position: undefined,
      paused: false,
      revoking: false,
      epoch: 0,
      delivered: undefined,
      processed: undefined,
      committed: undefined,
      seeks: 0,
    };
    this.states.set(state.key, state);
    return state;
  }

  remove(state: ConsumerPartition): void {
    if (this.has(state)) this.states.delete(state.key);
  }

  clear(): void {
    this.states.clear();
  }

  list(): TopicPartition[] {
    return [...this.states.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  /**
   * Whether fetched data may be delivered: fetched for the partition's current state (whatever
   * the epoch of an older one), since its last seek or pause, and not being revoked.
   */
  deliverable({ state, epoch }: Pick<FetchedBatch<ConsumerPartition>, 'state' | 'epoch'>): boolean {
    return this.has(state) && state.epoch === epoch && !state.paused && !state.revoking;
  }

  /** The application took a batch of this partition. */
  hold(state: ConsumerPartition): void {
    this.inHand.set(state.key, (this.inHand.get(state.key) ?? 0) + 1);
  }

  /** The application is done with a batch of this partition. */
  release(state: ConsumerPartition): void {
    const held = (this.inHand.get(state.key) ?? 1) - 1;
    if (held > 0) this.inHand.set(state.key, held);
    else this.inHand.delete(state.key);
  }

  /** Whether the application holds a batch of any of these partitions. */
  holdsAny(states: readonly ConsumerPartition[]): boolean {
    return states.some((state) => this.inHand.has(state.key));
  }
}

/** Reads `offset` next: data fetched or delivered before no longer counts, nor does what was processed. */
export function setPosition(state: ConsumerPartition, offset: bigint): void {
  state.epoch++;
  state.position = offset;
  state.delivered = offset;
  state.processed = offset;
}
