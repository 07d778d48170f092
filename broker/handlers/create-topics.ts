import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { Handler } from './handler.ts';
import { manualAssignmentProblem, replicationFactorProblem } from './replica-assignment.ts';
import type { AssignmentProblem } from './replica-assignment.ts';

/**
 * CreateTopics: replication factor and manual assignments must fit this single broker. The
 * checks and their order and messages are the Kafka controller's, so a tool sees the refusal
 * it would see from Kafka.
 */
export function createTopicsHandler(broker: BrokerContext): Handler<typeof ApiKey.CREATE_TOPICS> {
  return {
    apiKey: ApiKey.CREATE_TOPICS,
    minVersion: 0,
    maxVersion: 4,
    async handle(request) {
      const brokers = new Set([broker.config.nodeId]);
      // Every topic is decided at once and their catalogue writes share one file write; the
      // answer waits until all of them are durable.
      const answers = request.topics.map(async (topic) => {
        // Kafka answers every copy of a name given twice in one request with INVALID_REQUEST.
        if (request.topics.filter((other) => other.name === topic.name).length > 1) {
          return { name: topic.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' };
        }
        const problem = topicProblem(brokers, topic.numPartitions, topic.replicationFactor, topic.assignments);
        if (problem !== undefined) return { name: topic.name, errorCode: problem.errorCode, errorMessage: problem.message };
        const partitions = topic.assignments.length > 0 ? topic.assignments.length : topic.numPartitions;
        const result = await broker.topics.create(topic.name, partitions, topic.configs, request.validateOnly);
        if (!result.ok) return { name: topic.name, errorCode: result.errorCode, errorMessage: result.message };
        if (!request.validateOnly) broker.logger.info({ topic: topic.name, partitions: result.topic.partitions }, 'created topic');
        return { name: topic.name, errorCode: ErrorCode.NONE, errorMessage: null };
      });
      return { throttleTimeMs: 0, topics: await Promise.all(answers) };
    },
  };
}

function topicProblem(
  brokers: ReadonlySet<number>,
  numPartitions: number,
  replicationFactor: number,
  assignments: readonly { partitionIndex: number; brokerIds: readonly number[] }[],
): AssignmentProblem | undefined {
  if (assignments.length === 0) {
    const factor = replicationFactorProblem(replicationFactor, brokers.size);
    if (factor !== undefined) return factor;
    if (numPartitions === 0 || numPartitions < -1) {
      return { errorCode: ErrorCode.INVALID_PARTITIONS, message: 'Number of partitions was set to an invalid non-positive value.' };
    }
    return undefined;
  }
  if (replicationFactor !== -1) {
    return { errorCode: ErrorCode.INVALID_REQUEST, message: 'A manual partition assignment was specified, but replication factor was not set to -1.' };
  }
  if (numPartitions !== -1) {
    return { errorCode: ErrorCode.INVALID_REQUEST, message: 'A manual partition assignment was specified, but numPartitions was not set to -1.' };
  }
  const partitions = new Set<number>();
  let replicas: number | undefined;
  for (const assignment of assignments) {
    if (partitions.has(assignment.partitionIndex)) {
      return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: `Found multiple manual partition assignments for partition ${assignment.partitionIndex}` };
    }
    const problem = manualAssignmentProblem(assignment.brokerIds, brokers, replicas);
    if (problem !== undefined) return problem;
    replicas = assignment.brokerIds.length;
    partitions.add(assignment.partitionIndex);
  }
  for (let i = 0; i < partitions.size; i++) {
    if (!partitions.has(i)) return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: 'partitions should be a consecutive 0-based integer sequence' };
  }
  return undefined;
}
