import { LogError, LogErrorCode } from '../../core/log/index.ts';
import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { FetchRequest, FetchResponse } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { DelayedFetches } from '../fetch/delayed-fetches.ts';
import { ReadBufferPool } from '../fetch/read-buffer-pool.ts';
import { withAfterSend } from './handler.ts';
import type { Handler, HandlerOutcome } from './handler.ts';
import { storageErrorCode } from './storage-errors.ts';

type PartitionData = FetchResponse['responses'][number]['partitions'][number];
type TopicData = FetchResponse['responses'][number];

const READ_COMMITTED = 1;
const EMPTY = Buffer.alloc(0);

/**
 * Fetch: whole batches straight from the log files, up to the high watermark. When less
 * than minBytes is available the request waits (up to maxWaitMs) for a produce to one of
 * its partitions, then reads again.
 */
export function fetchHandler(broker: BrokerContext, delayed: DelayedFetches): Handler<typeof ApiKey.FETCH> {
  const pool = new ReadBufferPool();
  return {
    apiKey: ApiKey.FETCH,
    minVersion: 0,
    maxVersion: 11,
    handle(request) {
      let result = readAll(broker, request, pool);
      const enough = (): boolean => result.bytes >= request.minBytes || result.failed;
      if (enough() || request.maxWaitMs <= 0) return respond(result, pool);
      const partitions = request.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition })));
      const reread = (): void => {
        giveBack(result, pool);
        result = readAll(broker, request, pool);
      };
      let fresh = false;
      return delayed
        .wait(partitions, request.maxWaitMs, () => {
          reread();
          fresh = enough();
          return fresh;
        })
        .then(() => {
          if (!fresh) reread();
          return respond(result, pool);
        });
    },
  };
}

function respond(result: ReadOutcome, pool: ReadBufferPool): HandlerOutcome<typeof ApiKey.FETCH> {
  const body: FetchResponse = { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses: result.responses };
  if (result.borrowed.length === 0) return body;
  return withAfterSend<typeof ApiKey.FETCH>(body, () => {
    giveBack(result, pool);
  });
}

function giveBack(result: ReadOutcome, pool: ReadBufferPool): void {
  for (const buffer of result.borrowed) pool.release(buffer);
  result.borrowed.length = 0;
}

interface ReadOutcome {
  responses: TopicData[];
  bytes: number;
  /** A partition answered with an error: Kafka returns at once rather than waiting. */
  failed: boolean;
  /** Pooled buffers the records are views of, to hand back once the response is sent. */
  borrowed: Buffer[];
}

function readAll(broker: BrokerContext, request: FetchRequest, pool: ReadBufferPool): ReadOutcome {
  const outcome: ReadOutcome = { responses: [], bytes: 0, failed: false, borrowed: [] };
  const readCommitted = request.isolationLevel === READ_COMMITTED;
  for (const topic of request.topics) {
    const partitions = topic.partitions.map((p): PartitionData => {
      const budget = request.maxBytes - outcome.bytes;
      const limit = Math.min(p.partitionMaxBytes, budget);
      const into = pool.acquire(limit);
      const data = readPartition(broker, topic.topic, p.partition, p.fetchOffset, limit, outcome.bytes === 0, into);
      if (into !== undefined) {
        if (data.records !== null && data.records.length > 0 && data.records.buffer === into.buffer) outcome.borrowed.push(into);
        else pool.release(into);
      }
      if (data.errorCode !== ErrorCode.NONE) outcome.failed = true;
      outcome.bytes += data.records?.length ?? 0;
      if (readCommitted) data.abortedTransactions = [];
      return data;
    });
    outcome.responses.push({ topic: topic.topic, partitions });
  }
  return outcome;
}

function readPartition(
  broker: BrokerContext,
  topic: string,
  partition: number,
  offset: bigint,
  maxBytes: number,
  firstInResponse: boolean,
  into: Buffer | undefined,
): PartitionData {
  const handle = broker.topics.partition(topic, partition);
  if (handle === undefined) {
    const offline = broker.topics.isOffline(topic, partition);
    return empty(partition, offline ? ErrorCode.KAFKA_STORAGE_ERROR : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n, -1n);
  }
  const { log } = handle;
  const highWatermark = log.highWatermark;
  if (offset < log.logStartOffset || offset > log.logEndOffset) {
    return empty(partition, ErrorCode.OFFSET_OUT_OF_RANGE, highWatermark, log.logStartOffset);
  }
  if (maxBytes <= 0 || offset >= highWatermark) return empty(partition, ErrorCode.NONE, highWatermark, log.logStartOffset);
  try {
    const read = log.read(offset, maxBytes, into === undefined ? { maxOffset: highWatermark, minOneBatch: firstInResponse } : { maxOffset: highWatermark, minOneBatch: firstInResponse, into });
    return { ...empty(partition, ErrorCode.NONE, read.highWatermark, read.logStartOffset), records: read.records };
  } catch (error) {
    if (error instanceof LogError && error.code === LogErrorCode.OFFSET_OUT_OF_RANGE) {
      return empty(partition, ErrorCode.OFFSET_OUT_OF_RANGE, log.highWatermark, log.logStartOffset);
    }
    broker.logger.error({ err: error, topic, partition, offset }, 'fetch read failed');
    return empty(partition, storageErrorCode(error, ErrorCode.KAFKA_STORAGE_ERROR), highWatermark, log.logStartOffset);
  }
}

function empty(partitionIndex: number, errorCode: number, highWatermark: bigint, logStartOffset: bigint): PartitionData {
  return {
    partitionIndex,
    errorCode,
    highWatermark,
    lastStableOffset: highWatermark,
    logStartOffset,
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: EMPTY,
  };
}
