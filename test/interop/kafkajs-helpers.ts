/**
 * What the kafkajs 2.2.4 interop tests share: kafkajs clients that disconnect when the test ends,
 * and a partition read back over a bare connection through the project's own codec (Fetch v11,
 * record batches decoded as stored), in a form that compares with what kafkajs was given.
 */
import type { ExecutionContext } from 'ava';
import { Kafka, logLevel } from 'kafkajs';
import type { Admin, Consumer, ConsumerConfig, Producer, ProducerConfig } from 'kafkajs';
import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import { decodeRecordBatch, iterateBatches } from '../../core/records/index.ts';
import type { BatchHeader, Record as StoredRecord } from '../../core/records/index.ts';
import { WireClient } from '../helpers/kafka-wire.ts';

export const READ_UNCOMMITTED = 0;

// ---------------------------------------------------------------------------------------------
// kafkajs clients, each disconnected when the test ends.

/** A kafkajs client with quick, bounded retries (a broker bug fails the test instead of hanging it). */
export function kafkaClient(bootstrap: string, clientId = 'brook-interop', retries = 5): Kafka {
  return new Kafka({
    clientId,
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 50, maxRetryTime: 1000, retries },
  });
}

export async function connectedAdmin(t: ExecutionContext, kafka: Kafka): Promise<Admin> {
  const admin = kafka.admin();
  t.teardown(() => admin.disconnect());
  await admin.connect();
  return admin;
}

export async function connectedProducer(t: ExecutionContext, kafka: Kafka, config: ProducerConfig = {}): Promise<Producer> {
  const producer = kafka.producer({ allowAutoTopicCreation: false, ...config });
  t.teardown(() => producer.disconnect());
  await producer.connect();
  return producer;
}

/** A connected kafkajs consumer (not yet subscribed or running), disconnected when the test ends. */
export async function connectedConsumer(t: ExecutionContext, kafka: Kafka, config: ConsumerConfig): Promise<Consumer> {
  const consumer = kafka.consumer(config);
  t.teardown(() => consumer.disconnect());
  await consumer.connect();
  return consumer;
}

export const byPartition = (a: { partition: number }, b: { partition: number }): number => a.partition - b.partition;

// ---------------------------------------------------------------------------------------------
// The project's own codec over a bare connection.

export interface StoredBatch {
  readonly header: BatchHeader;
  readonly records: StoredRecord[];
}

/** A bare connection, closed when the test ends. */
export async function wireClient(t: ExecutionContext, port: number): Promise<WireClient> {
  const client = await WireClient.connect(port);
  t.teardown(() => {
    client.close();
  });
  return client;
}

/** Every batch of a partition from offset 0 to the high watermark, decoded by core/records. */
export async function wireBatches(client: WireClient, topic: string, partition: number): Promise<StoredBatch[]> {
  const out: StoredBatch[] = [];
  for (let next = 0n; ; ) {
    const response = await client.request(ApiKey.FETCH, 11, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: READ_UNCOMMITTED,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition, fetchOffset: next, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [],
      rackId: '',
    });
    const p = response.responses[0]?.partitions[0];
    if (p === undefined) throw new Error(`no fetch response for ${topic}-${partition}`);
    if (p.errorCode !== ErrorCode.NONE) throw new Error(`fetch ${topic}-${partition}@${next}: error ${p.errorCode}`);
    const bytes = p.records ?? Buffer.alloc(0);
    const before = next;
    for (const { pos, size } of iterateBatches(bytes)) {
      const batch = decodeRecordBatch(bytes.subarray(pos, pos + size));
      out.push(batch);
      next = batch.header.baseOffset + BigInt(batch.header.lastOffsetDelta) + 1n;
    }
    if (next >= p.highWatermark) return out;
    if (next === before) throw new Error(`fetch ${topic}-${partition}@${next} returned no batch below the high watermark ${p.highWatermark}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Comparable forms: bytes as strings (hex by default), so diffs are readable and bytes compare exactly.

export interface ComparableRecord {
  offset: string;
  key: string | null;
  value: string | null;
  headers: { key: string; value: string | null }[];
}

/** The records of stored batches, bytes written out in `encoding`. */
export function fromWire(batches: StoredBatch[], encoding: BufferEncoding = 'hex'): ComparableRecord[] {
  const text = (b: Buffer | null): string | null => (b === null ? null : b.toString(encoding));
  return batches.flatMap((b) =>
    b.records.map((r) => ({
      offset: r.offset.toString(),
      key: text(r.key),
      value: text(r.value),
      headers: r.headers.map((h) => ({ key: h.key, value: text(h.value) })),
    })),
  );
}
