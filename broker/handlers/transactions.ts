import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import { OFFSETS_TOPIC } from '../groups/index.ts';
import type { TxnPartition } from '../transactions/index.ts';
import type { Handler } from './handler.ts';

/**
 * PRODUCER_FENCED came with KIP-588; older request versions get INVALID_PRODUCER_EPOCH for
 * the same condition, as Kafka answers them. `fencedFrom` is the first version that knows it.
 */
function forVersion(errorCode: number, version: number, fencedFrom: number): number {
  return errorCode === ErrorCode.PRODUCER_FENCED && version < fencedFrom ? ErrorCode.INVALID_PRODUCER_EPOCH : errorCode;
}

/** AddPartitionsToTxn v0–2: the partitions a transactional producer is about to write. */
export function addPartitionsToTxnHandler(broker: BrokerContext): Handler<typeof ApiKey.ADD_PARTITIONS_TO_TXN> {
  return {
    apiKey: ApiKey.ADD_PARTITIONS_TO_TXN,
    minVersion: 0,
    maxVersion: 2,
    async handle(request, version) {
      const targets: { topic: string; entries: { partitionIndex: number; target: TxnPartition }[] }[] = request.v3AndBelowTopics.map((t) => ({
        topic: t.name,
        entries: t.partitions.map((partitionIndex) => ({ partitionIndex, target: { topic: t.name, partition: partitionIndex } })),
      }));
      const results = await broker.transactions.addPartitions(
        { transactionalId: request.v3AndBelowTransactionalId, producerId: request.v3AndBelowProducerId, producerEpoch: request.v3AndBelowProducerEpoch },
        targets.flatMap((t) => t.entries.map((e) => e.target)),
      );
      return {
        throttleTimeMs: 0,
        resultsByTopicV3AndBelow: targets.map((t) => ({
          name: t.topic,
          resultsByPartition: t.entries.map((e) => ({ partitionIndex: e.partitionIndex, partitionErrorCode: forVersion(results.get(e.target) ?? ErrorCode.UNKNOWN_SERVER_ERROR, version, 2) })),
        })),
      };
    },
  };
}

/** AddOffsetsToTxn v0–1: the group's `__consumer_offsets` partition joins the transaction. */
export function addOffsetsToTxnHandler(broker: BrokerContext): Handler<typeof ApiKey.ADD_OFFSETS_TO_TXN> {
  return {
    apiKey: ApiKey.ADD_OFFSETS_TO_TXN,
    minVersion: 0,
    maxVersion: 1,
    async handle(request, version) {
      const offsets = broker.offsetsTopic.ensure();
      if (!offsets.ok) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
      const target = { topic: OFFSETS_TOPIC, partition: broker.offsetsTopic.partitionFor(request.groupId) };
      const results = await broker.transactions.addPartitions(request, [target]);
      return { throttleTimeMs: 0, errorCode: forVersion(results.get(target) ?? ErrorCode.UNKNOWN_SERVER_ERROR, version, 2) };
    },
  };
}

/** EndTxn v0–1: commit or abort; answered once the decision is durable, the markers follow. */
export function endTxnHandler(broker: BrokerContext): Handler<typeof ApiKey.END_TXN> {
  return {
    apiKey: ApiKey.END_TXN,
    minVersion: 0,
    maxVersion: 1,
    async handle(request, version) {
      const errorCode = await broker.transactions.endTransaction(request, request.committed);
      return { throttleTimeMs: 0, errorCode: forVersion(errorCode, version, 2) };
    },
  };
}

/**
 * TxnOffsetCommit v0–3: offsets committed inside the transaction, visible to the group only
 * once it commits. The producer must have added the group's offsets partition (AddOffsetsToTxn).
 * From v3 the request names the consumer's generation and member (KIP-447), which the group
 * coordinator checks: a zombie is told ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID or FENCED_INSTANCE_ID.
 */
export function txnOffsetCommitHandler(broker: BrokerContext): Handler<typeof ApiKey.TXN_OFFSET_COMMIT> {
  return {
    apiKey: ApiKey.TXN_OFFSET_COMMIT,
    minVersion: 0,
    maxVersion: 3,
    async handle(request, version) {
      const all = (errorCode: number) => ({
        throttleTimeMs: 0,
        topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
      });
      if (!broker.offsetsTopic.exists()) return all(ErrorCode.INVALID_TXN_STATE);
      const target = { topic: OFFSETS_TOPIC, partition: broker.offsetsTopic.partitionFor(request.groupId) };
      const verified = broker.transactions.verifyPartition(request.producerId, request.producerEpoch, target);
      // An old epoch is a fenced producer here (KIP-588), told so in the words its version knows.
      const fenced = verified === ErrorCode.INVALID_PRODUCER_EPOCH ? ErrorCode.PRODUCER_FENCED : verified;
      if (verified !== ErrorCode.NONE) return all(forVersion(fenced, version, 3));
      const results = await broker.groups.txnCommitOffsets(
        request.groupId,
        { producerId: request.producerId, producerEpoch: request.producerEpoch },
        request.topics.map((t) => ({
          topic: t.name,
          partitions: t.partitions.map((p) => ({ partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata })),
        })),
        { generationId: request.generationId, memberId: request.memberId, groupInstanceId: request.groupInstanceId },
      );
      return {
        throttleTimeMs: 0,
        topics: results.map((t) => ({ name: t.topic, partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, errorCode: p.errorCode })) })),
      };
    },
  };
}
