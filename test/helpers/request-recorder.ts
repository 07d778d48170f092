import net from 'node:net';
import type { ExecutionContext } from 'ava';
import { FrameDecoder } from '../../core/protocol/index.ts';
import { startTestBroker } from './broker.ts';
import type { TestBroker } from './broker.ts';

export interface RecordedBroker {
  readonly broker: TestBroker;
  /** The proxy's `127.0.0.1:port`: give it to clients; the broker advertises it too. */
  readonly bootstrap: string;
  /** The API key of every request a client sent, in arrival order. */
  readonly apiKeys: number[];
}

/**
 * A real broker behind a TCP proxy that records the API key of each request passing through,
 * for tests about which requests a client sends. The broker advertises the proxy's port, so
 * connections a client opens from metadata go through it too. Bytes pass unchanged.
 */
export async function startRecordedBroker(t: ExecutionContext, overrides: Record<string, unknown> = {}): Promise<RecordedBroker> {
  const apiKeys: number[] = [];
  const sockets = new Set<net.Socket>();
  let brokerPort = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(brokerPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const frames = new FrameDecoder();
    client.on('data', (chunk: Buffer) => {
      for (const frame of frames.push(chunk)) apiKeys.push(frame.readInt16BE(0));
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      socket.on('error', close);
      socket.on('close', close);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxyPort = (server.address() as net.AddressInfo).port;
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => {
          resolve();
        });
      }),
  );
  const broker = await startTestBroker(t, { ...overrides, advertisedPort: proxyPort });
  brokerPort = broker.port;
  return { broker, bootstrap: `127.0.0.1:${proxyPort}`, apiKeys };
}
