import test from 'ava';
import fc from 'fast-check';
import net from 'node:net';
import { ApiKey, ErrorCode, FrameDecoder, decodeRequest, decodeResponse, encodeRequest } from '../../../core/protocol/index.ts';
import type { RequestInput } from '../../../core/protocol/index.ts';
import { BatchLayout, crc32c } from '../../../core/records/index.ts';
import { testBatch } from '../../helpers/batches.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import type { LogLine, TestBroker } from '../../helpers/broker.ts';
import { decodeAll } from '../../helpers/decode-all.ts';
import { WireClient } from '../../helpers/kafka-wire.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { createTopic, readPartition } from './records.ts';

/*
 * Bad input against one broker. A witness client produces (acks=-1) and fetches for the whole
 * run; attack connections send broken frames, lying lengths, huge counts, invalid record
 * batches, unknown APIs and fast-check mutations of real requests. Each attack must end in an
 * answer or in the broker closing that connection (logged once), the witness must keep getting
 * exact answers, its records must read back intact, and memory must stay bounded.
 */

const WITNESS_TOPIC = 'witness-ledger';
const WITNESS_PARTITIONS = 3;
/** Target of the mutated requests; the witness topic's name never appears in attack bytes. */
const ATTACK_TOPIC = 'fz-attack';
/** Target of the invalid record batches: holds exactly BATCH_TOPIC_RECORDS records throughout. */
const BATCH_TOPIC = 'fz-batches';
const BATCH_TOPIC_RECORDS = 3n;

/** The broker closes a connection that sends nothing for this long (a frame that never completes). */
const IDLE_MS = 3000;
/** How long an attack may take to end in a response or a closed connection. */
const ATTACK_DEADLINE_MS = IDLE_MS + 5000;
const MIB = 1024 * 1024;
/** Growth of rss, heap or external memory beyond this means the broker sized something by a lying field. */
const MEMORY_BUDGET = 256 * MIB;

const INT32_MAX = 0x7fffffff;

// ---------------------------------------------------------------------------------------------
// Raw bytes

function int16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(value, 0);
  return b;
}

function int32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value, 0);
  return b;
}

/** A non-flexible STRING: int16 length, UTF-8 bytes. */
function str(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  return Buffer.concat([int16(bytes.length), bytes]);
}

/** Request header v1: apiKey, apiVersion, correlationId, clientId. */
function header(apiKey: number, apiVersion: number, correlationId: number, clientId = 'fuzz'): Buffer {
  return Buffer.concat([int16(apiKey), int16(apiVersion), int32(correlationId), str(clientId)]);
}

/** A frame whose size prefix tells the truth. */
function frame(...parts: Buffer[]): Buffer {
  const payload = Buffer.concat(parts);
  return Buffer.concat([int32(payload.length), payload]);
}

/** A whole request frame through the project's codec. */
function requestFrame<K extends ApiKey>(apiKey: K, apiVersion: number, correlationId: number, body: RequestInput<K>): Buffer {
  return encodeRequest({ apiKey, apiVersion, correlationId, clientId: 'fuzz' }, body).finish();
}

/** ApiVersions v0: sent after an attack frame, its answer proves the attack frame was dealt with. */
function probeFrame(correlationId: number): Buffer {
  return requestFrame(ApiKey.API_VERSIONS, 0, correlationId, {});
}

let nextProbeId = 0x5eed0000;

// ---------------------------------------------------------------------------------------------
// An attack connection: raw bytes out, frames in, and who closed it

class RawConnection {
  readonly frames: Buffer[] = [];
  readonly closed: Promise<void>;
  readonly localPort: number;
  /** Index into the broker's log lines when this connection was opened. */
  readonly logMark: number;
  private readonly socket: net.Socket;
  private readonly decoder = new FrameDecoder({ maxFrameSize: 64 * MIB });
  private closedFlag = false;
  private closedByUsFlag = false;

  private constructor(socket: net.Socket, logMark: number) {
    this.socket = socket;
    this.logMark = logMark;
    this.localPort = socket.localPort ?? -1;
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.closedFlag = true;
        resolve();
      });
    });
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      try {
        this.frames.push(...this.decoder.push(chunk));
      } catch {
        // The broker never sends a bad frame; if it did, the response checks below fail.
      }
    });
  }

  static connect(port: number, logMark: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket, logMark));
      });
      socket.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }

  /** Closed by the broker, not by `destroy()`. */
  get closedByBroker(): boolean {
    return this.closedFlag && !this.closedByUsFlag;
  }

  write(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  response(correlationId: number): Buffer | undefined {
    return this.frames.find((f) => f.length >= 4 && f.readInt32BE(0) === correlationId);
  }

  destroy(): Promise<void> {
    if (!this.closedFlag) {
      this.closedByUsFlag = true;
      this.socket.destroy();
    }
    return this.closed;
  }

  /** Sends what was written, then a FIN: a client that gives up in the middle of a frame. */
  end(): Promise<void> {
    if (!this.closedFlag) {
      this.closedByUsFlag = true;
      this.socket.end();
    }
    return this.closed;
  }
}

function closingLinesFor(tb: TestBroker, conn: RawConnection): LogLine[] {
  return tb.logs.slice(conn.logMark).filter((line) => line.msg === 'closing connection' && remoteOf(line).endsWith(`:${conn.localPort}`));
}

function remoteOf(line: LogLine): string {
  const remote = line['remote'];
  return typeof remote === 'string' ? remote : '';
}

/** Waits until the connection is closed or the probe is answered. */
async function settle(conn: RawConnection, probeId: number | undefined, label: string, timeoutMs = ATTACK_DEADLINE_MS): Promise<'closed' | 'answered'> {
  await waitFor(() => conn.isClosed || (probeId !== undefined && conn.response(probeId) !== undefined), {
    timeoutMs,
    describe: () => `${label}: neither an answer nor a closed connection within ${timeoutMs} ms (${conn.frames.length} frames received)`,
  });
  return probeId !== undefined && conn.response(probeId) !== undefined ? 'answered' : 'closed';
}

/** What a hostile connection must come to: the broker hung up, answered nothing, logged it once. */
const CLOSED_ONCE = 'closed by the broker, nothing answered, logged once';

/**
 * Waits for the connection to end and describes how it ended, in CLOSED_ONCE's terms, so a
 * table of attacks can be compared with one assertion that shows every deviation at once.
 */
async function closeVerdict(tb: TestBroker, conn: RawConnection, label: string, reason?: RegExp, options: { ignoreAnswers?: boolean } = {}): Promise<string> {
  try {
    await settle(conn, undefined, label);
  } catch {
    return `still open after ${ATTACK_DEADLINE_MS} ms (${conn.frames.length} frames answered)`;
  }
  if (!conn.closedByBroker) return 'closed by the client';
  try {
    await waitFor(() => closingLinesFor(tb, conn).length > 0, { timeoutMs: 2000 });
  } catch {
    // Reported as "logged 0 times".
  }
  const lines = closingLinesFor(tb, conn);
  const answered = options.ignoreAnswers === true || conn.frames.length === 0 ? 'nothing answered' : `${conn.frames.length} frames answered`;
  let verdict = `closed by the broker, ${answered}, ${lines.length === 1 ? 'logged once' : `logged ${lines.length} times`}`;
  if (reason !== undefined && !reason.test(reasonOf(lines[0]))) verdict += `, but the reason "${reasonOf(lines[0])}" does not match ${String(reason)}`;
  return verdict;
}

function reasonOf(line: LogLine | undefined): string {
  const reason = line?.['reason'];
  return typeof reason === 'string' ? reason : '';
}

// ---------------------------------------------------------------------------------------------
// The witness: produces acks=-1 and fetches back, round after round, checking every answer

class Witness {
  /** Per partition, the values acknowledged, in offset order (offset = index). */
  readonly acked: string[][] = Array.from({ length: WITNESS_PARTITIONS }, () => []);
  readonly problems: string[] = [];
  rounds = 0;
  private readonly client: WireClient;
  private readonly fetched: number[] = Array.from({ length: WITNESS_PARTITIONS }, () => 0);
  private stopping = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(client: WireClient) {
    this.client = client;
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }

  /** Resolves after the witness completes one more full round (produce + fetch), checked. */
  async oneMoreRound(label: string): Promise<void> {
    const target = this.rounds + 1;
    await waitFor(() => this.rounds >= target || this.problems.length > 0, {
      timeoutMs: 15_000,
      describe: () => `${label}: the witness completes a round (at ${this.rounds})`,
    });
    if (this.problems.length > 0) throw new Error(`${label}: witness problem: ${this.problems.join('; ')}`);
  }

  private async run(): Promise<void> {
    try {
      while (!this.stopping && this.problems.length === 0) {
        await this.round();
        this.rounds++;
      }
    } catch (error) {
      this.problems.push(`round ${this.rounds} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async round(): Promise<void> {
    const p = this.rounds % WITNESS_PARTITIONS;
    const first = this.acked[p]!.length;
    const count = 1 + (this.rounds % 3);
    const values = Array.from({ length: count }, (_, i) => witnessValue(p, first + i));
    const produced = await this.client.request(ApiKey.PRODUCE, 7, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 10_000,
      topicData: [{ name: WITNESS_TOPIC, partitionData: [{ index: p, records: witnessBatch(p, first, count) }] }],
    });
    const answer = produced.responses[0]?.partitionResponses[0];
    if (answer?.errorCode !== ErrorCode.NONE || answer.baseOffset !== BigInt(first)) {
      this.problems.push(`produce to partition ${p}: expected error 0 at base offset ${first}, got ${JSON.stringify(answer, bigintJson)}`);
      return;
    }
    this.acked[p]!.push(...values);

    const fetched = await this.client.request(ApiKey.FETCH, 11, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 4 * MIB,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic: WITNESS_TOPIC,
          partitions: this.fetched.map((offset, partition) => ({ partition, fetchOffset: BigInt(offset), partitionMaxBytes: MIB })),
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    });
    for (let partition = 0; partition < WITNESS_PARTITIONS; partition++) {
      const data = fetched.responses[0]?.partitions.find((d) => d.partitionIndex === partition);
      const expected = this.acked[partition]!;
      if (data?.errorCode !== ErrorCode.NONE || data.highWatermark !== BigInt(expected.length)) {
        this.problems.push(`fetch of partition ${partition}: expected error 0 and high watermark ${expected.length}, got error ${data?.errorCode} hw ${data?.highWatermark}`);
        return;
      }
      const from = this.fetched[partition]!;
      const records = decodeAll(data.records ?? Buffer.alloc(0)).filter((r) => r.offset >= BigInt(from));
      const got = records.map((r) => `${r.offset}:${r.value?.toString() ?? 'null'}`);
      const want = expected.slice(from).map((v, i) => `${from + i}:${v}`);
      if (got.join(',') !== want.join(',')) {
        this.problems.push(`fetch of partition ${partition} from ${from}: expected [${want.join(',')}], got [${got.join(',')}]`);
        return;
      }
      this.fetched[partition] = expected.length;
    }
  }
}

function witnessValue(partition: number, offset: number): string {
  return `witness-p${partition}-o${offset}`;
}

function witnessBatch(partition: number, first: number, count: number): Buffer {
  return testBatch({ count, key: (i) => `wk-${partition}-${first + i}`, value: (i) => witnessValue(partition, first + i) });
}

function bigintJson(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : Buffer.isBuffer(value) ? `<${value.length} bytes>` : value;
}

// ---------------------------------------------------------------------------------------------
// Where a partition ends

async function latestOffset(client: WireClient, topic: string, partition: number): Promise<bigint> {
  const response = await client.request(ApiKey.LIST_OFFSETS, 1, {
    replicaId: -1,
    topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp: -1n }] }],
  });
  const answer = response.topics[0]?.partitions[0];
  if (answer?.errorCode !== ErrorCode.NONE) throw new Error(`ListOffsets ${topic}-${partition}: error ${answer?.errorCode}`);
  return answer.offset;
}

// ---------------------------------------------------------------------------------------------
// Hand-written attacks

interface CloseAttack {
  readonly name: string;
  /** Written in order on one connection. */
  readonly chunks: readonly Buffer[];
  /** Must match the reason the broker logs with 'closing connection'. */
  readonly reason: RegExp;
}

/** Frames the broker must hang up on, each on its own connection. */
function framingAttacks(): CloseAttack[] {
  const metadataV1 = requestFrame(ApiKey.METADATA, 1, 7, { topics: [{ name: ATTACK_TOPIC }] });
  const lying = (declared: number, payload: Buffer): Buffer => Buffer.concat([int32(declared), payload]);
  return [
    { name: 'negative frame size -1', chunks: [lying(-1, metadataV1.subarray(4))], reason: /negative/ },
    { name: 'negative frame size INT32_MIN', chunks: [lying(-0x80000000, metadataV1.subarray(4))], reason: /negative/ },
    { name: 'frame size INT32_MAX', chunks: [lying(INT32_MAX, metadataV1.subarray(4))], reason: /limit/ },
    { name: 'frame size 200 MiB, above socket.request.max.bytes', chunks: [lying(200 * MIB, Buffer.alloc(1024))], reason: /limit/ },
    { name: 'empty frame', chunks: [int32(0)], reason: /shorter than a request header/ },
    { name: 'frame of 3 bytes', chunks: [frame(Buffer.from([0, 3, 0]))], reason: /shorter than a request header/ },
    // The rest of the frame never comes: only the idle timeout can end these.
    { name: 'size prefix larger than the bytes sent', chunks: [lying(metadataV1.length + 100, metadataV1.subarray(4))], reason: /idle/ },
    { name: 'half a size prefix', chunks: [Buffer.from([0, 0])], reason: /idle/ },
    ...Array.from({ length: 8 }, (_, i) => ({
      name: `declares 90 MiB, sends 256 KiB (#${i})`,
      chunks: [lying(90 * MIB, Buffer.alloc(256 * 1024, i))],
      reason: /idle/,
    })),
  ];
}

function headerAttacks(): CloseAttack[] {
  return [
    { name: 'client id longer than the frame', chunks: [frame(int16(ApiKey.METADATA), int16(1), int32(9), int16(0x7fff), Buffer.from('abc'))], reason: /malformed/ },
    { name: 'client id length -2', chunks: [frame(int16(ApiKey.METADATA), int16(1), int32(9), int16(-2), int32(0))], reason: /malformed/ },
    { name: 'header cut inside the correlation id', chunks: [frame(int16(ApiKey.METADATA), int16(1), int16(0))], reason: /shorter than a request header/ },
    { name: 'unknown API key 99', chunks: [frame(header(99, 0, 10), int32(0))], reason: /99/ },
    { name: 'unknown API key 1000', chunks: [frame(header(1000, 0, 11), int32(0))], reason: /1000/ },
    { name: 'API key -1', chunks: [frame(header(-1, 0, 12), int32(0))], reason: /-1/ },
    { name: 'API key 32767', chunks: [frame(header(32767, 3, 13))], reason: /32767/ },
    { name: 'SaslHandshake (17), not served', chunks: [frame(header(17, 1, 14), str('PLAIN'))], reason: /17/ },
    { name: 'LeaderAndIsr (4), broker-to-broker only', chunks: [frame(header(4, 0, 15), int32(0))], reason: /\b4\b/ },
    { name: 'Metadata v99', chunks: [frame(header(ApiKey.METADATA, 99, 16), int32(0))], reason: /version 99/ },
    { name: 'Metadata v9 (flexible, not served)', chunks: [frame(header(ApiKey.METADATA, 9, 17), Buffer.from([0, 1, 0, 0, 0]))], reason: /version 9/ },
    { name: 'Produce v-1', chunks: [frame(header(ApiKey.PRODUCE, -1, 18), int16(-1), int16(1), int32(1000), int32(0))], reason: /version -1/ },
    { name: 'Fetch v12 (flexible, not served)', chunks: [frame(header(ApiKey.FETCH, 12, 19), Buffer.alloc(32))], reason: /version 12/ },
  ];
}

/** Valid headers, bodies whose counts and lengths promise more than the frame holds. */
function bodyAttacks(): CloseAttack[] {
  const produceStart = (correlationId: number): Buffer => Buffer.concat([header(ApiKey.PRODUCE, 7, correlationId), int16(-1), int16(-1), int32(10_000)]);
  const fetchStart = (correlationId: number): Buffer =>
    Buffer.concat([header(ApiKey.FETCH, 11, correlationId), int32(-1), int32(0), int32(0), int32(MIB), Buffer.from([0]), int32(0), int32(-1)]);
  const malformed = /malformed/;
  return [
    { name: 'Metadata v1 topics count INT32_MAX', chunks: [frame(header(ApiKey.METADATA, 1, 20), int32(INT32_MAX), str('x'))], reason: malformed },
    { name: 'Metadata v1 topics count -2', chunks: [frame(header(ApiKey.METADATA, 1, 21), int32(-2))], reason: malformed },
    { name: 'Metadata v0 topics null (not nullable in v0)', chunks: [frame(header(ApiKey.METADATA, 0, 22), int32(-1))], reason: malformed },
    { name: 'Metadata v1 topic name length 0x7fff, 3 bytes present', chunks: [frame(header(ApiKey.METADATA, 1, 23), int32(1), int16(0x7fff), Buffer.from('abc'))], reason: malformed },
    { name: 'Produce v7 topicData count 2^31-1', chunks: [frame(produceStart(24), int32(INT32_MAX))], reason: malformed },
    { name: 'Produce v7 partitionData count 2^31-1', chunks: [frame(produceStart(25), int32(1), str(ATTACK_TOPIC), int32(INT32_MAX), int32(0))], reason: malformed },
    {
      name: 'Produce v7 records length 2^31-1, 61 bytes present',
      chunks: [frame(produceStart(26), int32(1), str(ATTACK_TOPIC), int32(1), int32(0), int32(INT32_MAX), Buffer.alloc(61))],
      reason: malformed,
    },
    {
      name: 'Produce v7 transactionalId length 0x7fff',
      chunks: [frame(header(ApiKey.PRODUCE, 7, 27), int16(0x7fff), Buffer.from('tx'), int16(-1), int32(1000), int32(0))],
      reason: malformed,
    },
    { name: 'Fetch v11 topics count 2^31-1', chunks: [frame(fetchStart(28), int32(INT32_MAX))], reason: malformed },
    {
      name: 'Fetch v11 forgotten partitions count 2^31-1',
      chunks: [frame(fetchStart(29), int32(0), int32(1), str(ATTACK_TOPIC), int32(INT32_MAX), int32(0))],
      reason: malformed,
    },
    {
      name: 'ListOffsets v1 partitions count 2^31-1',
      chunks: [frame(header(ApiKey.LIST_OFFSETS, 1, 30), int32(-1), int32(1), str(ATTACK_TOPIC), int32(INT32_MAX))],
      reason: malformed,
    },
    {
      name: 'CreateTopics v4 configs count 2^31-1',
      chunks: [frame(header(ApiKey.CREATE_TOPICS, 4, 31), int32(1), str('fz-never'), int32(1), int16(1), int32(0), int32(INT32_MAX), str('a'))],
      reason: malformed,
    },
    {
      // Header v2 (flexible): client id, empty tagged fields; then a compact string of length 2^32-2.
      name: 'ApiVersions v3 client software name of 2^32-2 bytes',
      chunks: [frame(int16(ApiKey.API_VERSIONS), int16(3), int32(32), str('fuzz'), Buffer.from([0]), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), Buffer.from('x'))],
      reason: malformed,
    },
    {
      name: 'ApiVersions v3 varint longer than 5 bytes',
      chunks: [frame(int16(ApiKey.API_VERSIONS), int16(3), int32(33), str('fuzz'), Buffer.from([0]), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))],
      reason: malformed,
    },
  ];
}

async function runCloseAttack(tb: TestBroker, attack: CloseAttack): Promise<string> {
  const conn = await RawConnection.connect(tb.port, tb.logs.length);
  for (const chunk of attack.chunks) conn.write(chunk);
  return `${attack.name}: ${await closeVerdict(tb, conn, attack.name, attack.reason)}`;
}

// ---------------------------------------------------------------------------------------------
// Invalid record batches inside otherwise valid Produce requests

interface BatchAttack {
  readonly name: string;
  readonly records: Buffer;
  /** Kafka's answer (KafkaApis: ProduceRequest.validateRecords, then UnifiedLog/LogValidator). */
  readonly errorCode: number;
}

function goodBatch(): Buffer {
  return testBatch({ count: 3, key: (i) => `bk-${i}`, value: (i) => `batch-value-${i}` });
}

function withCrc(batch: Buffer): void {
  batch.writeUInt32BE(crc32c(batch.subarray(BatchLayout.ATTRIBUTES)), BatchLayout.CRC);
}

function batchAttacks(): BatchAttack[] {
  const edit = (change: (b: Buffer) => void): Buffer => {
    const b = Buffer.from(goodBatch());
    change(b);
    return b;
  };
  const good = goodBatch();
  const counts = (recordsCount: number, lastOffsetDelta: number): Buffer =>
    edit((b) => {
      b.writeInt32BE(recordsCount, BatchLayout.RECORDS_COUNT);
      b.writeInt32BE(lastOffsetDelta, BatchLayout.LAST_OFFSET_DELTA);
      withCrc(b);
    });
  return [
    // Magic 0/1 parse as legacy batches, which Produce v3+ refuses with INVALID_RECORD.
    { name: 'magic 1', records: edit((b) => b.writeInt8(1, BatchLayout.MAGIC)), errorCode: ErrorCode.INVALID_RECORD },
    // A magic above 2 is "Invalid magic found in record": CorruptRecordException.
    { name: 'magic 3', records: edit((b) => b.writeInt8(3, BatchLayout.MAGIC)), errorCode: ErrorCode.CORRUPT_MESSAGE },
    { name: 'magic -1', records: edit((b) => b.writeInt8(-1, BatchLayout.MAGIC)), errorCode: ErrorCode.CORRUPT_MESSAGE },
    {
      name: 'bad CRC (a value byte flipped)',
      records: edit((b) => {
        b[b.length - 2] = b[b.length - 2]! ^ 0x01;
      }),
      errorCode: ErrorCode.CORRUPT_MESSAGE,
    },
    {
      name: 'bad CRC (the CRC field flipped)',
      records: edit((b) => {
        b[BatchLayout.CRC] = b[BatchLayout.CRC]! ^ 0x80;
      }),
      errorCode: ErrorCode.CORRUPT_MESSAGE,
    },
    // Too few bytes for the batch the header declares: no complete batch, "must have at least one record batch".
    { name: 'truncated batch (last 7 bytes cut)', records: good.subarray(0, good.length - 7), errorCode: ErrorCode.INVALID_RECORD },
    { name: 'truncated batch (header only, 40 bytes)', records: good.subarray(0, 40), errorCode: ErrorCode.INVALID_RECORD },
    { name: 'records of 10 bytes (less than a batch length field)', records: good.subarray(0, 10), errorCode: ErrorCode.INVALID_RECORD },
    { name: 'records of 0 bytes', records: Buffer.alloc(0), errorCode: ErrorCode.INVALID_RECORD },
    {
      name: 'batchLength 100 more than the bytes present',
      records: edit((b) => b.writeInt32BE(b.readInt32BE(BatchLayout.BATCH_LENGTH) + 100, BatchLayout.BATCH_LENGTH)),
      errorCode: ErrorCode.INVALID_RECORD,
    },
    { name: 'batchLength 2^30', records: edit((b) => b.writeInt32BE(0x40000000, BatchLayout.BATCH_LENGTH)), errorCode: ErrorCode.INVALID_RECORD },
    // A batch shorter than declared bytes: its CRC covers the wrong range.
    {
      name: 'batchLength 5 less than the bytes present',
      records: edit((b) => b.writeInt32BE(b.readInt32BE(BatchLayout.BATCH_LENGTH) - 5, BatchLayout.BATCH_LENGTH)),
      errorCode: ErrorCode.CORRUPT_MESSAGE,
    },
    // Below the smallest record overhead: CorruptRecordException while iterating.
    { name: 'batchLength 0', records: edit((b) => b.writeInt32BE(0, BatchLayout.BATCH_LENGTH)), errorCode: ErrorCode.CORRUPT_MESSAGE },
    { name: 'batchLength -1', records: edit((b) => b.writeInt32BE(-1, BatchLayout.BATCH_LENGTH)), errorCode: ErrorCode.CORRUPT_MESSAGE },
    // Counts with a correct CRC reach LogValidator: InvalidRecordException.
    { name: 'recordsCount 2^31-1, lastOffsetDelta 2 (CRC fixed)', records: counts(INT32_MAX, 2), errorCode: ErrorCode.INVALID_RECORD },
    // Consistent header, but the records run out: LogValidator's "premature EOF".
    { name: 'recordsCount 2^31-1 and lastOffsetDelta 2^31-2, 3 records present (CRC fixed)', records: counts(INT32_MAX, INT32_MAX - 1), errorCode: ErrorCode.INVALID_RECORD },
    { name: 'recordsCount 5 and lastOffsetDelta 4, 3 records present (CRC fixed)', records: counts(5, 4), errorCode: ErrorCode.INVALID_RECORD },
    { name: 'recordsCount -5 (CRC fixed)', records: counts(-5, 2), errorCode: ErrorCode.INVALID_RECORD },
    { name: 'baseOffset 42 from a client', records: edit((b) => b.writeBigInt64BE(42n, BatchLayout.BASE_OFFSET)), errorCode: ErrorCode.INVALID_RECORD },
  ];
}

/** Sends the batch in a Produce v8 (acks=-1) and describes the answer: `error <code>, connection open`. */
async function runBatchAttack(tb: TestBroker, attack: BatchAttack, correlationId: number): Promise<string> {
  const label = `invalid batch: ${attack.name}`;
  const conn = await RawConnection.connect(tb.port, tb.logs.length);
  const probeId = nextProbeId++;
  conn.write(
    requestFrame(ApiKey.PRODUCE, 8, correlationId, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 10_000,
      topicData: [{ name: BATCH_TOPIC, partitionData: [{ index: 0, records: attack.records }] }],
    }),
  );
  conn.write(probeFrame(probeId));
  let outcome: string;
  try {
    outcome = await settle(conn, probeId, label);
  } catch {
    outcome = 'no outcome';
  }
  const reply = conn.response(correlationId);
  await conn.destroy();
  if (outcome !== 'answered' || reply === undefined) return `${attack.name}: ${outcome}, ${reply === undefined ? 'no' : 'a'} Produce response`;
  const answer = decodeResponse(ApiKey.PRODUCE, 8, reply).body.responses[0]?.partitionResponses[0];
  const verdict = `${attack.name}: error ${answer?.errorCode}, base offset ${answer?.baseOffset}, connection open`;
  return answer?.errorCode === attack.errorCode ? verdict : `${verdict} (${answer?.errorMessage ?? 'no message'})`;
}

function expectedBatchVerdict(attack: BatchAttack): string {
  return `${attack.name}: error ${attack.errorCode}, base offset -1, connection open`;
}

// ---------------------------------------------------------------------------------------------
// Mutations of real requests (fast-check)

interface Seed {
  readonly name: string;
  /** The frame without its size prefix. */
  readonly payload: Buffer;
}

function seeds(): Seed[] {
  const batch = testBatch({ count: 2, key: (i) => `mk-${i}`, value: (i) => `mutation-seed-${i}` });
  const make = <K extends ApiKey>(name: string, apiKey: K, version: number, body: RequestInput<K>): Seed => ({
    name,
    payload: requestFrame(apiKey, version, 100 + version, body).subarray(4),
  });
  const metadataTopics = [{ name: ATTACK_TOPIC }, { name: 'fz-missing' }];
  const fetchTopics = [{ topic: ATTACK_TOPIC, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 65_536 }] }];
  const listTopics = [{ name: ATTACK_TOPIC, partitions: [{ partitionIndex: 0, timestamp: -1n }, { partitionIndex: 1, timestamp: -2n }] }];
  // validateOnly, so a mutated partition count cannot make the broker open thousands of logs.
  const createTopics = [{ name: 'fz-created', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [{ name: 'cleanup.policy', value: 'delete' }] }];
  return [
    make('Metadata v1', ApiKey.METADATA, 1, { topics: metadataTopics }),
    make('Metadata v4', ApiKey.METADATA, 4, { topics: metadataTopics, allowAutoTopicCreation: false }),
    make('Metadata v8', ApiKey.METADATA, 8, { topics: metadataTopics, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: true }),
    make('Produce v3 acks=1', ApiKey.PRODUCE, 3, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: ATTACK_TOPIC, partitionData: [{ index: 0, records: batch }] }] }),
    make('Produce v7 acks=-1', ApiKey.PRODUCE, 7, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [{ name: ATTACK_TOPIC, partitionData: [{ index: 1, records: batch }, { index: 0, records: batch }] }],
    }),
    make('Produce v8 acks=0', ApiKey.PRODUCE, 8, { transactionalId: null, acks: 0, timeoutMs: 5000, topicData: [{ name: ATTACK_TOPIC, partitionData: [{ index: 0, records: batch }] }] }),
    make('Fetch v4', ApiKey.FETCH, 4, { replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: MIB, isolationLevel: 0, topics: fetchTopics }),
    make('Fetch v11', ApiKey.FETCH, 11, { replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: MIB, isolationLevel: 1, topics: fetchTopics, forgottenTopicsData: [], rackId: 'r' }),
    make('ListOffsets v1', ApiKey.LIST_OFFSETS, 1, { replicaId: -1, topics: listTopics }),
    make('ListOffsets v5', ApiKey.LIST_OFFSETS, 5, { replicaId: -1, isolationLevel: 0, topics: listTopics }),
    make('CreateTopics v1', ApiKey.CREATE_TOPICS, 1, { topics: createTopics, timeoutMs: 5000, validateOnly: true }),
    make('CreateTopics v4', ApiKey.CREATE_TOPICS, 4, { topics: createTopics, timeoutMs: 5000, validateOnly: true }),
  ];
}

type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'set'; readonly at: number; readonly value: number }
  | { readonly kind: 'int32'; readonly at: number; readonly value: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  // Boundary values written over any 4 bytes: that is how counts and lengths start lying.
  fc.record({ kind: fc.constant('int32' as const), at: fc.nat(), value: fc.constantFrom(INT32_MAX, -1, -2, -0x80000000, 0x10000, 0x7fff, 0) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
);

function mutate(payload: Buffer, mutations: readonly Mutation[]): Buffer {
  let bytes = Buffer.from(payload);
  for (const m of mutations) {
    if (bytes.length === 0 && m.kind !== 'insert') continue;
    switch (m.kind) {
      case 'flip': {
        const at = m.at % bytes.length;
        bytes[at] = bytes[at]! ^ (1 << m.bit);
        break;
      }
      case 'set':
        bytes[m.at % bytes.length] = m.value;
        break;
      case 'int32': {
        if (bytes.length < 4) break;
        bytes.writeInt32BE(m.value, m.at % (bytes.length - 3));
        break;
      }
      case 'insert': {
        const at = m.at % (bytes.length + 1);
        bytes = Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
        break;
      }
      case 'delete': {
        const at = m.at % bytes.length;
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.length)]);
        break;
      }
    }
  }
  return bytes;
}

/** How long the broker may rightly hold the mutated request: a valid Fetch long-polls up to maxWaitMs. */
function allowedWaitMs(payload: Buffer): number {
  try {
    const request = decodeRequest(payload);
    if (request.apiKey === ApiKey.FETCH) return Math.max(0, request.body.maxWaitMs);
  } catch {
    // Not decodable: the broker has no reason to hold it.
  }
  return 0;
}

/** A valid acks=0 Produce: the one request Kafka never answers. */
function isSilent(payload: Buffer): boolean {
  try {
    const request = decodeRequest(payload);
    return request.apiKey === ApiKey.PRODUCE && request.body.acks === 0;
  } catch {
    return false;
  }
}

/** A long poll longer than this is not waited out: the connection is dropped while it waits. */
const LONGEST_POLL_WAITED_MS = 2000;

async function runMutation(tb: TestBroker, witness: Witness, seed: Seed, mutations: readonly Mutation[]): Promise<void> {
  const payload = mutate(seed.payload, mutations);
  const label = `${seed.name} mutated by ${JSON.stringify(mutations, (_k, v: unknown) => (v instanceof Uint8Array ? [...v] : v))}`;
  const conn = await RawConnection.connect(tb.port, tb.logs.length);
  const probeId = nextProbeId++;
  conn.write(frame(payload));
  conn.write(probeFrame(probeId));
  const waitMs = allowedWaitMs(payload);
  let outcome: 'closed' | 'answered' | 'long-poll';
  if (waitMs > LONGEST_POLL_WAITED_MS) {
    try {
      outcome = await settle(conn, probeId, label, LONGEST_POLL_WAITED_MS);
    } catch {
      outcome = 'long-poll';
    }
  } else {
    outcome = await settle(conn, probeId, label, ATTACK_DEADLINE_MS + waitMs);
  }
  if (outcome === 'closed') {
    if (!conn.closedByBroker) throw new Error(`${label}: closed, but not by the broker`);
    await waitFor(() => closingLinesFor(tb, conn).length > 0, { timeoutMs: 2000, describe: () => `${label}: a 'closing connection' log line` });
    const lines = closingLinesFor(tb, conn).length;
    if (lines !== 1) throw new Error(`${label}: ${lines} 'closing connection' lines for one connection`);
  } else {
    const lines = closingLinesFor(tb, conn).length;
    if (lines !== 0) throw new Error(`${label}: answered, yet ${lines} 'closing connection' lines`);
  }
  if (outcome === 'answered') {
    // The probe's answer came, so the mutated request was dealt with: exactly one answer to it
    // (none for an acks=0 produce). A request skipped in silence would leave its client waiting forever.
    const probe = conn.response(probeId)!;
    if (decodeResponse(ApiKey.API_VERSIONS, 0, probe).body.errorCode !== ErrorCode.NONE) throw new Error(`${label}: the ApiVersions probe after it failed`);
    const answers = conn.frames.filter((f) => f !== probe).map((f) => f.readInt32BE(0));
    const expected = isSilent(payload) ? [] : [payload.readInt32BE(4)];
    if (answers.join() !== expected.join()) throw new Error(`${label}: answers with correlation ids [${answers.join()}], expected [${expected.join()}]`);
  }
  await conn.destroy();
  await witness.oneMoreRound(label);
}

// ---------------------------------------------------------------------------------------------

test('malformed and hostile input never hangs, crashes or corrupts the broker, and a witness client is never disturbed', async (t) => {
  const tb = await startTestBroker(t, { autoCreateTopics: false, connectionsMaxIdleMs: IDLE_MS });
  const admin = await WireClient.connect(tb.port);
  t.teardown(() => {
    admin.close();
  });
  await createTopic(admin, WITNESS_TOPIC, WITNESS_PARTITIONS);
  await createTopic(admin, ATTACK_TOPIC, 2);
  await createTopic(admin, BATCH_TOPIC, 1);
  const setup = await admin.request(ApiKey.PRODUCE, 7, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 10_000,
    topicData: [{ name: BATCH_TOPIC, partitionData: [{ index: 0, records: goodBatch() }] }],
  });
  t.is(setup.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NONE, 'the valid batch is accepted');
  // Idle connections are closed after IDLE_MS: every later check opens its own.
  admin.close();

  const memory = { rss: 0, heap: 0, external: 0 };
  const sample = (): void => {
    const usage = process.memoryUsage();
    memory.rss = Math.max(memory.rss, usage.rss);
    memory.heap = Math.max(memory.heap, usage.heapUsed);
    memory.external = Math.max(memory.external, usage.external);
  };
  const baseline = process.memoryUsage();
  const sampler = setInterval(sample, 10);
  t.teardown(() => {
    clearInterval(sampler);
  });

  const witnessClient = await WireClient.connect(tb.port);
  t.teardown(() => {
    witnessClient.close();
  });
  const witness = new Witness(witnessClient);
  witness.start();
  await witness.oneMoreRound('before the attacks');

  // Each phase records what happened; the assertions come at the end, so one deviation does
  // not hide the others (a failed ava assertion ends the test).

  // 1. Framing, header and body attacks: each on its own connection, all at once.
  const closeAttacks = [...framingAttacks(), ...headerAttacks(), ...bodyAttacks()];
  const closeVerdicts = await Promise.all(closeAttacks.map((attack) => runCloseAttack(tb, attack)));
  await witness.oneMoreRound('after the framing, header and body attacks');

  // 2. Truncated frames, then the client hangs up: the broker just forgets the connection.
  const truncated = await Promise.all(
    seeds().flatMap((seed) => {
      const whole = frame(seed.payload);
      return [1, 4, 9, whole.length >> 1, whole.length - 1].map(async (cut) => {
        const conn = await RawConnection.connect(tb.port, tb.logs.length);
        conn.write(whole.subarray(0, cut));
        await conn.end();
        return `${seed.name} cut to ${cut} of ${whole.length} bytes: ${conn.frames.length} answers, ${closingLinesFor(tb, conn).length <= 1 ? 'logged at most once' : 'logged twice or more'}`;
      });
    }),
  );
  await witness.oneMoreRound('after the truncated frames');

  // 3. ApiVersions with a version the broker does not know: Kafka answers in the v0 layout with error 35.
  const apiVersionsVerdicts: string[] = [];
  for (const version of [99, -1, 0x7fff]) {
    const conn = await RawConnection.connect(tb.port, tb.logs.length);
    const probeId = nextProbeId++;
    conn.write(frame(header(ApiKey.API_VERSIONS, version, 40)));
    conn.write(probeFrame(probeId));
    let outcome: string;
    try {
      outcome = await settle(conn, probeId, `ApiVersions v${version}`);
    } catch {
      outcome = 'no outcome';
    }
    const answer = conn.response(40);
    const body = answer === undefined ? undefined : decodeResponse(ApiKey.API_VERSIONS, 0, answer).body;
    const listsProduce = body?.apiKeys.some((k) => k.apiKey === ApiKey.PRODUCE && k.minVersion === 0) === true;
    apiVersionsVerdicts.push(`ApiVersions v${version}: ${outcome}, error ${body?.errorCode}, ${listsProduce ? 'lists Produce from v0' : 'no Produce range'}`);
    await conn.destroy();
  }

  // 4. Invalid record batches in valid Produce requests: an error per partition, nothing appended.
  const batchList = batchAttacks();
  const batchVerdicts: string[] = [];
  let correlationId = 1000;
  for (const attack of batchList) batchVerdicts.push(await runBatchAttack(tb, attack, correlationId++));
  let acksZeroVerdict: string;
  {
    // With acks=0 the client cannot read an error, so Kafka hangs up instead.
    const conn = await RawConnection.connect(tb.port, tb.logs.length);
    const bad = Buffer.from(goodBatch());
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff;
    conn.write(requestFrame(ApiKey.PRODUCE, 7, 2000, { transactionalId: null, acks: 0, timeoutMs: 1000, topicData: [{ name: BATCH_TOPIC, partitionData: [{ index: 0, records: bad }] }] }));
    acksZeroVerdict = await closeVerdict(tb, conn, 'invalid batch with acks=0', /acks=0/);
  }
  const checker = await WireClient.connect(tb.port);
  const batchTopicEnd = await latestOffset(checker, BATCH_TOPIC, 0);
  let batchTopicRecords: string[];
  try {
    batchTopicRecords = (await readPartition(checker, BATCH_TOPIC, 0)).records.map((r) => `${r.offset}:${r.value?.toString() ?? 'null'}`);
  } catch (error) {
    batchTopicRecords = [`unreadable: ${error instanceof Error ? error.message : String(error)}`];
  }
  checker.close();
  await witness.oneMoreRound('after the invalid batches');

  // 5. Random bytes, many connections at once: each ends closed (bad frame, or idle with a partial one).
  const noise = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 4096 }), 24);
  const noiseVerdicts = await Promise.all(
    noise.map(async (bytes, i) => {
      const label = `random bytes #${i} (${bytes.length} bytes, prefix ${Buffer.from(bytes.subarray(0, 4)).toString('hex')})`;
      const conn = await RawConnection.connect(tb.port, tb.logs.length);
      conn.write(Buffer.from(bytes));
      return `${label}: ${await closeVerdict(tb, conn, label, undefined, { ignoreAnswers: true })}`;
    }),
  );
  await witness.oneMoreRound('after the random bytes');

  // 6. Mutations of real requests: an answer to the probe that follows, or a closed connection.
  const allSeeds = seeds();
  let fuzzFailure: string | undefined;
  try {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: allSeeds.length - 1 }), fc.array(mutationArb, { minLength: 1, maxLength: 6 }), async (index, mutations) => {
        await runMutation(tb, witness, allSeeds[index]!, mutations);
      }),
      { numRuns: 200, endOnFailure: true },
    );
  } catch (error) {
    // fast-check's message names the counterexample and seed; the cause says what went wrong.
    const cause = error instanceof Error && error.cause instanceof Error ? `\ncaused by: ${error.cause.message}` : '';
    fuzzFailure = `${error instanceof Error ? error.message : String(error)}${cause}`;
  }

  // Afterwards: every witness record intact, in order, and nothing else in its topic.
  await witness.stop();
  const witnessRecords: string[][] = [];
  const witnessEnds: bigint[] = [];
  for (let p = 0; p < WITNESS_PARTITIONS; p++) {
    const { records, highWatermark } = await readPartition(witnessClient, WITNESS_TOPIC, p);
    witnessRecords.push(records.map((r) => `${r.offset}:${r.key?.toString() ?? 'null'}:${r.value?.toString() ?? 'null'}`));
    witnessEnds.push(highWatermark, await latestOffset(witnessClient, WITNESS_TOPIC, p));
  }

  // Every attack connection is gone; none was logged as closed twice.
  let stillConnected = 0;
  try {
    await waitFor(() => tb.broker.connectionCount === 1, { timeoutMs: 10_000 });
  } catch {
    stillConnected = tb.broker.connectionCount;
  }
  const closes = new Map<unknown, number>();
  for (const line of tb.logs) if (line.msg === 'closing connection') closes.set(line['connection'], (closes.get(line['connection']) ?? 0) + 1);

  sample();
  clearInterval(sampler);
  const growth = { rss: memory.rss - baseline.rss, heap: memory.heap - baseline.heapUsed, external: memory.external - baseline.external };
  t.log(
    `memory growth: rss ${(growth.rss / MIB).toFixed(1)} MiB, heap ${(growth.heap / MIB).toFixed(1)} MiB, external ${(growth.external / MIB).toFixed(1)} MiB; ` +
      `witness rounds ${witness.rounds}; connections closed by the broker ${closes.size}`,
  );

  t.deepEqual(closeVerdicts, closeAttacks.map((a) => `${a.name}: ${CLOSED_ONCE}`), 'framing, header and body attacks');
  t.deepEqual(truncated.filter((v) => !v.endsWith(': 0 answers, logged at most once')), [], 'truncated frames');
  t.deepEqual(apiVersionsVerdicts, [99, -1, 0x7fff].map((v) => `ApiVersions v${v}: answered, error ${ErrorCode.UNSUPPORTED_VERSION}, lists Produce from v0`), 'unsupported ApiVersions versions');
  t.is(acksZeroVerdict, CLOSED_ONCE, 'an invalid batch with acks=0 closes the connection');
  t.deepEqual(noiseVerdicts.filter((v) => !v.endsWith(`: ${CLOSED_ONCE}`)), [], 'random bytes');
  t.is(fuzzFailure, undefined, 'every mutated request was answered or its connection closed, and the witness carried on');

  t.deepEqual(witness.problems, [], 'the witness saw only correct answers');
  t.false(witnessClient.isClosed, 'the witness connection was never dropped');
  t.true(witness.rounds > 20, `the witness kept working throughout (${witness.rounds} rounds)`);
  t.deepEqual(
    witnessRecords,
    witness.acked.map((values, p) => values.map((v, i) => `${i}:wk-${p}-${i}:${v}`)),
    `${WITNESS_TOPIC}: every acknowledged record, in order, nothing else`,
  );
  t.deepEqual(witnessEnds, witness.acked.flatMap((values) => [BigInt(values.length), BigInt(values.length)]), `${WITNESS_TOPIC}: high watermark and latest offset = acknowledged records`);

  t.is(stillConnected, 0, 'only the witness connection remains');
  t.deepEqual([...closes].filter(([, count]) => count > 1), [], 'no connection id logged "closing connection" more than once');
  t.true(memory.rss - baseline.rss < MEMORY_BUDGET, `rss grew by ${(growth.rss / MIB).toFixed(1)} MiB`);
  t.true(memory.heap - baseline.heapUsed < MEMORY_BUDGET, `heap grew by ${(growth.heap / MIB).toFixed(1)} MiB`);
  t.true(memory.external - baseline.external < MEMORY_BUDGET, `external memory grew by ${(growth.external / MIB).toFixed(1)} MiB`);

  // Last, because these name known deviations from Kafka's error codes (see the table).
  t.deepEqual(batchVerdicts, batchList.map(expectedBatchVerdict), 'invalid record batches get Kafka\'s error codes');
  t.is(batchTopicEnd, BATCH_TOPIC_RECORDS, `${BATCH_TOPIC}: the invalid batches appended nothing`);
  t.deepEqual(batchTopicRecords, ['0:batch-value-0', '1:batch-value-1', '2:batch-value-2'], `${BATCH_TOPIC}: only the valid batch is stored`);
});
