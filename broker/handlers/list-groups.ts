import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { Handler } from './handler.ts';

export function listGroupsHandler(broker: BrokerContext): Handler<typeof ApiKey.LIST_GROUPS> {
  return {
    apiKey: ApiKey.LIST_GROUPS,
    minVersion: 0,
    maxVersion: 2,
    handle() {
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups: broker.groups.list().map(({ groupId, protocolType }) => ({ groupId, protocolType })) };
    },
  };
}
