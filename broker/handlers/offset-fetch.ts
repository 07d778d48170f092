import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { Handler } from './handler.ts';

export function offsetFetchHandler(broker: BrokerContext): Handler<typeof ApiKey.OFFSET_FETCH> {
  return {
    apiKey: ApiKey.OFFSET_FETCH,
    minVersion: 0,
    maxVersion: 5,
    handle(request) {
      const wanted = request.topics === null ? null : request.topics.map((t) => ({ topic: t.name, partitions: t.partitionIndexes }));
      // Versions before 2 have no top-level error: each partition carries it.
      const errorCode = broker.groups.coordinatorError(request.groupId);
      if (errorCode !== ErrorCode.NONE) {
        const topics = (wanted ?? []).map((t) => ({
          name: t.topic,
          partitions: t.partitions.map((partitionIndex) => ({ partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode })),
        }));
        return { throttleTimeMs: 0, topics, errorCode };
      }
      const topics = broker.groups.fetchOffsets(request.groupId, wanted).map((t) => ({
        name: t.topic,
        partitions: t.partitions.map(({ partition, committed }) => ({
          partitionIndex: partition,
          committedOffset: committed?.offset ?? -1n,
          committedLeaderEpoch: committed?.leaderEpoch ?? -1,
          metadata: committed?.metadata ?? '',
          errorCode: ErrorCode.NONE,
        })),
      }));
      return { throttleTimeMs: 0, topics, errorCode: ErrorCode.NONE };
    },
  };
}
