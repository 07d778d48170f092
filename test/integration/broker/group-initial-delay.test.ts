import test from 'ava';
import { ApiKey, ErrorCode } from '../../../core/protocol/index.ts';
import type { JoinGroupResponse } from '../../../core/protocol/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { WireClient } from '../../helpers/kafka-wire.ts';

function join(client: WireClient, memberId = ''): Promise<JoinGroupResponse> {
  // v3 joins directly (no MEMBER_ID_REQUIRED round trip), which keeps the two joins back to back.
  return client.request(ApiKey.JOIN_GROUP, 3, {
    groupId: 'starting-fleet',
    sessionTimeoutMs: 30_000,
    rebalanceTimeoutMs: 10_000,
    memberId,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('m') }],
  });
}

test('members that join an empty group within the initial delay share its first generation', async (t) => {
  const { port } = await startTestBroker(t, { groups: { initialRebalanceDelayMs: 300 } });
  const [a, b] = [await WireClient.connect(port), await WireClient.connect(port)];
  t.teardown(() => {
    a.close();
    b.close();
  });
  const [first, second] = await Promise.all([join(a), join(b)]);
  t.is(first.errorCode, ErrorCode.NONE);
  t.is(second.errorCode, ErrorCode.NONE);
  t.is(first.generationId, 1);
  t.is(second.generationId, 1);
  const leader = first.memberId === first.leader ? first : second;
  t.deepEqual(leader.members.map((m) => m.memberId).sort(), [first.memberId, second.memberId].sort());
});
