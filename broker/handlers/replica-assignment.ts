import { ErrorCode } from '../../core/protocol/index.ts';

/** A refusal as Kafka's controller words it, for CreateTopics and CreatePartitions alike. */
export interface AssignmentProblem {
  readonly errorCode: number;
  readonly message: string;
}

/**
 * Kafka's check of one manual partition assignment (the KRaft controller's
 * validateManualPartitionAssignment): a non-empty replica list of registered brokers, each
 * once, as many as the partitions before it have (`replicas`, when known).
 */
export function manualAssignmentProblem(brokerIds: readonly number[], brokers: ReadonlySet<number>, replicas: number | undefined): AssignmentProblem | undefined {
  const invalid = (message: string): AssignmentProblem => ({ errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message });
  if (brokerIds.length === 0) return invalid('The manual partition assignment includes an empty replica list.');
  const sorted = [...brokerIds].sort((a, b) => a - b);
  let previous: number | undefined;
  for (const id of sorted) {
    if (!brokers.has(id)) return invalid(`The manual partition assignment includes broker ${id}, but no such broker is registered.`);
    if (id === previous) return invalid(`The manual partition assignment includes the broker ${id} more than once.`);
    previous = id;
  }
  if (replicas !== undefined && sorted.length !== replicas) {
    return invalid(
      `The manual partition assignment includes a partition with ${sorted.length} replica(s), but this is not consistent with previous partitions, which have ${replicas} replica(s).`,
    );
  }
  return undefined;
}

/** Kafka's refusal of a replication factor the registered brokers cannot provide. */
export function replicationFactorProblem(replicationFactor: number, brokerCount: number): AssignmentProblem | undefined {
  if (replicationFactor === -1) return undefined;
  if (replicationFactor <= 0) {
    return { errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, message: 'Replication factor must be larger than 0, or -1 to use the default value.' };
  }
  if (replicationFactor > brokerCount) {
    return {
      errorCode: ErrorCode.INVALID_REPLICATION_FACTOR,
      message: `Unable to replicate the partition ${replicationFactor} time(s): The target replication factor of ${replicationFactor} cannot be reached because only ${brokerCount} broker(s) are registered.`,
    };
  }
  return undefined;
}
