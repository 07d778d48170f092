import { ErrorCode } from '../../core/protocol/index.ts';
import type { Cluster } from '../cluster.ts';
import { KafkaError } from '../errors.ts';
import type { Assignment, ConsumerPartition } from './assignment.ts';
import type { GroupCoordinator } from './coordinator.ts';
import type { GroupMembership } from './group-membership.ts';
import { commitOffsets } from './offsets.ts';
import type { TopicPartitionOffset } from './offsets.ts';

/** REBALANCE_IN_PROGRESS for a commit: retriable once the member has an assignment again (Kafka's RebalanceInProgressException). */
class RebalanceInProgressError extends KafkaError {
  override readonly retriable: boolean = true;

  constructor(groupId: string) {
    super(
      ErrorCode.REBALANCE_IN_PROGRESS,
      `commit() for group '${groupId}'`,
      'this member holds no generation to commit with (it is joining the group, has rejoined for a rebalance, or left the group after maxPollIntervalMs), so nothing was committed; the next owner of its partitions reads from the last committed offsets. Retry once partitions are assigned again, or commit from an onRevoked listener, where commits of the partitions being revoked go through',
    );
  }
}

export interface CommitterContext {
  readonly cluster: Cluster;
  readonly coordinator: GroupCoordinator;
  readonly assignment: Assignment;
  readonly groupInstanceId: string | null;
  /** Whether the consumer is a group member (subscribe()), whose commits carry its generation. */
  subscribed(): boolean;
  /** The membership, once started. */
  membership(): GroupMembership | undefined;
}

/**
 * A consumer's commits to its group. Only processed offsets are committed, never merely
 * fetched ones. A group member commits with its generation, so only while it holds one (see
 * GroupMembership.canCommit) or while a revocation's listeners run: the partitions being
 * revoked are still its own then, their generation still current.
 */
export class Committer {
  private readonly context: CommitterContext;
  /** Revocations whose listeners are running. */
  private revocations = 0;

  constructor(context: CommitterContext) {
    this.context = context;
  }

  /** Whether commits can be made now: always outside a group. */
  canCommit(): boolean {
    return !this.context.subscribed() || this.context.membership()?.canCommit === true || this.revocations > 0;
  }

  /** Runs a revocation's listeners (and its own commit) with commits allowed. */
  async duringRevocation(work: () => Promise<void>): Promise<void> {
    this.revocations++;
    try {
      await work();
    } finally {
      this.revocations--;
    }
  }

  /**
   * Commits the processed offsets that moved since the last commit, of every partition or of
   * `only`. When the member cannot commit, a 'user' commit throws a retriable KafkaError
   * REBALANCE_IN_PROGRESS and an 'auto' commit is skipped: the next owner of the partitions
   * reads from the last commit.
   */
  async commitProcessed(only: Iterable<ConsumerPartition> | undefined, mode: 'auto' | 'user'): Promise<void> {
    const offsets: TopicPartitionOffset[] = [];
    const states: [ConsumerPartition, bigint][] = [];
    for (const state of only ?? this.context.assignment.values()) {
      if (state.processed === undefined || state.processed === state.committed) continue;
      offsets.push({ topic: state.topic, partition: state.partition, offset: state.processed });
      states.push([state, state.processed]);
    }
    if (offsets.length === 0) return;
    if (!this.canCommit()) {
      if (mode === 'user') throw new RebalanceInProgressError(this.context.coordinator.groupId);
      return;
    }
    await this.send(offsets);
    for (const [state, offset] of states) state.committed = offset;
  }

  /** Commits these offsets as given; throws like a 'user' commitProcessed when the member cannot commit. */
  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    if (!this.canCommit()) throw new RebalanceInProgressError(this.context.coordinator.groupId);
    await this.send(offsets);
  }

  private async send(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const { cluster, coordinator, groupInstanceId } = this.context;
    const membership = this.context.subscribed() ? this.context.membership() : undefined;
    await commitOffsets(
      cluster,
      coordinator,
      membership?.generationId ?? -1,
      membership?.memberId ?? '',
      offsets,
      membership === undefined ? null : groupInstanceId,
    );
  }
}
