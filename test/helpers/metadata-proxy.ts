/**
 * A TCP proxy in front of one real broker that rewrites the broker list of its Metadata
 * answers, so a client sees a cluster of several brokers (Brook runs one node). Every other
 * byte passes unchanged.
 */
import net from 'node:net';
import type { ExecutionContext } from 'ava';
import { ApiKey, FrameDecoder, Reader, decodeRequestHeader, decodeResponse, encodeResponse } from '../../core/protocol/index.ts';

export interface MetadataBroker {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

/**
 * Starts the proxy to `upstreamPort`; `brokers(proxyPort, upstream)` gives the broker list to
 * answer with in place of the upstream's. Resolves with the proxy's port.
 */
export async function startMetadataProxy(
  t: ExecutionContext,
  upstreamPort: number,
  brokers: (proxyPort: number, upstream: readonly MetadataBroker[]) => MetadataBroker[],
): Promise<number> {
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
        client.write(encodeResponse(ApiKey.METADATA, request.apiVersion, correlationId, { ...body, brokers: brokers(proxyPort, body.brokers) }).finish());
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
