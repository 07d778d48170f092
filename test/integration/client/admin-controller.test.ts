/**
 * client/admin: mutations sent to the controller against real brokers: a controller that
 * died is looked up again (nothing was sent to it), and the client waits as long as the
 * broker was told it may take.
 */
import test from 'ava';
import { Admin, ClientError, ClientErrorCode } from '../../../client/index.ts';
import { KafkaConnection } from '../../../client/internal.ts';
import { ApiKey } from '../../../core/protocol/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { startStallProxy } from '../../helpers/stall-proxy.ts';
import { waitFor } from '../../helpers/wait-for.ts';

test('createTopics finds the new controller when the cached one died, as nothing reached it', async (t) => {
  const first = await startTestBroker(t);
  const second = await startTestBroker(t);
  const admin = new Admin({ bootstrapServers: [first.bootstrap, second.bootstrap], requestTimeoutMs: 10_000, connectTimeoutMs: 2000 });
  t.teardown(() => admin.close());
  await admin.connect();
  t.deepEqual(admin.cluster.brokerList().map((b) => b.port), [first.port], 'the first broker is the known controller');

  await first.broker.close();
  await admin.createTopics([{ topic: 'moved', numPartitions: 2 }]);

  t.deepEqual(admin.cluster.brokerList().map((b) => b.port), [second.port]);
  t.deepEqual(await admin.listTopics(), ['moved']);
});

test('createTopics waits for the broker as long as its timeoutMs allows, beyond the request timeout', async (t) => {
  const proxy = await startStallProxy(t);
  const requestTimeoutMs = 300;
  const admin = new Admin({ bootstrapServers: proxy.bootstrap, requestTimeoutMs });
  t.teardown(() => admin.close());
  await admin.connect();
  proxy.hold([ApiKey.CREATE_TOPICS, ApiKey.LIST_GROUPS]);
  const created = admin.createTopics([{ topic: 'slow' }], { timeoutMs: 30_000 });
  await waitFor(() => proxy.apiKeys.includes(ApiKey.CREATE_TOPICS), { timeoutMs: 10_000 });

  // A held request with the same timeout, sent later, timing out shows the request timeout has passed for CreateTopics too.
  const probe = await KafkaConnection.connect('127.0.0.1', Number(proxy.bootstrap.split(':')[1]), { requestTimeoutMs });
  t.teardown(() => probe.close());
  const timedOut = await t.throwsAsync(probe.request(ApiKey.LIST_GROUPS, 0, {}), { instanceOf: ClientError });
  t.is(timedOut.code, ClientErrorCode.TIMEOUT);

  proxy.release();
  await created;
  t.deepEqual(await admin.listTopics(), ['slow']);
});
