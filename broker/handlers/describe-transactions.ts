import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { Handler } from './handler.ts';

/**
 * DescribeTransactions v0 (KIP-664): each named transactional id's state, timeout, start time,
 * producer and partitions (none once complete: the coordinator forgets them with the markers).
 * An id the coordinator does not hold is TRANSACTIONAL_ID_NOT_FOUND, an empty one INVALID_REQUEST.
 */
export function describeTransactionsHandler(broker: BrokerContext): Handler<typeof ApiKey.DESCRIBE_TRANSACTIONS> {
  return {
    apiKey: ApiKey.DESCRIBE_TRANSACTIONS,
    minVersion: 0,
    maxVersion: 0,
    handle(request) {
      return {
        throttleTimeMs: 0,
        transactionStates: request.transactionalIds.map((transactionalId) => {
          const txn = transactionalId === '' ? undefined : broker.transactions.describe(transactionalId);
          if (txn === undefined) {
            return { transactionalId, errorCode: transactionalId === '' ? ErrorCode.INVALID_REQUEST : ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, producerId: -1n, producerEpoch: -1, transactionStartTimeMs: -1n };
          }
          return {
            errorCode: ErrorCode.NONE,
            transactionalId,
            transactionState: txn.state,
            transactionTimeoutMs: txn.timeoutMs,
            transactionStartTimeMs: txn.startMs,
            producerId: txn.producerId,
            producerEpoch: txn.producerEpoch,
            topics: txn.partitions.map((tp) => ({ topic: tp.topic, partitions: [...tp.partitions] })),
          };
        }),
      };
    },
  };
}
