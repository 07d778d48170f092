/**
 * client/cluster.ts against a real broker: the connection pool under concurrent callers and
 * close(), and which broker anyConnection picks.
 */
import test from 'ava';
import { Cluster } from '../../../client/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';

test('concurrent connectionTo after the pooled connection closed opens one connection, and close() closes it', async (t) => {
  const broker = await startTestBroker(t);
  const cluster = new Cluster({ bootstrapServers: broker.bootstrap });
  t.teardown(() => cluster.close());
  await cluster.connect();
  const nodeId = cluster.brokerList()[0]!.nodeId;
  const first = await cluster.connectionTo(nodeId);
  await first.close();

  const [a, b, c] = await Promise.all([cluster.connectionTo(nodeId), cluster.connectionTo(nodeId), cluster.connectionTo(nodeId)]);
  t.not(a, first);
  t.is(a, b);
  t.is(b, c);
  t.false(a.isClosed);
  t.is(await cluster.connectionTo(nodeId), a, 'the pool keeps the connection the callers got');

  await cluster.close();
  t.true(a.isClosed);
});
