/**
 * The worker's side of reading written records back: the marks stored with the source offsets
 * say where each output partition's uncovered records begin, and a restarted task's tail starts
 * there and yields headers converted back.
 */
import test from 'ava';
import { pino } from 'pino';
import type { ProducerRecord, RecordMetadata } from '../../../../client/index.ts';
import type { SourceRecord, SourceTask, SourceTaskContext } from '../../../../connect/api/index.ts';
import { Schemas } from '../../../../connect/api/index.ts';
import { MemoryTopicLogFactory } from '../../../../connect/runtime/storage/memory-topic-log.ts';
import { OffsetStore } from '../../../../connect/runtime/storage/offset-store.ts';
import type { WorkerSourceTask } from '../../../../connect/runtime/worker-source-task.ts';
import { connectorWrittenMarks } from '../../../../connect/runtime/written-marks.ts';
import type { ReadWrittenRecords, WrittenRecord } from '../../../../connect/runtime/written-record-reader.ts';
import { pollUntil, waitFor } from '../../../helpers/wait-for.ts';
import { sourceWorkerTask } from './worker-task-fixtures.ts';

const logger = pino({ level: 'silent' });

/**
 * Assigns offsets per partition in send order; acks of a partition in `held` wait for
 * release() (a real producer acknowledges a partition's records in order, so a held partition
 * holds all of its records).
 */
class FakeProducer {
  readonly sent: { record: ProducerRecord; partition: number; offset: bigint }[] = [];
  readonly held = new Set<number>();
  private readonly waiting: (() => void)[] = [];
  waitForRoom(): Promise<void> {
    return Promise.resolve();
  }
  send(record: ProducerRecord): Promise<RecordMetadata> {
    const partition = record.partition ?? 0;
    const offset = BigInt(this.sent.filter((s) => s.partition === partition).length);
    const metadata = { topic: record.topic, partition, offset, timestamp: 0n };
    this.sent.push({ record, partition, offset });
    if (!this.held.has(partition)) return Promise.resolve(metadata);
    return new Promise((resolve) => this.waiting.push(() => { resolve(metadata); }));
  }
  readonly waitingRecords = 0;
  /** As the real one: each record acknowledged on its own (onRecord), the promise once all are. */
  sendBatch(records: readonly ProducerRecord[], onRecord?: (index: number, metadata: RecordMetadata) => void): Promise<RecordMetadata[]> {
    return Promise.all(
      records.map(async (r, i) => {
        const metadata = await this.send(r);
        onRecord?.(i, metadata);
        return metadata;
      }),
    );
  }
  release(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Emits the given records once; on start, reads the tail and reports where it resumed. */
class ScriptedTask implements SourceTask {
  context: SourceTaskContext | undefined;
  tail: { partition: number; offset: bigint; headers: unknown[] }[] = [];
  private readonly records: SourceRecord[];
  private readonly resume: boolean;
  constructor(records: SourceRecord[], resume: boolean) {
    this.records = records;
    this.resume = resume;
  }
  version(): string {
    return '1';
  }
  initialize(context: SourceTaskContext): void {
    this.context = context;
  }
  async start(): Promise<void> {
    const reader = this.context!.writtenRecordReader!;
    for await (const r of reader.tail('out')) this.tail.push({ partition: r.kafkaPartition, offset: r.kafkaOffset, headers: r.headers.map((h) => [h.key, h.value]) });
    if (this.resume && this.tail.length > 0) reader.resumedAt?.([{ partition: { file: 'a' }, offset: { position: 99 } }]);
  }
  poll(): Promise<SourceRecord[] | null> {
    return Promise.resolve(this.records.splice(0));
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
}

function record(file: string, position: number, kafkaPartition = 0): SourceRecord {
  return {
    sourcePartition: { file },
    sourceOffset: { position },
    topic: 'out',
    kafkaPartition,
    keySchema: null,
    key: null,
    valueSchema: Schemas.STRING,
    value: `${file}@${position}`,
    timestamp: null,
    headers: [{ key: 'pos', schema: Schemas.STRING, value: `${file}@${position}` }],
  };
}

function workerTask(task: SourceTask, producer: FakeProducer, offsetStore: OffsetStore, readWritten: ReadWrittenRecords): WorkerSourceTask {
  return sourceWorkerTask({ task, producer, offsetStore, readWritten });
}

/** A reader over what the fake producer sent, remembering where it was asked to start. */
function readerOver(producer: FakeProducer, asked: Map<string, bigint>[]): ReadWrittenRecords {
  return async function* read(_topic, from) {
    asked.push(new Map(from));
    for (const { record: r, partition, offset } of producer.sent) {
      if (offset < (from.get(`out:${partition}`) ?? 0n)) continue;
      // The worker sends headers as an array of buffers.
      const headers = (r.headers ?? []) as readonly { key: string; value: Buffer | null }[];
      const written: WrittenRecord = { partition, offset, headers };
      yield written;
    }
  };
}

test('the stored mark is the first acknowledged record the stored offsets do not cover, and a tail starts there', async (t) => {
  const logs = new MemoryTopicLogFactory();
  const store = new OffsetStore(logs.open('connect-offsets', 1), logger);
  await store.start();
  const producer = new FakeProducer();
  // b@2 goes to partition 1, whose acks wait: b@3 after it, in partition 0, is acknowledged
  // but not covered by stored offsets.
  producer.held.add(1);
  const first = new ScriptedTask([record('a', 1), record('b', 2, 1), record('b', 3), record('a', 4)], false);
  const asked: Map<string, bigint>[] = [];
  const running = workerTask(first, producer, store, readerOver(producer, asked));
  running.start();
  await waitFor(() => producer.sent.length === 4);
  await running.commitOffsets();
  t.deepEqual(connectorWrittenMarks(await store.list('c')), new Map([['out:0', 1n]]));
  t.deepEqual(await store.get('c', { file: 'a' }), { position: 4 });
  t.is(await store.get('c', { file: 'b' }), null);
  // Once b@2 and b@3 are covered, the mark moves past everything written.
  producer.release();
  const covered = await pollUntil(
    async () => {
      await running.commitOffsets();
      return store.get('c', { file: 'b' });
    },
    (offset) => offset !== null,
    'the offsets of b once its records are acknowledged',
  );
  t.deepEqual(covered, { position: 3 });
  t.deepEqual(connectorWrittenMarks(await store.list('c')), new Map([['out:0', 3n], ['out:1', 1n]]));
  producer.held.clear();
  await running.stop();

  // A restarted task reads from the mark, with headers converted back.
  const second = new ScriptedTask([], false);
  const restarted = workerTask(second, producer, store, readerOver(producer, asked));
  restarted.start();
  await waitFor(() => asked.length === 2);
  t.deepEqual(asked[1], new Map([['out:0', 3n], ['out:1', 1n]]));
  t.deepEqual(second.tail, []);
  await restarted.stop();
});

test('records read back hold the mark until the task says where it resumed and that is stored', async (t) => {
  const logs = new MemoryTopicLogFactory();
  const store = new OffsetStore(logs.open('connect-offsets', 1), logger);
  await store.start();
  const producer = new FakeProducer();
  // Written by a task killed before any flush: no marks, no offsets.
  producer.sent.push({ record: { topic: 'out', value: 'a@1', headers: [{ key: 'pos', value: Buffer.from('a@1') }] }, partition: 0, offset: 0n });
  const asked: Map<string, bigint>[] = [];

  const holding = new ScriptedTask([record('b', 5)], false);
  let running = workerTask(holding, producer, store, readerOver(producer, asked));
  running.start();
  await waitFor(() => producer.sent.length === 2);
  t.deepEqual(holding.tail, [{ partition: 0, offset: 0n, headers: [['pos', 'a@1']] }]);
  await running.stop();
  // Nothing said which source position a@1 belongs to: the next tail must see it again.
  t.deepEqual(connectorWrittenMarks(await store.list('c')), new Map([['out:0', 0n]]));

  const resuming = new ScriptedTask([record('b', 6)], true);
  running = workerTask(resuming, producer, store, readerOver(producer, asked));
  running.start();
  await waitFor(() => producer.sent.length === 3);
  await running.stop();
  t.deepEqual(await store.get('c', { file: 'a' }), { position: 99 });
  t.deepEqual(connectorWrittenMarks(await store.list('c')), new Map([['out:0', 3n]]));
  // The worker's marks are not connector offsets: GET /offsets leaves them out (herder), and
  // they sit under their own source partition.
  t.true((await store.list('c')).some((s) => Object.keys(s.partition).some((k) => k.startsWith('brook.'))));
});
