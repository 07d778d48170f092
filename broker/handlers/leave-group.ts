import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { Handler } from './handler.ts';

/** v3 (KIP-345) takes a batch of members, each answered on its own. */
const BATCH_FROM = 3;

export function leaveGroupHandler(broker: BrokerContext): Handler<typeof ApiKey.LEAVE_GROUP> {
  return {
    apiKey: ApiKey.LEAVE_GROUP,
    minVersion: 0,
    maxVersion: 3,
    handle(request, version) {
      if (request.groupId === '') return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
      if (version < BATCH_FROM) {
        const [result] = broker.groups.leave(request.groupId, [{ memberId: request.memberId, groupInstanceId: null }]);
        return { throttleTimeMs: 0, errorCode: result!.errorCode, members: [] };
      }
      const members = broker.groups.leave(request.groupId, request.members);
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, members };
    },
  };
}
