/**
 * client/admin configs across brokers: a broker resource goes to the broker it names. Brook
 * runs one node, so two real brokers (node 0 and node 1) are made one cluster by a proxy in
 * front of node 0 that adds node 1 to its Metadata answers; every other byte passes unchanged.
 */
import net from 'node:net';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { Admin } from '../../../client/index.ts';
import { ApiKey, FrameDecoder, Reader, decodeRequestHeader, decodeResponse, encodeResponse } from '../../../core/protocol/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';

/** A proxy to `upstreamPort` whose Metadata answers list itself as node 0 and `extra` as another broker. */
async function twoBrokerView(t: ExecutionContext, upstreamPort: number, extra: { nodeId: number; port: number }): Promise<number> {
  const sockets = new Set<net.Socket>();
  let proxyPort = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: upstreamPort });
    sockets.add(client).add(upstream);
    const asked = new Map<number, { apiKey: number; apiVersion: number }>();
    const requests = new FrameDecoder();
    const responses = new FrameDecoder();
    for (const socket of [client, upstream]) {
      socket.on('error', () => undefined);
      socket.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      for (const frame of requests.push(chunk)) {
        const header = decodeRequestHeader(new Reader(frame));
        asked.set(header.correlationId, { apiKey: header.apiKey, apiVersion: header.apiVersion });
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      for (const frame of responses.push(chunk)) {
        const correlationId = frame.readInt32BE(0);
        const request = asked.get(correlationId);
        asked.delete(correlationId);
        if (request?.apiKey !== ApiKey.METADATA) {
          const size = Buffer.alloc(4);
          size.writeInt32BE(frame.length);
          client.write(Buffer.concat([size, frame]));
          continue;
        }
        const { body } = decodeResponse(ApiKey.METADATA, request.apiVersion, frame);
        const brokers = [
          ...body.brokers.map((b) => ({ ...b, port: proxyPort })),
          { nodeId: extra.nodeId, host: '127.0.0.1', port: extra.port, rack: null },
        ];
        client.write(encodeResponse(ApiKey.METADATA, request.apiVersion, correlationId, { ...body, brokers }).finish());
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxyPort = (server.address() as net.AddressInfo).port;
  t.teardown(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return proxyPort;
}

test('describeConfigs and alterConfigs send each broker resource to the broker it names, one request per broker', async (t) => {
  const node0 = await startTestBroker(t, { nodeId: 0 });
  const node1 = await startTestBroker(t, { nodeId: 1 });
  const proxyPort = await twoBrokerView(t, node0.port, { nodeId: 1, port: node1.port });
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
