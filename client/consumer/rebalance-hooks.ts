import type { Assignment, ConsumerPartition } from './assignment.ts';
import type { Committer } from './commits.ts';
import type { PartitionsListener } from './consumer-types.ts';
import type { MembershipHooks } from './group-membership.ts';
import type { TopicPartition } from './offsets.ts';
import type { Subscription } from './subscription.ts';

export type RebalanceEvent = 'assigned' | 'revoked';

/** The application's rebalance listeners (onAssigned, onRevoked, on()). */
export class RebalanceListeners {
  private readonly listeners = { assigned: new Set<PartitionsListener>(), revoked: new Set<PartitionsListener>() };

  add(event: RebalanceEvent, listener: PartitionsListener): void {
    this.listeners[event].add(listener);
  }

  delete(event: RebalanceEvent, listener: PartitionsListener): void {
    this.listeners[event].delete(listener);
  }

  /** Runs the listeners one after the other; one that throws stops the rest. */
  async emit(event: RebalanceEvent, partitions: TopicPartition[]): Promise<void> {
    for (const listener of this.listeners[event]) await listener(partitions);
  }
}

/** What the rebalance hooks act on: the consumer's parts and state. */
export interface RebalanceHost {
  readonly assignment: Assignment;
  readonly listeners: RebalanceListeners;
  readonly committer: Committer;
  readonly subscription: Subscription;
  readonly autoCommit: boolean;
  /** Past maxPollIntervalMs: the member is leaving, and what the application did since does not count. */
  pollExpired(): boolean;
  /** Resolves once the application holds no batch of these partitions, or stopped polling, or the consumer closed. */
  whenReleased(states: readonly ConsumerPartition[]): Promise<void>;
  /** Start positions for new partitions: committed offsets, else the reset policy. */
  initPositions(states: readonly ConsumerPartition[]): Promise<void>;
  fail(error: Error): void;
}

/**
 * The consumer's side of the group protocol: what happens to its partitions when the
 * membership revokes or assigns them.
 *
 * A revocation marks the partitions (nothing more is fetched or delivered from them), waits
 * until the application holds no batch of them (unless they are lost: another member may own
 * them already), commits what was processed (autoCommit), then runs the `revoked` listeners
 * while the partitions are still assigned and, unless lost, commits of them go through, as in
 * Kafka's consumer; only then are they dropped.
 */
export function rebalanceHooks(host: RebalanceHost): MembershipHooks {
  const { assignment, listeners, committer, subscription } = host;
  return {
    topics: () => subscription.topics(),
    subscriptionChanged: () => subscription.changed(),
    revoke: async (partitions, lost) => {
      const states = partitions.map((tp) => assignment.get(tp.topic, tp.partition)).filter((s) => s !== undefined);
      for (const state of states) state.revoking = true;
      if (!lost) await host.whenReleased(states);
      const committable = !lost && !host.pollExpired();
      const run = async (): Promise<void> => {
        if (committable && host.autoCommit) await committer.commitProcessed(states, 'auto').catch(() => undefined);
        await listeners.emit('revoked', partitions);
      };
      try {
        await (committable ? committer.duringRevocation(run) : run());
      } finally {
        for (const state of states) assignment.remove(state);
      }
    },
    assign: async (partitions) => {
      const states = partitions.map((tp) => assignment.get(tp.topic, tp.partition) ?? assignment.add(tp.topic, tp.partition));
      await listeners.emit('assigned', partitions);
      await host.initPositions(states);
    },
    fail: (error) => {
      host.fail(error);
    },
  };
}
