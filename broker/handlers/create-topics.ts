import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { Handler } from './handler.ts';

/** CreateTopics: replication factor and manual assignments must fit this single broker. */
export function createTopicsHandler(broker: BrokerContext): Handler<typeof ApiKey.CREATE_TOPICS> {
  return {
    apiKey: ApiKey.CREATE_TOPICS,
    minVersion: 0,
    maxVersion: 4,
    handle(request) {
      const topics = request.topics.map((topic) => {
        const problem = singleBrokerProblem(broker.config.nodeId, topic.replicationFactor, topic.assignments);
        if (problem !== undefined) return { name: topic.name, errorCode: problem.errorCode, errorMessage: problem.message };
        const partitions = topic.assignments.length > 0 ? topic.assignments.length : topic.numPartitions;
        const result = broker.topics.create(topic.name, partitions, topic.configs, request.validateOnly);
        if (!result.ok) return { name: topic.name, errorCode: result.errorCode, errorMessage: result.message };
        if (!request.validateOnly) broker.logger.info({ topic: topic.name, partitions: result.topic.partitions }, 'created topic');
        return { name: topic.name, errorCode: ErrorCode.NONE, errorMessage: null };
      });
      return { throttleTimeMs: 0, topics };
    },
  };
}

function singleBrokerProblem(
  nodeId: number,
  replicationFactor: number,
  assignments: readonly { partitionIndex: number; brokerIds: readonly number[] }[],
): { errorCode: number; message: string } | undefined {
  if (replicationFactor !== -1 && replicationFactor !== 1 && assignments.length === 0) {
    return {
      errorCode: ErrorCode.INVALID_REPLICATION_FACTOR,
      message: `Replication factor ${replicationFactor} is larger than the 1 available broker; use 1 (or -1 for the default).`,
    };
  }
  for (const [i, assignment] of assignments.entries()) {
    if (assignment.partitionIndex !== i) {
      return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: `Assignments must list partitions 0..n-1 in order; entry ${i} is for partition ${assignment.partitionIndex}.` };
    }
    if (assignment.brokerIds.length !== 1 || assignment.brokerIds[0] !== nodeId) {
      return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: `Partition ${i} must be assigned to broker ${nodeId}, the only broker.` };
    }
  }
  return undefined;
}
