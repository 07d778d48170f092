/**
 * Per-record error handling of the worker's tasks: a record whose conversion fails is retried,
 * then (errors.tolerance=all) reported and skipped, while the records around it go through
 * and their offsets still move. A bad record is a value the test's converter refuses.
 */
import test from 'ava';
import { systemScheduler } from '../../../../core/base/index.ts';
import type { Consumer, ConsumerBatch } from '../../../../client/index.ts';
import type { Converter, SchemaAndValue, SinkRecord, SinkTask, SourceRecord } from '../../../../connect/api/index.ts';
import { Schemas, dataError } from '../../../../connect/api/index.ts';
import { SimpleHeaderConverter } from '../../../../connect/runtime/converters/simple-header-converter.ts';
import { StringConverter } from '../../../../connect/runtime/converters/string-converter.ts';
import { RetryWithToleranceOperator } from '../../../../connect/runtime/errors/retry-with-tolerance.ts';
import { MemoryTopicLogFactory } from '../../../../connect/runtime/storage/memory-topic-log.ts';
import { OffsetStore } from '../../../../connect/runtime/storage/offset-store.ts';
import { TransformationChain } from '../../../../connect/runtime/transforms/transformation-chain.ts';
import { WorkerSinkTask } from '../../../../connect/runtime/worker-sink-task.ts';
import { waitFor } from '../../../helpers/wait-for.ts';
import { AckingProducer, QueuedSourceTask, collectingReporter, ignoringListener, silentLogger, sourceWorkerTask } from './worker-task-fixtures.ts';

const logger = silentLogger;
const listener = ignoringListener;

/** StringConverter that refuses the text "bad" both ways. */
class PickyConverter extends StringConverter implements Converter {
  override fromConnectData(topic: string, schema: SourceRecord['valueSchema'], value: unknown): Uint8Array | null {
    if (value === 'bad') throw dataError('bad value');
    return super.fromConnectData(topic, schema, value);
  }
  override toConnectData(topic: string, value: Uint8Array | null): SchemaAndValue {
    if (value?.toString() === 'bad') throw dataError('bad bytes');
    return super.toConnectData(topic, value);
  }
}

const converters = () => ({ key: new StringConverter(), value: new PickyConverter(), header: new SimpleHeaderConverter(), keyClass: 'k', valueClass: 'PickyConverter', headerClass: 'h' });

/** One record per line on topic out, offsets counting lines from 1, polled all at once. */
function linesTask(lines: string[]): QueuedSourceTask {
  const partition = { file: 'f' };
  return new QueuedSourceTask(
    lines.map((value, i) => ({
      sourcePartition: partition,
      sourceOffset: { line: i + 1 },
      topic: 'out',
      kafkaPartition: null,
      keySchema: null,
      key: null,
      valueSchema: Schemas.STRING,
      value,
      timestamp: null,
      headers: [{ key: 'n', schema: Schemas.INT64, value: i + 1 }],
    })),
  );
}

test('source: a record the value converter refuses goes to the DLQ, the others are produced, and the offset passes it', async (t) => {
  const store = new OffsetStore(new MemoryTopicLogFactory().open('connect-offsets', 1), logger);
  await store.start();
  const producer = new AckingProducer();
  const dlq = collectingReporter();
  const task = sourceWorkerTask({
    task: linesTask(['one', 'bad', 'three']),
    producer,
    converters: converters(),
    operator: new RetryWithToleranceOperator({ retryTimeoutMs: 0, retryDelayMaxMs: 0, tolerance: 'all' }, systemScheduler, [dlq]),
    offsetStore: store,
  });
  task.start();
  await waitFor(() => producer.sent.length === 2);
  await task.stop();
  t.deepEqual(
    producer.sent.map((r) => [String(r.value), (r.headers as { key: string; value: Buffer }[]).map((h) => `${h.key}=${h.value.toString()}`)]),
    [
      ['one', ['n=1']],
      ['three', ['n=3']],
    ],
  );
  t.is(dlq.seen.length, 1);
  t.is(dlq.seen[0]!.stage, 'VALUE_CONVERTER');
  t.is((dlq.seen[0]!.record as SourceRecord).value, 'bad');
  t.deepEqual(await store.get('c', { file: 'f' }), { line: 3 });
});

/** Yields the given batches, then waits until closed; records what was committed. */
class ScriptedConsumer {
  readonly committed: { topic: string; partition: number; offset: bigint }[][] = [];
  private readonly batches: ConsumerBatch[];
  private closed = false;
  private wake: (() => void) | undefined;
  constructor(batches: ConsumerBatch[]) {
    this.batches = batches;
  }
  on(): void {}
  subscribe(): void {}
  connect(): Promise<void> {
    return Promise.resolve();
  }
  assignment(): { topic: string; partition: number }[] {
    return [{ topic: 'in', partition: 0 }];
  }
  pause(): void {}
  resume(): void {}
  seek(): void {}
  commit(offsets: { topic: string; partition: number; offset: bigint }[]): Promise<void> {
    this.committed.push(offsets);
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    return Promise.resolve();
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumerBatch> {
    for (const batch of this.batches) yield batch;
    while (!this.closed) await new Promise<void>((resolve) => (this.wake = resolve));
  }
}

test('sink: a record the value converter refuses goes to the DLQ with its original bytes; put gets the rest and the commit passes it', async (t) => {
  const bytes = (text: string): Buffer => Buffer.from(text);
  const consumer = new ScriptedConsumer([
    {
      topic: 'in',
      partition: 0,
      highWatermark: 3n,
      records: ['one', 'bad', 'three'].map((text, i) => ({ offset: BigInt(i), key: null, value: bytes(text), headers: [{ key: 'h', value: bytes(`#${i}`) }], timestamp: 1000n })),
    },
  ]);
  const collected = { put: [] as SinkRecord[][], flushed: 0 };
  const sink: SinkTask = {
    initialize: () => undefined,
    start: () => Promise.resolve(),
    put: (records) => {
      collected.put.push([...records]);
    },
    flush: () => {
      collected.flushed++;
      return Promise.resolve();
    },
    stop: () => Promise.resolve(),
  };
  const dlq = collectingReporter();
  const task = new WorkerSinkTask({
    id: { connector: 'c', task: 0 },
    task: sink,
    taskConfig: {},
    consumer: consumer as unknown as Consumer,
    topics: ['in'],
    converters: converters(),
    transforms: new TransformationChain([]),
    operator: new RetryWithToleranceOperator({ retryTimeoutMs: 0, retryDelayMaxMs: 0, tolerance: 'all' }, systemScheduler, [dlq]),
    listener,
    scheduler: systemScheduler,
    logger,
    offsetFlushIntervalMs: 60_000,
    startPaused: false,
  });
  task.start();
  await waitFor(() => collected.put.length === 1);
  await task.stop();
  t.deepEqual(
    collected.put[0]!.map((r) => [r.value, r.kafkaOffset, r.headers.map((h) => `${h.key}=${String(h.value)}`)]),
    [
      ['one', 0n, ['h=#0']],
      ['three', 2n, ['h=#2']],
    ],
  );
  t.is(dlq.seen.length, 1);
  t.is(dlq.seen[0]!.stage, 'VALUE_CONVERTER');
  t.is(dlq.seen[0]!.consumed?.offset, 1n);
  t.is(dlq.seen[0]!.consumed?.value?.toString(), 'bad');
  // Flushed before the commit, which passes every record of the batch.
  t.is(collected.flushed, 1);
  t.deepEqual(consumer.committed, [[{ topic: 'in', partition: 0, offset: 3n }]]);
});
