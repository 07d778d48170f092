/**
 * client/cluster.ts against a real broker: the connection pool under concurrent callers and
 * close(), and which broker anyConnection picks.
 */
import net from 'node:net';
import test from 'ava';
import { ClientError } from '../../../client/index.ts';
import { Cluster } from '../../../client/internal.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { startMetadataProxy } from '../../helpers/metadata-proxy.ts';

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

/** A port nothing listens on (for now): connecting to it is refused. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('anyConnection prefers a live pooled connection, and a broker whose connect just failed comes last', async (t) => {
  const broker = await startTestBroker(t);
  const deadPort = await freePort();
  // Node 7, listed first, is down; node 0 is the real broker behind the proxy.
  const proxyPort = await startMetadataProxy(t, broker.port, (port, upstream) => [
    { nodeId: 7, host: '127.0.0.1', port: deadPort, rack: null },
    ...upstream.map((b) => ({ ...b, port })),
  ]);
  const cluster = new Cluster({ bootstrapServers: `127.0.0.1:${proxyPort}` });
  t.teardown(() => cluster.close());
  await cluster.connect();
  t.deepEqual(cluster.brokerList().map((b) => b.nodeId), [7, 0]);
  await t.throwsAsync(cluster.connectionTo(7), { instanceOf: ClientError });

  // Node 7 comes back as something that counts connections: the client should not be drawn to it.
  let accepted = 0;
  const counter = net.createServer((socket) => {
    accepted++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => counter.listen(deadPort, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        counter.close(() => {
          resolve();
        });
      }),
  );

  const viaFresh = await cluster.anyConnection();
  t.is(viaFresh.port, proxyPort, 'node 7 failed recently, so node 0 is tried first');
  await cluster.refreshMetadata([]);
  t.is(await cluster.anyConnection(), viaFresh, 'the live pooled connection is reused');
  t.is(accepted, 0);
});
