import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { Handler } from './handler.ts';
import { manualAssignmentProblem } from './replica-assignment.ts';

/** Every partition on this node has one replica: this one. */
const REPLICAS_PER_PARTITION = 1;

/**
 * CreatePartitions: grows topics, checking manual assignments for the new partitions as the
 * Kafka controller does (count, registered brokers, duplicates, replica count).
 */
export function createPartitionsHandler(broker: BrokerContext): Handler<typeof ApiKey.CREATE_PARTITIONS> {
  return {
    apiKey: ApiKey.CREATE_PARTITIONS,
    minVersion: 0,
    maxVersion: 1,
    async handle(request) {
      const brokers = new Set([broker.config.nodeId]);
      const answers = request.topics.map(async (topic) => {
        const fail = (errorCode: number, errorMessage: string): { name: string; errorCode: number; errorMessage: string | null } => ({ name: topic.name, errorCode, errorMessage });
        // Kafka refuses every copy of a topic named twice in one request.
        if (request.topics.filter((other) => other.name === topic.name).length > 1) {
          return fail(ErrorCode.INVALID_REQUEST, 'Duplicate topic name.');
        }
        const existing = broker.topics.get(topic.name);
        if (existing !== undefined && topic.assignments !== null && topic.count > existing.partitions) {
          const additional = topic.count - existing.partitions;
          if (topic.assignments.length !== additional) {
            return fail(
              ErrorCode.INVALID_REPLICA_ASSIGNMENT,
              `Attempted to add ${additional} additional partition(s), but only ${topic.assignments.length} assignment(s) were specified.`,
            );
          }
          for (const assignment of topic.assignments) {
            const problem = manualAssignmentProblem(assignment.brokerIds, brokers, REPLICAS_PER_PARTITION);
            if (problem !== undefined) return fail(problem.errorCode, problem.message);
          }
        }
        const result = await broker.topics.addPartitions(topic.name, topic.count, request.validateOnly);
        if (!result.ok) return fail(result.errorCode, result.message);
        if (!request.validateOnly) broker.logger.info({ topic: topic.name, partitions: topic.count }, 'added partitions');
        return { name: topic.name, errorCode: ErrorCode.NONE, errorMessage: null };
      });
      return { throttleTimeMs: 0, results: await Promise.all(answers) };
    },
  };
}
