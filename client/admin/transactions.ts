import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import { kafkaError, throwIfKafkaError } from '../errors.ts';
import { byTopicPartition, missing, quoted } from './context.ts';
import type { AdminContext } from './context.ts';
import type { ListTransactionsOptions, TransactionDescription, TransactionListing } from './types.ts';

/** FindCoordinator's key type for a transactional id. */
const TRANSACTION_KEY = 1;

export async function listTransactions(ctx: AdminContext, options: ListTransactionsOptions = {}): Promise<TransactionListing[]> {
  ctx.ensureOpen();
  await ctx.retry(() => ctx.cluster.refreshMetadata([]));
  const lists = await Promise.all(
    ctx.cluster.brokerList().map((b) =>
      ctx.retry(async (): Promise<TransactionListing[]> => {
        const connection = await ctx.cluster.connectionTo(b.nodeId);
        const { response } = await ctx.cluster.send(connection, ApiKey.LIST_TRANSACTIONS, {
          stateFilters: [...(options.states ?? [])],
          producerIdFilters: [...(options.producerIds ?? [])],
        });
        throwIfKafkaError(response.errorCode, `ListTransactions on broker ${b.nodeId}`);
        return response.transactionStates.map((t) => ({ transactionalId: t.transactionalId, producerId: t.producerId, state: t.transactionState }));
      }),
    ),
  );
  return lists.flat().sort((a, b) => (a.transactionalId < b.transactionalId ? -1 : a.transactionalId > b.transactionalId ? 1 : 0));
}

export async function describeTransactions(ctx: AdminContext, transactionalIds: readonly string[]): Promise<TransactionDescription[]> {
  ctx.ensureOpen();
  return Promise.all(
    transactionalIds.map((transactionalId) =>
      ctx.retry(async (): Promise<TransactionDescription> => {
        const { nodeId, connection } = await ctx.cluster.coordinator(transactionalId, TRANSACTION_KEY);
        const { response } = await ctx.cluster.send(connection, ApiKey.DESCRIBE_TRANSACTIONS, { transactionalIds: [transactionalId] });
        const txn = response.transactionStates.find((t) => t.transactionalId === transactionalId);
        if (txn === undefined) throw missing('DescribeTransactions', 'transactional id', transactionalId);
        if (txn.errorCode !== ErrorCode.NONE) throw kafkaError(txn.errorCode, `DescribeTransactions for transactional id ${quoted(transactionalId)}`);
        return {
          transactionalId,
          coordinatorId: nodeId,
          state: txn.transactionState,
          producerId: txn.producerId,
          producerEpoch: txn.producerEpoch,
          transactionTimeoutMs: txn.transactionTimeoutMs,
          transactionStartTimeMs: txn.transactionStartTimeMs < 0n ? null : txn.transactionStartTimeMs,
          topicPartitions: txn.topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition }))).sort(byTopicPartition),
        };
      }),
    ),
  );
}
