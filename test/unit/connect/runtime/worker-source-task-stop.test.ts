/**
 * Stopping a source task while a periodic offset flush is still storing: the last flush must
 * cover the records acknowledged after that flush took its offsets, or a restart repeats them.
 */
import test from 'ava';
import { pino } from 'pino';
import { systemScheduler } from '../../../../core/base/index.ts';
import type { Producer, ProducerRecord, RecordMetadata } from '../../../../client/index.ts';
import type { SourceOffset, SourcePartition, SourceRecord, SourceTask } from '../../../../connect/api/index.ts';
import { Schemas } from '../../../../connect/api/index.ts';
import { SimpleHeaderConverter } from '../../../../connect/runtime/converters/simple-header-converter.ts';
import { StringConverter } from '../../../../connect/runtime/converters/string-converter.ts';
import { RetryWithToleranceOperator } from '../../../../connect/runtime/errors/retry-with-tolerance.ts';
import { MemoryTopicLogFactory } from '../../../../connect/runtime/storage/memory-topic-log.ts';
import { OffsetStore } from '../../../../connect/runtime/storage/offset-store.ts';
import { TransformationChain } from '../../../../connect/runtime/transforms/transformation-chain.ts';
import { WorkerSourceTask } from '../../../../connect/runtime/worker-source-task.ts';
import { waitFor } from '../../../helpers/wait-for.ts';

const logger = pino({ level: 'silent' });

/** Acknowledges every record at once, with offsets in send order. */
class AckingProducer {
  sent = 0;
  /** stop() flushes the producer right before it stores the last offsets. */
  flushed = false;
  sendBatch(records: readonly ProducerRecord[], onRecord?: (index: number, metadata: RecordMetadata) => void): Promise<RecordMetadata[]> {
    const all = records.map((r, i) => {
      const metadata = { topic: r.topic, partition: 0, offset: BigInt(this.sent++), timestamp: 0n };
      onRecord?.(i, metadata);
      return metadata;
    });
    return Promise.resolve(all);
  }
  waitForRoom(): Promise<void> {
    return Promise.resolve();
  }
  flush(): Promise<void> {
    this.flushed = true;
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Polls whatever the test queued. */
class QueuedTask implements SourceTask {
  readonly queue: SourceRecord[] = [];
  version(): string {
    return '1';
  }
  initialize(): void {}
  start(): Promise<void> {
    return Promise.resolve();
  }
  poll(): Promise<SourceRecord[] | null> {
    return Promise.resolve(this.queue.splice(0));
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
}

/** An offset store whose next write waits until the test opens the gate. */
class GatedOffsetStore extends OffsetStore {
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  writing = false;
  closeGate(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }
  openGate(): void {
    this.open?.();
    this.gate = undefined;
  }
  override async set(connector: string, entries: readonly { partition: SourcePartition; offset: SourceOffset | null }[]): Promise<void> {
    const gate = this.gate;
    if (gate !== undefined) {
      this.writing = true;
      await gate;
    }
    await super.set(connector, entries);
  }
}

function line(position: number): SourceRecord {
  return { sourcePartition: { file: 'a' }, sourceOffset: { position }, topic: 'out', kafkaPartition: null, keySchema: null, key: null, valueSchema: Schemas.STRING, value: `a@${position}`, timestamp: null, headers: [] };
}

test('stop() waits for a flush under way, then stores the offsets of the records acknowledged since', async (t) => {
  const store = new GatedOffsetStore(new MemoryTopicLogFactory().open('connect-offsets', 1), logger);
  await store.start();
  const producer = new AckingProducer();
  const task = new QueuedTask();
  const running = new WorkerSourceTask({
    id: { connector: 'c', task: 0 },
    task,
    taskConfig: {},
    producer: producer as unknown as Producer,
    converters: { key: new StringConverter(), value: new StringConverter(), header: new SimpleHeaderConverter(), keyClass: 'k', valueClass: 'v', headerClass: 'h' },
    transforms: new TransformationChain([]),
    operator: new RetryWithToleranceOperator({ retryTimeoutMs: 0, retryDelayMaxMs: 0, tolerance: 'none' }, systemScheduler),
    offsetStore: store,
    listener: { onStartup: () => undefined, onPause: () => undefined, onResume: () => undefined, onFailure: () => undefined, onShutdown: () => undefined },
    scheduler: systemScheduler,
    logger,
    offsetFlushIntervalMs: 60_000,
    offsetFlushTimeoutMs: 1000,
    startPaused: false,
  });
  running.start();
  task.queue.push(line(1));
  await waitFor(() => producer.sent === 1);

  // A periodic flush takes a@1's offset and is still storing it when a@2 is acknowledged.
  store.closeGate();
  const periodic = running.commitOffsets();
  await waitFor(() => store.writing);
  task.queue.push(line(2));
  await waitFor(() => producer.sent === 2);

  // stop() reaches its last flush while the periodic one still waits on the store.
  const stopped = running.stop();
  await waitFor(() => producer.flushed);
  store.openGate();
  await periodic;
  await stopped;
  t.deepEqual(await store.get('c', { file: 'a' }), { position: 2 });
});
