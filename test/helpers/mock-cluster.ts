import { VirtualScheduler } from '../../core/base/index.ts';
import { ApiKey, ErrorCode, apiDescriptors } from '../../core/protocol/index.ts';
import type { ProduceResponse, RequestInput, ResponseBody } from '../../core/protocol/index.ts';
import { readBatchHeader } from '../../core/records/index.ts';
import type { BatchHeader } from '../../core/records/index.ts';
import { ClientError, ClientErrorCode } from '../../client/errors.ts';
import type { OneWayOpener, SenderCluster, SenderConnection } from '../../client/producer/sender.ts';
import type { OneWayWriter } from '../../client/producer/one-way-socket.ts';

/** A request the code under test sent, waiting for the test to answer it. */
export interface RecordedRequest<K extends ApiKey = ApiKey> {
  readonly nodeId: number;
  readonly apiKey: K;
  readonly apiVersion: number;
  readonly body: RequestInput<K>;
  /** Whether `respond` or `fail` ran (or the connection was cut). */
  readonly answered: boolean;
  respond(response: ResponseBody<K>): void;
  fail(error: Error): void;
}

/** One batch of a Produce request, with its header read back. */
export interface SentBatch {
  readonly topic: string;
  readonly partition: number;
  readonly header: BatchHeader;
}

class PendingRequest<K extends ApiKey> implements RecordedRequest<K> {
  readonly nodeId: number;
  readonly apiKey: K;
  readonly apiVersion: number;
  readonly body: RequestInput<K>;
  answered = false;
  private readonly resolve: (response: ResponseBody<K>) => void;
  private readonly reject: (error: Error) => void;

  constructor(nodeId: number, apiKey: K, apiVersion: number, body: RequestInput<K>, resolve: (r: ResponseBody<K>) => void, reject: (e: Error) => void) {
    this.nodeId = nodeId;
    this.apiKey = apiKey;
    this.apiVersion = apiVersion;
    this.body = body;
    this.resolve = resolve;
    this.reject = reject;
  }

  respond(response: ResponseBody<K>): void {
    if (this.answered) throw new Error(`${apiDescriptors[this.apiKey].name} request to node ${this.nodeId} was already answered`);
    this.answered = true;
    this.resolve(response);
  }

  fail(error: Error): void {
    if (this.answered) throw new Error(`${apiDescriptors[this.apiKey].name} request to node ${this.nodeId} was already answered`);
    this.answered = true;
    this.reject(error);
  }
}

/** A connection that records each request and leaves it open until the test answers it. */
export class MockConnection implements SenderConnection {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly clientId = 'mock';
  isClosed = false;
  private readonly cluster: MockCluster;

  constructor(cluster: MockCluster, nodeId: number) {
    this.cluster = cluster;
    this.nodeId = nodeId;
    this.host = `broker-${nodeId}`;
    this.port = 9092;
  }

  highestVersion(apiKey: ApiKey, minVersion = 0): Promise<number> {
    return Promise.resolve(Math.max(minVersion, apiDescriptors[apiKey].validVersions[1]));
  }

  request<K extends ApiKey>(apiKey: K, apiVersion: number, body: RequestInput<K>): Promise<ResponseBody<K>> {
    if (this.isClosed) return Promise.reject(new ClientError(ClientErrorCode.CLOSED, `the connection to node ${this.nodeId} is closed`, { retriable: true }));
    return new Promise((resolve, reject) => {
      const request: RecordedRequest<K> = new PendingRequest(this.nodeId, apiKey, apiVersion, body, resolve, reject);
      this.cluster.requests.push(request);
    });
  }
}

/**
 * The cluster as the producer's sender sees it, answered by hand (Kafka's MockClient):
 * leaders are set by the test, metadata refreshes are counted (and apply an update the test
 * prepared), requests are recorded until the test answers them, time is virtual.
 */
export class MockCluster implements SenderCluster {
  readonly scheduler: VirtualScheduler;
  /** Every request sent, in order. */
  readonly requests: RecordedRequest[] = [];
  /** The topics of each metadata refresh asked for. */
  readonly metadataRefreshes: (readonly string[])[] = [];
  private readonly leaders = new Map<string, number[]>();
  private readonly updates = new Map<string, number[]>();
  private readonly connections = new Map<number, MockConnection>();

  constructor(scheduler = new VirtualScheduler()) {
    this.scheduler = scheduler;
  }

  /** The leader of each partition of `topic` (-1: none), as cached metadata says. */
  setLeaders(topic: string, leaders: number[]): void {
    this.leaders.set(topic, [...leaders]);
  }

  /** Leaders the next metadata refresh brings. */
  prepareMetadataUpdate(topic: string, leaders: number[]): void {
    this.updates.set(topic, [...leaders]);
  }

  knownTopic(topic: string): { partitions: { partition: number; leader: number }[] } | undefined {
    const leaders = this.leaders.get(topic);
    return leaders === undefined ? undefined : { partitions: leaders.map((leader, partition) => ({ partition, leader })) };
  }

  refreshMetadata(topics: readonly string[]): Promise<void> {
    this.metadataRefreshes.push([...topics]);
    for (const [topic, leaders] of this.updates) this.leaders.set(topic, leaders);
    this.updates.clear();
    return Promise.resolve();
  }

  connectionTo(nodeId: number): Promise<MockConnection> {
    let connection = this.connections.get(nodeId);
    if (connection === undefined || connection.isClosed) {
      connection = new MockConnection(this, nodeId);
      this.connections.set(nodeId, connection);
    }
    return Promise.resolve(connection);
  }

  anyConnection(): Promise<MockConnection> {
    return this.connectionTo(0);
  }

  retrying<T>(attempt: () => Promise<T>): Promise<T> {
    return attempt();
  }

  /** Cuts the connection to a node: its unanswered requests fail retriably, as a broker hanging up does. */
  disconnect(nodeId: number): void {
    const connection = this.connections.get(nodeId);
    if (connection === undefined) return;
    connection.isClosed = true;
    for (const request of this.unanswered()) {
      if (request.nodeId === nodeId) request.fail(new ClientError(ClientErrorCode.CLOSED, `the broker ${nodeId} closed the connection`, { retriable: true }));
    }
  }

  /** Requests not answered yet, oldest first, of one API if given. */
  unanswered<K extends ApiKey>(apiKey?: K): RecordedRequest<K>[] {
    return this.requests.filter((r) => !r.answered && (apiKey === undefined || r.apiKey === apiKey)) as RecordedRequest<K>[];
  }

  /** Produce requests sent so far, oldest first. */
  produceRequests(): RecordedRequest<typeof ApiKey.PRODUCE>[] {
    return this.requests.filter((r) => r.apiKey === ApiKey.PRODUCE) as RecordedRequest<typeof ApiKey.PRODUCE>[];
  }
}

/** The batches a Produce request (or an acks=0 write) carries, headers read back. */
export function sentBatches(body: RequestInput<typeof ApiKey.PRODUCE>): SentBatch[] {
  const batches: SentBatch[] = [];
  for (const topic of body.topicData ?? []) {
    for (const p of topic.partitionData ?? []) {
      const records = p.records;
      if (records === null || records === undefined) continue;
      const bytes = isBufferList(records) ? Buffer.concat(records) : Buffer.from(records.buffer, records.byteOffset, records.byteLength);
      batches.push({ topic: topic.name ?? '', partition: p.index ?? -1, header: readBatchHeader(bytes) });
    }
  }
  return batches;
}

function isBufferList(records: Uint8Array | readonly Uint8Array[]): records is readonly Uint8Array[] {
  return Array.isArray(records);
}

/**
 * Answers every partition of a Produce request alike: `errorCode` (default none) and, on
 * success, offsets from `baseOffset`.
 */
export function answerProduce(request: RecordedRequest<typeof ApiKey.PRODUCE>, options: { errorCode?: number; baseOffset?: bigint } = {}): void {
  const errorCode = options.errorCode ?? ErrorCode.NONE;
  const response: ProduceResponse = {
    responses: (request.body.topicData ?? []).map((topic) => ({
      name: topic.name ?? '',
      partitionResponses: (topic.partitionData ?? []).map((p) => ({
        index: p.index ?? -1,
        errorCode,
        baseOffset: errorCode === ErrorCode.NONE ? (options.baseOffset ?? 0n) : -1n,
        logAppendTimeMs: -1n,
        logStartOffset: 0n,
        recordErrors: [],
        errorMessage: null,
      })),
    })),
    throttleTimeMs: 0,
  };
  request.respond(response);
}

/** A write of an acks=0 request, done when the test says. */
export interface RecordedWrite {
  readonly body: RequestInput<typeof ApiKey.PRODUCE>;
  readonly done: (error: Error | undefined) => void;
}

/** acks=0 sockets that record writes; `opener` goes in the sender's options. */
export class MockOneWay {
  readonly writes: RecordedWrite[] = [];
  opened = 0;
  closed = 0;

  readonly opener: OneWayOpener = () => {
    this.opened++;
    let isClosed = false;
    const writer: OneWayWriter = {
      get isClosed() {
        return isClosed;
      },
      write: (_version, body, done) => {
        this.writes.push({ body, done });
      },
      close: () => {
        isClosed = true;
        this.closed++;
      },
    };
    return Promise.resolve(writer);
  };
}
