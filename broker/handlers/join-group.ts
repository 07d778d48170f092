import { ApiKey } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { JoinResult } from '../groups/index.ts';
import type { Handler } from './handler.ts';

/** v4+ requires a known member id (KIP-394): the first join only hands one out. */
const MEMBER_ID_REQUIRED_FROM = 4;

export function joinGroupHandler(broker: BrokerContext): Handler<typeof ApiKey.JOIN_GROUP> {
  return {
    apiKey: ApiKey.JOIN_GROUP,
    minVersion: 0,
    maxVersion: 5,
    handle(request, version, context) {
      const respond = (result: JoinResult) => ({ throttleTimeMs: 0, ...result });
      const result = broker.groups.join({
        groupId: request.groupId,
        memberId: request.memberId,
        groupInstanceId: request.groupInstanceId,
        clientId: context.header.clientId ?? '',
        clientHost: `/${context.remoteAddress.replace(/:\d+$/, '')}`,
        sessionTimeoutMs: request.sessionTimeoutMs,
        // v0 has no rebalance timeout: the session timeout served for both.
        rebalanceTimeoutMs: version >= 1 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs,
        protocolType: request.protocolType,
        protocols: request.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
        requireKnownMemberId: version >= MEMBER_ID_REQUIRED_FROM,
      });
      return result instanceof Promise ? result.then(respond) : respond(result);
    },
  };
}
