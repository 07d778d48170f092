/**
 * Brokers a test plays by hand, Kafka's MockClient style: the client under test runs its real
 * code over KafkaConnections whose other end is in memory, and the test sees each request as
 * the codec decoded it, answers it (or leaves it pending), and steps a VirtualScheduler. No
 * sockets, no real time.
 */
import { Duplex } from 'node:stream';
import type { VirtualScheduler } from '../../core/base/index.ts';
import { ApiKey, ErrorCode, FrameDecoder, apiDescriptors, decodeRequest, encodeResponse } from '../../core/protocol/index.ts';
import type { RequestBody, ResponseInput } from '../../core/protocol/index.ts';
import { formatAddress } from '../../client/bootstrap.ts';
import type { ConnectFunction } from '../../client/cluster.ts';
import { KafkaConnection } from '../../client/connection.ts';
import { ClientError, ClientErrorCode } from '../../client/errors.ts';

/** One request as a broker received it. */
export interface ReceivedRequest<K extends ApiKey = ApiKey> {
  readonly apiKey: K;
  readonly version: number;
  readonly body: RequestBody<K>;
  /** `host:port` of the broker it was sent to. */
  readonly address: string;
  /** Virtual time of its arrival. */
  readonly at: number;
  /** Whether it was answered (by `respond` or a standing handler). */
  readonly answered: boolean;
  respond(body: ResponseInput<K>): void;
}

/** Answers a request, or returns undefined to leave it for the test to answer. */
export type Handler<K extends ApiKey> = (request: ReceivedRequest<K>) => ResponseInput<K> | undefined;

/** Two connected in-memory stream ends: what one writes the other reads; destroying one ends both. */
function streamPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const make = (other: () => Duplex): Duplex =>
    new Duplex({
      read: () => undefined,
      write: (chunk: Buffer, _encoding, callback) => {
        other().push(chunk);
        callback();
      },
      final: (callback) => {
        other().push(null);
        callback();
      },
      destroy: (error, callback) => {
        const peer = other();
        if (!peer.destroyed) peer.destroy();
        callback(error);
      },
    });
  ends.push(make(() => ends[1]!), make(() => ends[0]!));
  return [ends[0]!, ends[1]!];
}

/** What every ApiVersions request gets: every API at every version Brook describes. */
const ALL_VERSIONS = Object.values(apiDescriptors).map((d) => ({ apiKey: d.apiKey, minVersion: d.validVersions[0], maxVersion: d.validVersions[1] }));

export class FakeKafka {
  readonly scheduler: VirtualScheduler;
  /** Every request received but ApiVersions, in arrival order. */
  readonly requests: ReceivedRequest[] = [];
  /** Every connection attempt, by `host:port`, in order. */
  readonly connectAttempts: string[] = [];
  private readonly handlers = new Map<ApiKey, Handler<ApiKey>>();
  private readonly refused = new Set<string>();
  private readonly serverEnds = new Map<string, Duplex[]>();

  constructor(scheduler: VirtualScheduler) {
    this.scheduler = scheduler;
  }

  /** For ClusterOptions.connect: a KafkaConnection to the fake broker at `address`, or a refusal. */
  readonly connect: ConnectFunction = (address, options) => {
    const name = formatAddress(address);
    this.connectAttempts.push(name);
    if (this.refused.has(name)) {
      return Promise.reject(new ClientError(ClientErrorCode.CONNECT, `cannot connect to a broker at ${name}: connection refused`, { retriable: true }));
    }
    const [client, server] = streamPair();
    this.serve(server, name);
    return Promise.resolve(KafkaConnection.overStream(client, address, options));
  };

  /** Answers every later request of `apiKey` with what `handler` returns (undefined: leaves it pending). */
  answer<K extends ApiKey>(apiKey: K, handler: Handler<K>): void {
    this.handlers.set(apiKey, handler as unknown as Handler<ApiKey>);
  }

  /** Stops answering `apiKey` by itself: its requests wait for the test. */
  stopAnswering(apiKey: ApiKey): void {
    this.handlers.delete(apiKey);
  }

  /** Connections to `address` are refused (true) or accepted again (false). */
  refuse(address: string, refused = true): void {
    if (refused) this.refused.add(address);
    else this.refused.delete(address);
  }

  /** The broker at `address` hangs up every open connection. */
  hangUp(address: string): void {
    for (const end of this.serverEnds.get(address) ?? []) end.destroy();
    this.serverEnds.delete(address);
  }

  /** The requests of one API received so far. */
  sent<K extends ApiKey>(apiKey: K): ReceivedRequest<K>[] {
    return this.requests.filter((r) => r.apiKey === apiKey) as unknown as ReceivedRequest<K>[];
  }

  /** The first unanswered request of `apiKey`, letting the client run (no time passes) until one arrives. */
  async next<K extends ApiKey>(apiKey: K): Promise<ReceivedRequest<K>> {
    await this.until(() => this.sent(apiKey).some((r) => !r.answered), `an unanswered ${apiDescriptors[apiKey].name} request`);
    return this.sent(apiKey).find((r) => !r.answered)!;
  }

  /**
   * Lets promise jobs and I/O callbacks run, without moving time, until `condition` holds;
   * throws if it still does not after many rounds (the client is stuck, or waits for time).
   */
  async until(condition: () => boolean, what: string): Promise<void> {
    for (let round = 0; round < 200; round++) {
      if (condition()) return;
      await this.scheduler.tick(0);
    }
    throw new Error(`the client never got to ${what} at this instant`);
  }

  private serve(server: Duplex, address: string): void {
    const ends = this.serverEnds.get(address) ?? [];
    ends.push(server);
    this.serverEnds.set(address, ends);
    const decoder = new FrameDecoder();
    server.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) this.receive(server, address, frame);
    });
  }

  private receive(server: Duplex, address: string, frame: Buffer): void {
    const decoded = decodeRequest(frame);
    const { apiKey } = decoded;
    const { apiVersion: version, correlationId } = decoded.header;
    let answered = false;
    const request: ReceivedRequest = {
      apiKey,
      version,
      body: decoded.body as RequestBody<ApiKey>,
      address,
      at: this.scheduler.now(),
      get answered() {
        return answered;
      },
      respond: (body) => {
        if (answered) throw new Error(`${apiDescriptors[apiKey].name} request ${correlationId} was already answered`);
        answered = true;
        if (!server.destroyed) server.write(encodeResponse(apiKey, version, correlationId, body).finish());
      },
    };
    if (apiKey === ApiKey.API_VERSIONS) {
      request.respond({ errorCode: 0, apiKeys: ALL_VERSIONS });
      return;
    }
    this.requests.push(request);
    const reply = this.handlers.get(apiKey)?.(request);
    if (reply !== undefined) request.respond(reply);
  }
}

/** The partitions of each topic, as the leader's node id per partition (-1: no leader). */
export type Layout = Readonly<Record<string, readonly number[]>>;

/** Broker `id`'s address in a fake cluster: `b<id>:9092`. */
export const brokerAddress = (id: number): string => `b${id}:9092`;

/**
 * A Metadata answer describing `brokers` (at brokerAddress) and the topics asked for (null:
 * all) as `layout` has them; a topic it lacks is UNKNOWN_TOPIC_OR_PARTITION. The controller is
 * the first broker.
 */
export function metadataAnswer(
  layout: Layout,
  brokers: readonly number[],
  asked: RequestBody<typeof ApiKey.METADATA>['topics'],
): ResponseInput<typeof ApiKey.METADATA> {
  const names = asked === null ? Object.keys(layout) : asked.map((t) => t.name);
  return {
    brokers: brokers.map((nodeId) => ({ nodeId, host: `b${nodeId}`, port: 9092, rack: null })),
    clusterId: 'fake-cluster',
    controllerId: brokers[0] ?? -1,
    topics: names.map((name) => {
      const leaders = layout[name];
      if (leaders === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, isInternal: false, partitions: [] };
      return {
        errorCode: ErrorCode.NONE,
        name,
        isInternal: false,
        partitions: leaders.map((leaderId, partitionIndex) => ({
          errorCode: leaderId < 0 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
          partitionIndex,
          leaderId,
          leaderEpoch: 0,
          replicaNodes: leaderId < 0 ? [] : [leaderId],
          isrNodes: leaderId < 0 ? [] : [leaderId],
          offlineReplicas: [],
        })),
      };
    }),
  };
}
