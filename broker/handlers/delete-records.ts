import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { Handler } from './handler.ts';

/** Offset -1 means "up to the high watermark", as in Kafka. */
const TO_HIGH_WATERMARK = -1n;

export function deleteRecordsHandler(broker: BrokerContext): Handler<typeof ApiKey.DELETE_RECORDS> {
  return {
    apiKey: ApiKey.DELETE_RECORDS,
    minVersion: 0,
    maxVersion: 1,
    handle(request) {
      const topics = request.topics.map((topic) => ({
        name: topic.name,
        partitions: topic.partitions.map(({ partitionIndex, offset }) => {
          const handle = broker.topics.partition(topic.name, partitionIndex);
          if (handle === undefined) return { partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
          if (!handle.log.logConfig.cleanupPolicy.delete) {
            // Kafka refuses: on a compact-only topic deleting a prefix would defeat the compaction contract.
            return { partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.POLICY_VIOLATION };
          }
          const target = offset === TO_HIGH_WATERMARK ? handle.log.highWatermark : offset;
          if (target < 0n || target > handle.log.highWatermark) {
            return { partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
          }
          const lowWatermark = handle.log.deleteRecordsBefore(target);
          return { partitionIndex, lowWatermark, errorCode: ErrorCode.NONE };
        }),
      }));
      return { throttleTimeMs: 0, topics };
    },
  };
}
