/**
 * A poll's records reach the producer a slice at a time, with a turn of the event loop between
 * slices: acknowledgements and the producer's sender run while the rest of a large poll is
 * converted, instead of waiting for all of it. Header lists records share are converted once.
 */
import test from 'ava';
import type { ProducerRecord, RecordMetadata } from '../../../../client/index.ts';
import type { Header, Schema, SourceRecord } from '../../../../connect/api/index.ts';
import { Schemas } from '../../../../connect/api/index.ts';
import { MemoryTopicLogFactory } from '../../../../connect/runtime/storage/memory-topic-log.ts';
import { OffsetStore } from '../../../../connect/runtime/storage/offset-store.ts';
import { SEND_SLICE_BYTES } from '../../../../connect/runtime/worker-source-task.ts';
import { waitFor } from '../../../helpers/wait-for.ts';
import { SimpleHeaderConverter } from '../../../../connect/runtime/converters/simple-header-converter.ts';
import { AckingProducer, QueuedSourceTask, silentLogger, sourceWorkerTask, stringConverters } from './worker-task-fixtures.ts';

/** Logs each sendBatch, and each event-loop turn that came after one. */
class TurnLoggingProducer extends AckingProducer {
  readonly log: string[] = [];
  override sendBatch(records: readonly ProducerRecord[], onRecord?: (index: number, metadata: RecordMetadata) => void): Promise<RecordMetadata[]> {
    this.log.push(`batch of ${records.length}`);
    setImmediate(() => this.log.push('turn'));
    return super.sendBatch(records, onRecord);
  }
}

async function startedOffsetStore(): Promise<OffsetStore> {
  const store = new OffsetStore(new MemoryTopicLogFactory().open('connect-offsets', 1), silentLogger);
  await store.start();
  return store;
}

function record(position: number, bytes: number): SourceRecord {
  return { sourcePartition: { file: 'a' }, sourceOffset: { position }, topic: 'out', kafkaPartition: null, keySchema: null, key: null, valueSchema: Schemas.STRING, value: `${position}:`.padEnd(bytes, 'x'), timestamp: null, headers: [] };
}

test('a poll larger than a slice is sent in slices, each after an event-loop turn, in order', async (t) => {
  // Four records per slice: the fourth brings the slice to its size.
  const size = Math.ceil(SEND_SLICE_BYTES / 4);
  const records = Array.from({ length: 10 }, (_, i) => record(i, size));
  const producer = new TurnLoggingProducer();
  const store = await startedOffsetStore();
  const running = sourceWorkerTask({ task: new QueuedSourceTask(records), producer, offsetStore: store });
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
  const store = await startedOffsetStore();
  const running = sourceWorkerTask({ task: new QueuedSourceTask(records), producer, offsetStore: store });
  running.start();
  await waitFor(() => producer.sent.length === 100);
  await running.stop();
  t.is(producer.log[0], 'batch of 100');
  t.is(producer.log.filter((entry) => entry.startsWith('batch')).length, 1);
});

test('a frozen header list shared by records is converted once per topic; other lists once per record', async (t) => {
  let calls = 0;
  const header = new SimpleHeaderConverter();
  const counting = {
    ...stringConverters(),
    header: {
      configure: () => {
        header.configure();
      },
      fromConnectHeader: (topic: string, key: string, schema: Schema | null, value: unknown) => {
        calls++;
        return header.fromConnectHeader(topic, key, schema, value);
      },
      toConnectHeader: (topic: string, key: string, value: Uint8Array | null) => header.toConnectHeader(topic, key, value),
    },
  };
  const shared: readonly Header[] = Object.freeze([
    { key: 'a', schema: Schemas.STRING, value: 'x' },
    { key: 'b', schema: Schemas.STRING, value: 'y' },
  ]);
  const records = [
    ...Array.from({ length: 5 }, (_, i) => ({ ...record(i, 10), headers: shared })),
    { ...record(5, 10), topic: 'other', headers: shared },
    { ...record(6, 10), headers: [{ key: 'c', schema: Schemas.STRING, value: 'z' }] },
    { ...record(7, 10), headers: [{ key: 'c', schema: Schemas.STRING, value: 'z' }] },
  ];
  const producer = new TurnLoggingProducer();
  const store = await startedOffsetStore();
  const running = sourceWorkerTask({ task: new QueuedSourceTask(records), producer, offsetStore: store, converters: counting });
  running.start();
  await waitFor(() => producer.sent.length === records.length);
  await running.stop();
  // Two headers for out, two again for other, then one per unshared record.
  t.is(calls, 2 + 2 + 1 + 1);
  t.deepEqual(
    producer.sent.map((r) => (r.headers as readonly { key: string; value: Buffer | null }[]).map((h) => `${h.key}=${String(h.value)}`).join(',')),
    [...Array.from({ length: 6 }, () => 'a=x,b=y'), 'c=z', 'c=z'],
  );
});
