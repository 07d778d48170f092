import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { Handler } from './handler.ts';

const GROUP_KEY = 0;
const TRANSACTION_KEY = 1;

/**
 * FindCoordinator: this broker coordinates every consumer group and every transactional id. librdkafka also reads
 * the advertised FindCoordinator v0 as a sign of a 0.8.2+ broker and only then compresses
 * with lz4, so it must be advertised even before a client joins a group.
 */
export function findCoordinatorHandler(broker: BrokerContext): Handler<typeof ApiKey.FIND_COORDINATOR> {
  return {
    apiKey: ApiKey.FIND_COORDINATOR,
    minVersion: 0,
    maxVersion: 2,
    handle(request) {
      const self = { nodeId: broker.config.nodeId, host: broker.config.advertisedHost, port: broker.advertisedPort() };
      if (request.keyType === TRANSACTION_KEY) {
        // Kafka creates __transaction_state when a transaction coordinator is first looked up.
        const state = broker.transactionStateTopic.ensure();
        if (!state.ok) {
          broker.logger.error({ problem: state.message }, 'cannot create __transaction_state');
          return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: state.message, nodeId: -1, host: '', port: -1 };
        }
        return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, ...self };
      }
      if (request.keyType !== GROUP_KEY) {
        return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `unknown coordinator key type ${request.keyType}`, nodeId: -1, host: '', port: -1 };
      }
      // Kafka creates __consumer_offsets when a coordinator is first looked up.
      const offsets = broker.offsetsTopic.ensure();
      if (!offsets.ok) {
        broker.logger.error({ problem: offsets.message }, 'cannot create __consumer_offsets');
        return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: offsets.message, nodeId: -1, host: '', port: -1 };
      }
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, ...self };
    },
  };
}
