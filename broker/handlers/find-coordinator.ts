import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { Handler } from './handler.ts';

const GROUP_KEY = 0;

/**
 * FindCoordinator: this broker coordinates every consumer group. librdkafka also reads
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
      if (request.keyType !== GROUP_KEY) {
        return {
          throttleTimeMs: 0,
          errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
          errorMessage: 'this broker does not run a transaction coordinator',
          nodeId: -1,
          host: '',
          port: -1,
        };
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
