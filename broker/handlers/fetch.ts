import { LogError, LogErrorCode } from '../../core/log/index.ts';
import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import { BatchLayout } from '../../core/records/index.ts';
import type { FetchRequest, FetchResponse } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { DelayedFetches } from '../fetch/delayed-fetches.ts';
import { newFetchContext } from '../fetch/fetch-context.ts';
import type { FetchContext } from '../fetch/fetch-context.ts';
import { FetchSessionCache } from '../fetch/fetch-session-cache.ts';
import type { PartitionFetch } from '../fetch/fetch-session.ts';
import { ReadBufferPool } from '../fetch/read-buffer-pool.ts';
import { withAfterSend } from './handler.ts';
import type { Handler, HandlerOutcome } from './handler.ts';
import { storageErrorCode } from './storage-errors.ts';

type PartitionData = FetchResponse['responses'][number]['partitions'][number];
type ServedContext = Exclude<FetchContext, { kind: 'error' }>;

const READ_COMMITTED = 1;
const EMPTY = Buffer.alloc(0);

/**
 * Fetch: whole batches straight from the log files, up to the high watermark. When less
 * than minBytes is available the request waits (up to maxWaitMs) for a produce to one of
 * its partitions, then reads again.
 */
export function fetchHandler(
  broker: BrokerContext,
  delayed: DelayedFetches,
  sessions = new FetchSessionCache({ clock: delayed.scheduler }),
): Handler<typeof ApiKey.FETCH> {
  const pool = new ReadBufferPool();
  return {
    apiKey: ApiKey.FETCH,
    minVersion: 0,
    maxVersion: 11,
    handle(request) {
      const context = newFetchContext(sessions, request);
      if (context.kind === 'error') return { throttleTimeMs: 0, errorCode: context.errorCode, sessionId: 0, responses: [] };
      let result = readAll(broker, request, context.targets, pool);
      const enough = (): boolean => result.bytes >= request.minBytes || result.failed;
      // As Kafka's ReplicaManager: a fetch that names no partition needs no data, so it is
      // answered at once instead of holding the connection (and what queues behind it) for maxWaitMs.
      if (enough() || request.maxWaitMs <= 0 || context.targets.length === 0) return respond(result, pool, context);
      // An incremental request names only what changed; the session's partitions are what it waits on.
      const partitions = context.targets;
      const reread = (): void => {
        giveBack(result, pool);
        result = readAll(broker, request, context.targets, pool);
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
          return respond(result, pool, context);
        });
    },
  };
}

function respond(result: ReadOutcome, pool: ReadBufferPool, context: ServedContext): HandlerOutcome<typeof ApiKey.FETCH> {
  const { sessionId, responses } = context.respond(result.partitions);
  const body: FetchResponse = { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId, responses };
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
  /** One per target, in the context's order. */
  partitions: PartitionData[];
  bytes: number;
  /** A partition answered with an error: Kafka returns at once rather than waiting. */
  failed: boolean;
  /** Pooled buffers the records are views of, to hand back once the response is sent. */
  borrowed: Buffer[];
}

/**
 * Reads share pooled chunks of at least this size: a fetch over many partitions fills one
 * chunk after another instead of taking a partition-sized buffer for each partition, which
 * at 1,000 partitions meant a thousand 1 MiB buffers per fetch, mostly empty.
 */
const READ_CHUNK_BYTES = 8 << 20;

function readAll(broker: BrokerContext, request: FetchRequest, targets: readonly PartitionFetch[], pool: ReadBufferPool): ReadOutcome {
  const outcome: ReadOutcome = { partitions: [], bytes: 0, failed: false, borrowed: [] };
  const readCommitted = request.isolationLevel === READ_COMMITTED;
  let chunk: Buffer | undefined;
  let used = 0;
  let lent = false;
  const retire = (): void => {
    if (chunk !== undefined && !lent) pool.release(chunk);
    chunk = undefined;
  };
  for (const p of targets) {
    const budget = request.maxBytes - outcome.bytes;
    const limit = Math.min(p.partitionMaxBytes, budget);
    if (limit > 0 && (chunk === undefined || chunk.length - used < limit)) {
      retire();
      chunk = pool.acquire(Math.max(limit, READ_CHUNK_BYTES)) ?? pool.acquire(limit);
      used = 0;
      lent = false;
    }
    const into = limit > 0 ? chunk?.subarray(used) : undefined;
    const data = readPartition(broker, p.topic, p.partition, p.fetchOffset, limit, outcome.bytes === 0, into, readCommitted);
    const records = data.records;
    if (chunk !== undefined && records !== null && records.length > 0 && records.buffer === chunk.buffer) {
      used = records.byteOffset + records.length - chunk.byteOffset;
      if (!lent) outcome.borrowed.push(chunk);
      lent = true;
    }
    if (data.errorCode !== ErrorCode.NONE) outcome.failed = true;
    outcome.bytes += records?.length ?? 0;
    outcome.partitions.push(data);
  }
  retire();
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
  readCommitted: boolean,
): PartitionData {
  const handle = broker.topics.partition(topic, partition);
  if (handle === undefined) {
    const offline = broker.topics.isOffline(topic, partition);
    return empty(partition, offline ? ErrorCode.KAFKA_STORAGE_ERROR : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n, -1n, -1n, readCommitted ? [] : null);
  }
  const { log } = handle;
  const highWatermark = log.highWatermark;
  const lastStableOffset = broker.topics.lastStableOffset(handle);
  // A read_committed consumer reads only what every transaction has decided, and gets the
  // aborted transactions of what it reads, so that it can drop their records (Kafka's
  // isolation level); read_uncommitted reads to the high watermark and gets no list.
  const aborted = readCommitted ? [] : null;
  const end = readCommitted ? lastStableOffset : highWatermark;
  const none = (errorCode: number): PartitionData => empty(partition, errorCode, highWatermark, lastStableOffset, log.logStartOffset, aborted);
  if (offset < log.logStartOffset || offset > log.logEndOffset) return none(ErrorCode.OFFSET_OUT_OF_RANGE);
  if (maxBytes <= 0 || offset >= end) return none(ErrorCode.NONE);
  try {
    const read = log.read(offset, maxBytes, into === undefined ? { maxOffset: end, minOneBatch: firstInResponse } : { maxOffset: end, minOneBatch: firstInResponse, into });
    const data = { ...none(ErrorCode.NONE), records: read.records };
    if (readCommitted && read.records.length > 0) {
      data.abortedTransactions = log.abortedTransactions(offset, nextOffsetAfter(read.records)).map((txn) => ({ producerId: txn.producerId, firstOffset: txn.firstOffset }));
    }
    return data;
  } catch (error) {
    if (error instanceof LogError && error.code === LogErrorCode.OFFSET_OUT_OF_RANGE) return none(ErrorCode.OFFSET_OUT_OF_RANGE);
    broker.logger.error({ err: error, topic, partition, offset }, 'fetch read failed');
    return none(storageErrorCode(error, ErrorCode.KAFKA_STORAGE_ERROR));
  }
}

/** One past the last offset of the whole batches in `records`: the upper bound of what a fetch returns. */
function nextOffsetAfter(records: Buffer): bigint {
  let next = 0n;
  for (let pos = 0; records.length - pos >= BatchLayout.HEADER_SIZE; ) {
    next = records.readBigInt64BE(pos + BatchLayout.BASE_OFFSET) + BigInt(records.readInt32BE(pos + BatchLayout.LAST_OFFSET_DELTA)) + 1n;
    pos += records.readInt32BE(pos + BatchLayout.BATCH_LENGTH) + BatchLayout.LOG_OVERHEAD;
  }
  return next;
}

function empty(
  partitionIndex: number,
  errorCode: number,
  highWatermark: bigint,
  lastStableOffset: bigint,
  logStartOffset: bigint,
  abortedTransactions: PartitionData['abortedTransactions'],
): PartitionData {
  return {
    partitionIndex,
    errorCode,
    highWatermark,
    lastStableOffset,
    logStartOffset,
    abortedTransactions,
    preferredReadReplica: -1,
    records: EMPTY,
  };
}
