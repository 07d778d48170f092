import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { ListOffsetsResponse } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { Handler } from './handler.ts';

type PartitionResult = ListOffsetsResponse['topics'][number]['partitions'][number];

const LATEST = -1n;
const EARLIEST = -2n;
const READ_COMMITTED = 1;

/**
 * ListOffsets: earliest (log start), latest or by timestamp. Latest is the high watermark for
 * read_uncommitted and the last stable offset for read_committed (isolation level 1, v2+),
 * which also bounds a lookup by time, as in Kafka.
 */
export function listOffsetsHandler(broker: BrokerContext): Handler<typeof ApiKey.LIST_OFFSETS> {
  return {
    apiKey: ApiKey.LIST_OFFSETS,
    minVersion: 0,
    maxVersion: 5,
    handle(request, version) {
      const topics = request.topics.map((topic) => ({
        name: topic.name,
        partitions: topic.partitions.map((p) => lookUp(broker, topic.name, p.partitionIndex, p.timestamp, version, request.isolationLevel === READ_COMMITTED)),
      }));
      return { throttleTimeMs: 0, topics };
    },
  };
}

function lookUp(broker: BrokerContext, topic: string, partitionIndex: number, timestamp: bigint, version: number, readCommitted: boolean): PartitionResult {
  const handle = broker.topics.partition(topic, partitionIndex);
  if (handle === undefined) {
    const errorCode = broker.topics.isOffline(topic, partitionIndex) ? ErrorCode.KAFKA_STORAGE_ERROR : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    return { partitionIndex, errorCode, oldStyleOffsets: [], timestamp: -1n, offset: -1n, leaderEpoch: -1 };
  }
  const { log } = handle;
  const visibleEnd = readCommitted ? broker.topics.lastStableOffset(handle) : log.highWatermark;
  let found: { offset: bigint; timestamp: bigint } | undefined;
  if (timestamp === LATEST) found = { offset: visibleEnd, timestamp: -1n };
  else if (timestamp === EARLIEST) found = { offset: log.logStartOffset, timestamp: -1n };
  else {
    found = log.offsetForTimestamp(timestamp);
    // A record beyond what the isolation level shows is not visible to the consumer.
    if (found !== undefined && found.offset >= visibleEnd) found = undefined;
  }
  const offset = found?.offset ?? -1n;
  return {
    partitionIndex,
    errorCode: ErrorCode.NONE,
    oldStyleOffsets: version === 0 && found !== undefined ? [offset] : [],
    timestamp: found?.timestamp ?? -1n,
    offset,
    leaderEpoch: found === undefined ? -1 : 0,
  };
}
