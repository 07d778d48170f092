import { ApiKey } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { Handler } from './handler.ts';

export function offsetCommitHandler(broker: BrokerContext): Handler<typeof ApiKey.OFFSET_COMMIT> {
  return {
    apiKey: ApiKey.OFFSET_COMMIT,
    minVersion: 0,
    maxVersion: 7,
    async handle(request, version) {
      const results = await broker.groups.commitOffsets(
        {
          groupId: request.groupId,
          // v0 predates group membership: such commits come from outside the group protocol.
          generationId: version >= 1 ? request.generationIdOrMemberEpoch : -1,
          memberId: version >= 1 ? request.memberId : '',
          groupInstanceId: request.groupInstanceId,
        },
        request.topics.map((t) => ({
          topic: t.name,
          partitions: t.partitions.map((p) => ({
            partition: p.partitionIndex,
            offset: p.committedOffset,
            leaderEpoch: p.committedLeaderEpoch,
            metadata: p.committedMetadata,
          })),
        })),
      );
      return {
        throttleTimeMs: 0,
        topics: results.map((t) => ({ name: t.topic, partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, errorCode: p.errorCode })) })),
      };
    },
  };
}
