import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { Handler } from './handler.ts';

/**
 * InitProducerId: for an idempotent producer a fresh producer id with epoch 0, never reused;
 * with a transactional id, the transaction coordinator's id and bumped epoch.
 */
export function initProducerIdHandler(broker: BrokerContext): Handler<typeof ApiKey.INIT_PRODUCER_ID> {
  return {
    apiKey: ApiKey.INIT_PRODUCER_ID,
    minVersion: 0,
    maxVersion: 1,
    handle(request) {
      if (request.transactionalId !== null) {
        // v0–1 predate PRODUCER_FENCED (KIP-588): the coordinator's fencing answer is INVALID_PRODUCER_EPOCH to them.
        return broker.transactions.initProducerId(request.transactionalId, request.transactionTimeoutMs).then((result) => ({
          throttleTimeMs: 0,
          ...result,
          errorCode: result.errorCode === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : result.errorCode,
        }));
      }
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: broker.producerIds.next(), producerEpoch: 0 };
    },
  };
}
