import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { ProduceResponse } from '../../core/protocol/index.ts';
import { Attributes, BatchLayout } from '../../core/records/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { ProducerBatch } from '../producers/index.ts';
import type { PartitionHandle } from '../topics/topic-manager.ts';
import { autoCreateTopic } from './auto-create.ts';
import { NO_RESPONSE } from './handler.ts';
import type { Handler } from './handler.ts';

type PartitionResponse = ProduceResponse['responses'][number]['partitionResponses'][number];

const ACKS_NONE = 0;
const ACKS_LEADER = 1;
const ACKS_ALL = -1;

/**
 * Produce: validate, append and acknowledge per partition. Appends happen synchronously as
 * the request is handled, so pipelined requests land in arrival order and concurrent
 * acks=all requests share one fsync.
 */
export function produceHandler(broker: BrokerContext): Handler<typeof ApiKey.PRODUCE> {
  return {
    apiKey: ApiKey.PRODUCE,
    minVersion: 0,
    maxVersion: 8,
    // The records are validated and written to the log before handle() returns; acks=all waits on the fsync only.
    doneWithRequestBytesOnReturn: true,
    handle(request) {
      const { acks } = request;
      const durable: Promise<void>[] = [];
      let firstError: string | undefined;
      const responses = request.topicData.map((topic) => ({
        name: topic.name,
        partitionResponses: topic.partitionData.map((data): PartitionResponse => {
          const response = produceToPartition(broker, topic.name, data.index, data.records, acks, request.transactionalId, durable);
          if (response.errorCode !== ErrorCode.NONE) firstError ??= `${topic.name}-${data.index}: ${response.errorMessage ?? `error ${response.errorCode}`}`;
          return response;
        }),
      }));
      if (acks === ACKS_NONE) {
        // The client will never read a response, so an error can only be signalled by hanging up.
        return firstError === undefined ? NO_RESPONSE : { closeConnection: `acks=0 produce failed: ${firstError}` };
      }
      const body = { responses, throttleTimeMs: 0 };
      if (acks !== ACKS_ALL || durable.length === 0) return body;
      return Promise.all(durable).then(() => body);
    },
  };
}

function produceToPartition(
  broker: BrokerContext,
  topic: string,
  partition: number,
  records: Buffer | null,
  acks: number,
  transactionalId: string | null,
  durable: Promise<void>[],
): PartitionResponse {
  if (acks !== ACKS_NONE && acks !== ACKS_LEADER && acks !== ACKS_ALL) {
    return failed(partition, ErrorCode.INVALID_REQUIRED_ACKS, `acks must be 0, 1 or -1 (all), got ${acks}`);
  }
  const handle = findPartition(broker, topic, partition);
  if (!('log' in handle)) return failed(partition, handle.errorCode, handle.message);
  if (records === null || records.length === 0) return failed(partition, ErrorCode.INVALID_RECORD, 'the produce request carries no record batch');
  if (acks === ACKS_ALL && broker.topics.minInsyncReplicas(topic) > 1) {
    return failed(
      partition,
      ErrorCode.NOT_ENOUGH_REPLICAS,
      `min.insync.replicas is ${broker.topics.minInsyncReplicas(topic)} but this single broker is the only in-sync replica`,
    );
  }
  const batches = producerBatchesOf(records);
  const transactional = batches.filter((b) => b.transactional === true);
  if (transactional.length > 0) {
    const refusal = verifyTransactional(broker, transactional, transactionalId, topic, partition);
    if (refusal !== undefined) return failed(partition, refusal.errorCode, refusal.message);
  }
  // The one partition write path, shared with the broker's own writes (__consumer_offsets).
  const appended = broker.topics.append(handle, records, { origin: 'client', producerBatches: batches, watch: broker.watch });
  if (appended.kind === 'rejected') {
    if (appended.fault !== undefined) broker.logger.error({ err: appended.fault, topic, partition }, 'append failed');
    return failed(partition, appended.errorCode, appended.message);
  }
  if (appended.kind === 'duplicate') {
    if (acks === ACKS_ALL) durable.push(handle.log.waitDurable(appended.lastOffset));
    return succeeded(partition, appended.firstOffset, -1n, handle.log.logStartOffset);
  }
  const { info } = appended;
  if (acks === ACKS_ALL) durable.push(appended.durable);
  else {
    appended.durable.catch((error: unknown) => {
      broker.logger.error({ err: error, topic, partition }, 'flush failed');
    });
  }
  return succeeded(partition, info.firstOffset, info.logAppendTime, info.logStartOffset);
}

function findPartition(broker: BrokerContext, topic: string, partition: number): PartitionHandle | { errorCode: number; message: string } {
  const existing = broker.topics.partition(topic, partition);
  if (existing !== undefined) return existing;
  if (broker.topics.isOffline(topic, partition)) {
    return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: `partition ${topic}-${partition} is offline: its log could not be opened` };
  }
  if (broker.topics.get(topic) === undefined && broker.config.autoCreateTopics) {
    const created = autoCreateTopic(broker, topic);
    if (!created.ok) return created;
    const handle = broker.topics.partition(topic, partition);
    if (handle !== undefined) return handle;
  }
  return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: `This server does not host this topic-partition: ${topic}-${partition}` };
}

/**
 * The producer identity of each batch (non-idempotent ones too: they take offsets), read
 * from the headers before the log validates them. An empty list means the bytes are too
 * broken to say; the log's own validation then rejects them with the precise reason.
 */
/**
 * KIP-890's defence: a transactional batch is appended only if its producer's transaction
 * is ongoing at the coordinator with this partition added. Without it, a produce that
 * arrives after its transaction ended (a retry, a zombie) would open a transaction here
 * that no marker will ever close, and the partition's LSO would hang.
 */
function verifyTransactional(
  broker: BrokerContext,
  batches: readonly ProducerBatch[],
  transactionalId: string | null,
  topic: string,
  partition: number,
): { errorCode: number; message: string } | undefined {
  if (transactionalId === null) return { errorCode: ErrorCode.INVALID_TXN_STATE, message: 'a transactional batch needs the request’s transactional id' };
  for (const batch of batches) {
    if (batch.baseSequence < 0) return { errorCode: ErrorCode.INVALID_RECORD, message: 'a transactional batch must be idempotent (carry a sequence)' };
    const errorCode = broker.transactions.verifyPartition(batch.producerId, batch.producerEpoch, { topic, partition });
    if (errorCode !== ErrorCode.NONE) {
      return { errorCode, message: `producer ${batch.producerId} epoch ${batch.producerEpoch} has no ongoing transaction with ${topic}-${partition} added` };
    }
  }
  return undefined;
}

function producerBatchesOf(records: Buffer): ProducerBatch[] {
  const out: ProducerBatch[] = [];
  let pos = 0;
  while (records.length - pos >= BatchLayout.HEADER_SIZE) {
    const size = records.readInt32BE(pos + BatchLayout.BATCH_LENGTH) + BatchLayout.LOG_OVERHEAD;
    if (size < BatchLayout.HEADER_SIZE || size > records.length - pos) return [];
    out.push({
      transactional: (records.readInt16BE(pos + BatchLayout.ATTRIBUTES) & Attributes.TRANSACTIONAL) !== 0,
      producerId: records.readBigInt64BE(pos + BatchLayout.PRODUCER_ID),
      producerEpoch: records.readInt16BE(pos + BatchLayout.PRODUCER_EPOCH),
      baseSequence: records.readInt32BE(pos + BatchLayout.BASE_SEQUENCE),
      recordCount: records.readInt32BE(pos + BatchLayout.LAST_OFFSET_DELTA) + 1,
      maxTimestamp: records.readBigInt64BE(pos + BatchLayout.MAX_TIMESTAMP),
    });
    pos += size;
  }
  return out;
}

function succeeded(index: number, baseOffset: bigint, logAppendTimeMs: bigint, logStartOffset: bigint): PartitionResponse {
  return { index, errorCode: ErrorCode.NONE, baseOffset, logAppendTimeMs, logStartOffset, recordErrors: [], errorMessage: null };
}

function failed(index: number, errorCode: number, errorMessage: string): PartitionResponse {
  return { index, errorCode, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors: [], errorMessage };
}
