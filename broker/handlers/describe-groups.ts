import { ApiKey } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { Handler } from './handler.ts';

export function describeGroupsHandler(broker: BrokerContext): Handler<typeof ApiKey.DESCRIBE_GROUPS> {
  return {
    apiKey: ApiKey.DESCRIBE_GROUPS,
    minVersion: 0,
    maxVersion: 4,
    handle(request) {
      const groups = request.groups.map((groupId) => {
        const group = broker.groups.describe(groupId);
        return {
          errorCode: broker.groups.coordinatorError(groupId),
          groupId,
          groupState: group.state,
          protocolType: group.protocolType,
          protocolData: group.protocol,
          members: group.members.map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            memberMetadata: m.metadata,
            memberAssignment: m.assignment,
          })),
          authorizedOperations: -2147483648,
        };
      });
      return { throttleTimeMs: 0, groups };
    },
  };
}
