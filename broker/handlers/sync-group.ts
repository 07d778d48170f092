import { ApiKey } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { SyncResult } from '../groups/index.ts';
import type { Handler } from './handler.ts';

export function syncGroupHandler(broker: BrokerContext): Handler<typeof ApiKey.SYNC_GROUP> {
  return {
    apiKey: ApiKey.SYNC_GROUP,
    minVersion: 0,
    maxVersion: 3,
    handle(request) {
      const respond = (result: SyncResult) => ({ throttleTimeMs: 0, ...result });
      const result = broker.groups.sync(
        { groupId: request.groupId, generationId: request.generationId, memberId: request.memberId, groupInstanceId: request.groupInstanceId },
        request.assignments.map((a) => ({ memberId: a.memberId, assignment: Buffer.from(a.assignment) })),
      );
      return result instanceof Promise ? result.then(respond) : respond(result);
    },
  };
}
