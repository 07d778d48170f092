/**
 * Stopping a source task while a periodic offset flush is still storing: the last flush must
 * cover the records acknowledged after that flush took its offsets, or a restart repeats them.
 */
import test from 'ava';
import type { SourceOffset, SourcePartition, SourceRecord } from '../../../../connect/api/index.ts';
import { Schemas } from '../../../../connect/api/index.ts';
import { MemoryTopicLogFactory } from '../../../../connect/runtime/storage/memory-topic-log.ts';
import { OffsetStore } from '../../../../connect/runtime/storage/offset-store.ts';
import { waitFor } from '../../../helpers/wait-for.ts';
import { AckingProducer, QueuedSourceTask, silentLogger, sourceWorkerTask } from './worker-task-fixtures.ts';

const logger = silentLogger;

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
  const task = new QueuedSourceTask();
  const running = sourceWorkerTask({ task, producer, offsetStore: store });
  running.start();
  task.queue.push(line(1));
  await waitFor(() => producer.sent.length === 1);

  // A periodic flush takes a@1's offset and is still storing it when a@2 is acknowledged.
  store.closeGate();
  const periodic = running.commitOffsets();
  await waitFor(() => store.writing);
  task.queue.push(line(2));
  await waitFor(() => producer.sent.length === 2);

  // stop() reaches its last flush while the periodic one still waits on the store.
  const stopped = running.stop();
  await waitFor(() => producer.flushed);
  store.openGate();
  await periodic;
  await stopped;
  t.deepEqual(await store.get('c', { file: 'a' }), { position: 2 });
});
