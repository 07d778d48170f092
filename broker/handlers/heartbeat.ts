import { ApiKey } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { Handler } from './handler.ts';

export function heartbeatHandler(broker: BrokerContext): Handler<typeof ApiKey.HEARTBEAT> {
  return {
    apiKey: ApiKey.HEARTBEAT,
    minVersion: 0,
    maxVersion: 3,
    handle(request) {
      const { groupId, generationId, memberId, groupInstanceId } = request;
      return { throttleTimeMs: 0, errorCode: broker.groups.heartbeat({ groupId, generationId, memberId, groupInstanceId }) };
    },
  };
}
