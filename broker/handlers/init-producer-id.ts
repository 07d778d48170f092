import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { Handler } from './handler.ts';

/** InitProducerId for idempotent producers: a fresh producer id with epoch 0, never reused. */
export function initProducerIdHandler(broker: BrokerContext): Handler<typeof ApiKey.INIT_PRODUCER_ID> {
  return {
    apiKey: ApiKey.INIT_PRODUCER_ID,
    minVersion: 0,
    maxVersion: 1,
    handle(request) {
      if (request.transactionalId !== null) {
        // Without a transaction coordinator the honest answer is that this id cannot be used.
        return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1n, producerEpoch: -1 };
      }
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: broker.producerIds.next(), producerEpoch: 0 };
    },
  };
}
