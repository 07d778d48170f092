import { ApiKey } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { Handler } from './handler.ts';

export function deleteGroupsHandler(broker: BrokerContext): Handler<typeof ApiKey.DELETE_GROUPS> {
  return {
    apiKey: ApiKey.DELETE_GROUPS,
    minVersion: 0,
    maxVersion: 1,
    async handle(request) {
      const results = [];
      for (const groupId of request.groupsNames) results.push({ groupId, errorCode: await broker.groups.deleteGroup(groupId) });
      return { throttleTimeMs: 0, results };
    },
  };
}
