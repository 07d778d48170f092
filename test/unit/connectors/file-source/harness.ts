import type { Header, OffsetStorageReader, SourceOffset, SourcePartition, SourceRecord, SourceTaskContext } from '../../../../connect/api/index.ts';
import { VirtualScheduler } from '../../../../core/base/index.ts';
import { FileSourceTask } from '../../../../connectors/file-source/index.ts';
import type { WrittenRecordReader } from '../../../../connectors/file-source/index.ts';

/** What the task logged, for assertions on rotation and truncation notices. */
export interface LogEntry {
  readonly level: string;
  readonly fields: object;
  readonly message: string | undefined;
}

/** Kafka's offset storage, reduced to a map: what the worker committed for each source partition. */
export class OffsetStore implements OffsetStorageReader {
  readonly committed = new Map<string, SourceOffset>();

  offset(partition: SourcePartition): Promise<SourceOffset | null> {
    return Promise.resolve(this.committed.get(JSON.stringify(partition)) ?? null);
  }

  offsets(partitions: readonly SourcePartition[]): Promise<(SourceOffset | null)[]> {
    return Promise.resolve(partitions.map((partition) => this.committed.get(JSON.stringify(partition)) ?? null));
  }

  /** Commits the offsets of records, as the worker does after the producer acknowledged them. */
  commit(records: readonly SourceRecord[]): void {
    for (const record of records) this.committed.set(JSON.stringify(record.sourcePartition), record.sourceOffset);
  }
}

/**
 * A topic as the worker would read it back: records with their headers after a round trip
 * through a header converter that turns every value into text (Kafka's SimpleHeaderConverter
 * writes numbers as decimal strings).
 */
export class Topic implements WrittenRecordReader {
  readonly records: SourceRecord[] = [];

  append(records: readonly SourceRecord[]): void {
    this.records.push(...records);
  }

  async *tail(topic: string): AsyncIterable<{ headers: readonly Header[]; kafkaPartition: number; kafkaOffset: bigint }> {
    for (const [i, record] of this.records.entries()) {
      if (record.topic !== topic) continue;
      yield {
        kafkaPartition: 0,
        kafkaOffset: BigInt(i),
        headers: record.headers.map((header) => ({ key: header.key, schema: null, value: new TextEncoder().encode(String(header.value)) })),
      };
    }
  }
}

export interface Harness {
  readonly task: FileSourceTask;
  readonly scheduler: VirtualScheduler;
  readonly store: OffsetStore;
  readonly logs: LogEntry[];
}

/** A started task on virtual time with an in-memory offset store (and, when given, a topic to read back). */
export async function startTask(
  config: Record<string, unknown>,
  options: { store?: OffsetStore; topic?: Topic; scheduler?: VirtualScheduler } = {},
): Promise<Harness> {
  const scheduler = options.scheduler ?? new VirtualScheduler();
  const store = options.store ?? new OffsetStore();
  const logs: LogEntry[] = [];
  const log =
    (level: string) =>
    (fields: object, message?: string): void => {
      logs.push({ level, fields, message });
    };
  const context: SourceTaskContext & { writtenRecordReader?: WrittenRecordReader } = {
    scheduler,
    logger: { trace: log('trace'), debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    configs: config,
    offsetStorageReader: store,
    ...(options.topic === undefined ? {} : { writtenRecordReader: options.topic }),
  };
  const task = new FileSourceTask();
  task.initialize(context);
  await task.start(config);
  return { task, scheduler, store, logs };
}

function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * One poll. Virtual time moves only while the task sleeps, straight to its next timer, so a
 * poll that waits for a rescan or an idle flush ends at once, and time never moves while the
 * task is reading.
 */
export async function pollOnce(h: Harness, timeoutMs = 10_000): Promise<SourceRecord[]> {
  let settled = false;
  const result = h.task.poll().finally(() => {
    settled = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (!settled) {
    if (Date.now() > deadline) throw new Error('poll did not end before the deadline');
    const due = h.scheduler.nextDueAt();
    if (due === undefined) await yieldToIo();
    else await h.scheduler.tick(Math.max(0, due - h.scheduler.now()));
  }
  return (await result) ?? [];
}

/** Polls until `count` records came (exactly: more is a failure of the caller's assertion), or the deadline. */
export async function pollRecords(h: Harness, count: number, timeoutMs = 10_000): Promise<SourceRecord[]> {
  const records: SourceRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (records.length < count) {
    if (Date.now() > deadline) throw new Error(`got ${records.length} of ${count} records before the deadline: ${JSON.stringify(records.map((r) => r.value))}`);
    records.push(...(await pollOnce(h, timeoutMs)));
  }
  return records;
}

/** Polls `rounds` times (each a rescan interval of virtual time when idle) and returns whatever came. */
export async function pollIdle(h: Harness, rounds = 3): Promise<SourceRecord[]> {
  const records: SourceRecord[] = [];
  for (let i = 0; i < rounds; i++) records.push(...(await pollOnce(h)));
  return records;
}

export function values(records: readonly SourceRecord[]): unknown[] {
  return records.map((record) => record.value);
}

export function header(record: SourceRecord, key: string): unknown {
  return record.headers.find((h) => h.key === key)?.value;
}
