/**
 * client/admin configs across brokers: a broker resource goes to the broker it names. Brook
 * runs one node, so two real brokers (node 0 and node 1) are made one cluster by a proxy in
 * front of node 0 that adds node 1 to its Metadata answers; every other byte passes unchanged.
 */
import test from 'ava';
import { Admin } from '../../../client/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { startMetadataProxy } from '../../helpers/metadata-proxy.ts';

test('describeConfigs and alterConfigs send each broker resource to the broker it names, one request per broker', async (t) => {
  const node0 = await startTestBroker(t, { nodeId: 0 });
  const node1 = await startTestBroker(t, { nodeId: 1 });
  const proxyPort = await startMetadataProxy(t, node0.port, (port, upstream) => [
    ...upstream.map((b) => ({ ...b, port })),
    { nodeId: 1, host: '127.0.0.1', port: node1.port, rack: null },
  ]);
  const admin = new Admin({ bootstrapServers: `127.0.0.1:${proxyPort}`, requestTimeoutMs: 10_000 });
  t.teardown(() => admin.close());
  await admin.connect();
  t.deepEqual(admin.cluster.brokerList().map((b) => b.nodeId).sort(), [0, 1]);
  await admin.createTopics([{ topic: 'events' }]);
  // In a real cluster every broker knows every topic: node 1 is told of this one directly.
  const direct = new Admin({ bootstrapServers: node1.bootstrap });
  t.teardown(() => direct.close());
  await direct.createTopics([{ topic: 'events' }]);

  const described = await admin.describeConfigs([
    { type: 'broker', name: '1', keys: ['broker.id'] },
    { type: 'topic', name: 'events', keys: ['cleanup.policy'] },
    { type: 'broker', name: '0', keys: ['broker.id'] },
  ]);
  t.deepEqual(
    described.map((d) => [d.type, d.name]),
    [
      ['broker', '1'],
      ['topic', 'events'],
      ['broker', '0'],
    ],
  );
  t.is(described[1]!.entries.find((e) => e.name === 'cleanup.policy')?.value, 'delete');

  // Brook's broker settings are static: each broker refuses the change itself, which it does only for its own id.
  const error = await t.throwsAsync(admin.alterConfigs([
    { type: 'broker', name: '1', ops: [{ name: 'log.retention.ms', op: 'set', value: '1000' }] },
    { type: 'broker', name: '0', ops: [{ name: 'log.retention.ms', op: 'set', value: '1000' }] },
  ]));
  t.regex(error.message, /^IncrementalAlterConfigs for broker '1': INVALID_REQUEST .*broker configs cannot be altered while the broker runs/);
});
