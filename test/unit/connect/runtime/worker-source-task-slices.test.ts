/**
 * A poll's records reach the producer a slice at a time, with a turn of the event loop between
 * slices: acknowledgements and the producer's sender run while the rest of a large poll is
 * converted, instead of waiting for all of it.
 */
import test from 'ava';
import type { ProducerRecord, RecordMetadata } from '../../../../client/index.ts';
import type { SourceRecord, SourceTask } from '../../../../connect/api/index.ts';
import { Schemas } from '../../../../connect/api/index.ts';
import { MemoryTopicLogFactory } from '../../../../connect/runtime/storage/memory-topic-log.ts';
import { OffsetStore } from '../../../../connect/runtime/storage/offset-store.ts';
import { SEND_SLICE_BYTES } from '../../../../connect/runtime/worker-source-task.ts';
import { waitFor } from '../../../helpers/wait-for.ts';
import { AckingProducer, silentLogger, sourceWorkerTask } from './worker-task-fixtures.ts';

/** Returns `records` from its first poll, nothing after. */
class OnePollTask implements SourceTask {
  private records: SourceRecord[] | undefined;
  constructor(records: SourceRecord[]) {
    this.records = records;
  }
  version(): string {
    return '1';
  }
  initialize(): void {}
  start(): Promise<void> {
    return Promise.resolve();
  }
  poll(): Promise<SourceRecord[] | null> {
    const records = this.records ?? [];
    this.records = undefined;
    return Promise.resolve(records);
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
}

/** Logs each sendBatch, and each event-loop turn that came after one. */
class TurnLoggingProducer extends AckingProducer {
  readonly log: string[] = [];
  override sendBatch(records: readonly ProducerRecord[], onRecord?: (index: number, metadata: RecordMetadata) => void): Promise<RecordMetadata[]> {
    this.log.push(`batch of ${records.length}`);
    setImmediate(() => this.log.push('turn'));
    return super.sendBatch(records, onRecord);
  }
}

function record(position: number, bytes: number): SourceRecord {
  return { sourcePartition: { file: 'a' }, sourceOffset: { position }, topic: 'out', kafkaPartition: null, keySchema: null, key: null, valueSchema: Schemas.STRING, value: `${position}:`.padEnd(bytes, 'x'), timestamp: null, headers: [] };
}

test('a poll larger than a slice is sent in slices, each after an event-loop turn, in order', async (t) => {
  // Four records per slice: the fourth brings the slice to its size.
  const size = Math.ceil(SEND_SLICE_BYTES / 4);
  const records = Array.from({ length: 10 }, (_, i) => record(i, size));
  const producer = new TurnLoggingProducer();
  const store = new OffsetStore(new MemoryTopicLogFactory().open('connect-offsets', 1), silentLogger);
  await store.start();
  const running = sourceWorkerTask({ task: new OnePollTask(records), producer, offsetStore: store });
  running.start();
  await waitFor(() => producer.sent.length === 10);
  await running.stop();

  t.deepEqual(producer.log.slice(0, 5), ['batch of 4', 'turn', 'batch of 4', 'turn', 'batch of 2']);
  t.deepEqual(
    producer.sent.map((r) => String(r.value).split(':')[0]),
    records.map((_, i) => String(i)),
  );
});

test('a poll within one slice is one sendBatch', async (t) => {
  const records = Array.from({ length: 100 }, (_, i) => record(i, 100));
  const producer = new TurnLoggingProducer();
  const store = new OffsetStore(new MemoryTopicLogFactory().open('connect-offsets', 1), silentLogger);
  await store.start();
  const running = sourceWorkerTask({ task: new OnePollTask(records), producer, offsetStore: store });
  running.start();
  await waitFor(() => producer.sent.length === 100);
  await running.stop();
  t.is(producer.log[0], 'batch of 100');
  t.is(producer.log.filter((entry) => entry.startsWith('batch')).length, 1);
});
