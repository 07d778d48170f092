import net from 'node:net';
import type { ExecutionContext } from 'ava';
import { FrameDecoder, decodeResponse, encodeResponse } from '../../core/protocol/index.ts';
import type { ApiKey, ResponseBody, ResponseInput } from '../../core/protocol/index.ts';
import { startTestBroker } from './broker.ts';
import type { TestBroker } from './broker.ts';

export interface StallProxy {
  readonly broker: TestBroker;
  /** The proxy's `127.0.0.1:port`; the broker advertises it too, so every connection goes through it. */
  readonly bootstrap: string;
  /** The API key of every request read from a client, in arrival order (held ones included). */
  readonly apiKeys: number[];
  /**
   * Keeps requests (of `apiKeys`, or all) from the broker until release(), as a broker that
   * stopped answering; a connection's later requests wait behind its first held one.
   */
  hold(apiKeys?: readonly number[]): void;
  /** Stops reading what clients send, so their writes back up as on a broker that stopped reading its sockets. */
  block(): void;
  /** Lets everything through again, held requests first. */
  release(): void;
  /**
   * Answers of `apiKey` pass through `rewrite` (decoded; its result is re-encoded) until it is
   * called again; undefined stops rewriting. The broker still did what it was asked.
   */
  rewrite<K extends ApiKey>(apiKey: K, rewrite: ((body: ResponseBody<K>) => ResponseInput<K>) | undefined): void;
}

/** A real broker behind a TCP proxy that records the API key of every request, and can stop answering, stop reading or rewrite answers on demand. */
export async function startStallProxy(t: ExecutionContext, overrides: Record<string, unknown> = {}): Promise<StallProxy> {
  const apiKeys: number[] = [];
  const pipes = new Set<{ client: net.Socket; upstream: net.Socket; held: Buffer[] }>();
  let brokerPort = 0;
  let blocked = false;
  const rewrites = new Map<number, (body: never) => unknown>();
  /** undefined: nothing held; empty: every request held. */
  let holding: Set<number> | undefined;
  const held = (apiKey: number): boolean => holding !== undefined && (holding.size === 0 || holding.has(apiKey));
  const apply = (): void => {
    for (const pipe of pipes) {
      if (blocked) pipe.client.pause();
      else pipe.client.resume();
      if (holding === undefined) for (const chunk of pipe.held.splice(0)) pipe.upstream.write(chunk);
    }
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(brokerPort, '127.0.0.1');
    const pipe = { client, upstream, held: [] as Buffer[] };
    pipes.add(pipe);
    const frames = new FrameDecoder();
    /** Correlation id → API key and version of requests whose answers are rewritten. */
    const asked = new Map<number, { apiKey: number; version: number }>();
    client.on('data', (chunk: Buffer) => {
      for (const frame of frames.push(chunk)) {
        const apiKey = frame.readInt16BE(0);
        apiKeys.push(apiKey);
        asked.set(frame.readInt32BE(4), { apiKey, version: frame.readInt16BE(2) });
        const size = Buffer.alloc(4);
        size.writeInt32BE(frame.length);
        const framed = Buffer.concat([size, frame]);
        if (pipe.held.length === 0 && !held(apiKey)) upstream.write(framed);
        else pipe.held.push(framed);
      }
    });
    if (blocked) client.pause();
    const answers = new FrameDecoder({ maxFrameSize: 1 << 30 });
    upstream.on('data', (chunk: Buffer) => {
      for (const frame of answers.push(chunk)) {
        const correlationId = frame.readInt32BE(0);
        const request = asked.get(correlationId);
        asked.delete(correlationId);
        const rewrite = request === undefined ? undefined : rewrites.get(request.apiKey);
        if (request === undefined || rewrite === undefined) {
          const size = Buffer.alloc(4);
          size.writeInt32BE(frame.length);
          client.write(Buffer.concat([size, frame]));
          continue;
        }
        const key = request.apiKey as ApiKey;
        const { body } = decodeResponse(key, request.version, frame);
        client.write(encodeResponse(key, request.version, correlationId, rewrite(body as never) as ResponseInput<ApiKey>).finish());
      }
    });
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      pipes.delete(pipe);
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
        for (const pipe of pipes) {
          pipe.client.destroy();
          pipe.upstream.destroy();
        }
        server.close(() => {
          resolve();
        });
      }),
  );
  const broker = await startTestBroker(t, { ...overrides, advertisedPort: proxyPort });
  brokerPort = broker.port;
  return {
    broker,
    bootstrap: `127.0.0.1:${proxyPort}`,
    apiKeys,
    hold(keys) {
      holding = new Set(keys ?? []);
    },
    block() {
      blocked = true;
      apply();
    },
    rewrite(apiKey, rewrite) {
      if (rewrite === undefined) rewrites.delete(apiKey);
      else rewrites.set(apiKey, rewrite);
    },
    release() {
      blocked = false;
      holding = undefined;
      apply();
    },
  };
}
